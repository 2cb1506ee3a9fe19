"""Read (and write) ranking answers exported by other survey tools.

Three layouts cover the common exports:

``rank-per-option``
    One column per option holding that option's rank (REDCap, Qualtrics). Columns
    are matched to options by code or label (any language; case, accents kept,
    spacing ignored) or by an explicit ``columns`` mapping; other columns are
    ignored when the options are known.
``option-per-rank``
    One column per rank position holding the option's code or label
    (LimeSurvey). A column's position is the last number in its name
    (``rank_1``, ``Q5[2]``, ``Rank 3``) unless ``columns`` maps names to positions.
``ordered-list``
    One field of space-separated option codes, best first (ODK / Kobo export of
    an XLSForm ``rank`` question), or of codes or labels joined by ``;``
    (Microsoft Forms: ``B;A;C;``).

Every problem is reported with its spreadsheet row (1-based, the header is row
1) and column name; the whole file is checked before anything is returned, and
all problems are raised together as one :class:`~survey.errors.LandscapeError`.
What counts as complete, and whether ties are allowed, follows the question's
:class:`~survey.instrument.model.RankingRule` (see :mod:`survey.ranking.bands`).
A row with nothing ranked is "did not answer" and is kept as an all-``<NA>`` row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd

from survey.answers import Problem, check_ranking, problem_issue
from survey.errors import Issue, LandscapeError, Location, issue
from survey.files import atomic_write, defuse_frame
from survey.instrument.model import Question, RankingRule
from survey.ranking.bands import RankingData
from survey.tables import cell_outside, match_key, read_table
from survey.text import clip

__all__ = ["ID_COLUMNS", "LAYOUTS", "read_rankings", "read_rankings_rows", "read_rankings_table",
           "write_rankings"]

LAYOUTS = ("rank-per-option", "option-per-rank", "ordered-list")

#: Column names taken as the respondent id when none is named (compared casefolded).
ID_COLUMNS = ("respondent_id", "respondent", "response_id", "responseid", "record_id", "id",
              "token", "_uuid", "instanceid", "meta/instanceid", "key")

_MAX_ISSUES = 200
_TRAILING_NUMBER = re.compile(r"(\d+)\D*$")
# The file codes of the answer model's ranking problems.
_RULE_CODES = {"range": "A106", "tie": "A107", "incomplete": "A109", "other": "A105"}


def _rule_kind(problem: Problem) -> str:
    if problem.code == "ranking_range":
        return "range"
    if problem.code == "ranking_positions":
        return "tie" if problem.params["repeated"] else "incomplete"
    if problem.code == "ranking_unranked":
        return "incomplete"
    return "other"  # pragma: no cover - cells are parsed to known options and whole ranks


def _first_unranked(codes: Sequence[str], got: Mapping[str, int | None]) -> str | None:
    return next((c for c in codes if got.get(c) is None), None)


def _second_holder(problem: Problem, got: Mapping[str, int | None]) -> str | None:
    """The option that repeats the first repeated position (the cell to fix)."""
    first = next(iter(problem.params["repeated"]))
    holders = [c for c in problem.params["options"] if got.get(c) == first]
    return holders[1] if len(holders) > 1 else None


class _Problems:
    """Collects issues with spreadsheet locations."""

    def __init__(self, file: str, cap: int | None = _MAX_ISSUES) -> None:
        self.file = file
        self.cap = cap
        self.items: list[Issue] = []
        self.dropped = 0

    def add(self, code: str, message: str, row: int | None = None,
            column: str | None = None, problem: Problem | None = None) -> None:
        if self.cap is not None and len(self.items) >= self.cap:
            self.dropped += 1
            return
        where = Location(file=self.file, row=row, column=column)
        if problem is None:
            self.items.append(issue(code, message, where))
        else:
            self.items.append(problem_issue(code, problem, where, column))

    def rule(self, rule: RankingRule, codes: list[str], got: Mapping[str, int | None],
             sheet_row: int, column: Callable[[Problem], str | None]) -> None:
        """Check one row's ranking against ``rule`` (the answer model's ranking rule)."""
        ranked = {c: p for c, p in got.items() if p is not None}
        found = check_ranking(rule, codes, ranked) if ranked else None
        if found is not None:
            self.add(_RULE_CODES[_rule_kind(found)], "", sheet_row, column(found), found)

    def raise_if_any(self) -> None:
        if not self.items:
            return
        problems = list(self.items)
        if self.dropped:
            problems.append(issue(problems[-1].code, f"... and {self.dropped} more problem(s) "
                                  "not listed", Location(file=self.file)))
        raise LandscapeError(problems)


def _read_table(path: Path, sheet: str | int | None) -> list[list[str]]:
    """All rows (header first) as stripped strings, by the one table reader.

    A file with no row under its header is ``A101``, a value in a column the header
    does not name ``A116`` (it would be dropped without a word).
    """
    rows = read_table(path, sheet, unreadable="A101", empty="A101").rows
    if not any(any(cell.strip() for cell in row) for row in rows[1:]):
        raise LandscapeError.of("A101", "the file has a header row but no respondents under "
                                "it", Location(file=str(path), row=2))
    outside = cell_outside(rows)
    if outside is not None:
        raise LandscapeError.of("A116", f"the row has a value in column {outside[1]}, which "
                                "the header does not name",
                                Location(file=str(path), row=outside[0],
                                         column=str(outside[1])))
    return [[cell.strip() for cell in row] for row in rows]


def _option_labels(question: Question | None, options: Sequence[str] | None,
                   labels: Mapping[str, str | Iterable[str]] | None
                   ) -> tuple[list[str] | None, dict[str, str], dict[str, str]]:
    """(option codes or None when to be inferred, code -> English label, match key -> code)."""
    if question is not None:
        codes = list(question.option_codes)
        display = {o.code: o.label.en for o in question.options}
        keys: dict[str, str] = {}
        for o in question.options:
            keys.setdefault(match_key(o.code), o.code)
            for tr in o.label.translations.values():
                keys.setdefault(match_key(tr.text), o.code)
        return codes, display, keys
    if options is None:
        return None, {}, {}
    codes = [str(o) for o in options]
    display = {}
    keys = {match_key(c): c for c in codes}
    for code, texts in (labels or {}).items():
        all_texts = [texts] if isinstance(texts, str) else list(texts)
        if all_texts:
            display[code] = all_texts[0]
        for text in all_texts:
            keys.setdefault(match_key(text), code)
    return codes, display, keys


def read_rankings(
    path: Path | str,
    layout: str,
    *,
    question: Question | None = None,
    options: Sequence[str] | None = None,
    labels: Mapping[str, str | Iterable[str]] | None = None,
    columns: Mapping[str, str | int] | None = None,
    id_column: str | None = None,
    group_column: str | None = None,
    list_column: str | None = None,
    rule: RankingRule | None = None,
    sheet: str | int | None = None,
) -> RankingData:
    """Read a CSV (UTF-8, BOM or not) or XLSX export of a ranking question.

    Parameters
    ----------
    path
        The file; ``.xlsx`` is read as a workbook, anything else as CSV.
    layout
        ``rank-per-option``, ``option-per-rank`` or ``ordered-list`` (see the module).
    question
        The ranking question: gives option codes, labels in every language and
        the ranking rule. Without it, pass ``options`` (and ``labels``), or let
        the options be inferred from the file (column names, or the values seen).
    options, labels
        Option codes in order; code -> label or labels (any languages).
    columns
        Explicit column mapping: name -> option code (rank-per-option) or
        name -> rank position (option-per-rank).
    id_column
        Respondent id column; default the first of :data:`ID_COLUMNS` present,
        else ids ``row-2``, ``row-3``, ... after the spreadsheet row.
    group_column
        Column holding each respondent's group (kept as ``RankingData.groups``).
    list_column
        The ordered-list field; default the question's code, else the only
        remaining column.
    rule
        Ranking rule; default the question's, else full ranking without ties.
    sheet
        Workbook sheet name or index (XLSX only).

    Returns
    -------
    RankingData

    Raises
    ------
    LandscapeError
        ``A101``-``A114`` with ``file:row:column`` for every problem in the file.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "export.csv"
    >>> _ = path.write_text("id,first,second\\nr1,b,a\\nr2,a,b\\n", encoding="utf-8")
    >>> data = read_rankings(path, "option-per-rank", options=["a", "b"],
    ...                      columns={"first": 1, "second": 2})
    >>> data.ranks.loc["r1"].tolist()
    [2, 1]
    """
    if layout not in LAYOUTS:
        raise LandscapeError.of("A102", f"'{layout}' is not a layout")
    path = Path(path)
    rows = _read_table(path, sheet)
    return read_rankings_table(
        rows, layout, file=str(path), question=question, options=options, labels=labels,
        columns=columns, id_column=id_column, group_column=group_column,
        list_column=list_column, rule=rule)


@dataclass
class _Layout:
    """A ranking table read in one layout: each body row's positions."""

    header: list[str]
    body: list[list[str]]
    codes: list[str]
    display: dict[str, str]
    positions: list[dict[str, int | None]]
    id_index: int | None
    group_index: int | None
    rule: RankingRule


def _read_layout(rows: Sequence[Sequence[str]], layout: str, problems: _Problems, *,
                 file: str, question: Question | None,
                 options: Sequence[str] | None, labels: Mapping[str, str | Iterable[str]] | None,
                 columns: Mapping[str, str | int] | None, id_column: str | None,
                 group_column: str | None, list_column: str | None,
                 rule: RankingRule | None) -> _Layout:
    """Read ``rows``; problems with the columns raise, problems in rows are collected."""
    header = [str(h).strip() for h in rows[0]]
    body = [list(r) + [""] * (len(header) - len(r)) for r in rows[1:]]
    seen: dict[str, int] = {}
    for j, name in enumerate(header):
        if name and name in seen:
            problems.add("A114", f"column name '{name}' appears twice (columns "
                         f"{seen[name] + 1} and {j + 1})", 1, name)
        seen.setdefault(name, j)
    problems.raise_if_any()

    def find(name: str, what: str) -> int:
        if name in seen:
            return seen[name]
        folded = {match_key(h): j for j, h in enumerate(header)}
        if match_key(name) in folded:
            return folded[match_key(name)]
        raise LandscapeError.of("A103", f"no {what} column '{name}'; the columns are: "
                                f"{', '.join(h for h in header if h)}", Location(file=file, row=1))

    id_index: int | None
    if id_column is not None:
        id_index = find(id_column, "id")
    else:
        folded = {match_key(h): j for j, h in enumerate(header)}
        id_index = next((folded[c] for c in ID_COLUMNS if c in folded), None)
    group_index = find(group_column, "group") if group_column is not None else None
    reserved = {i for i in (id_index, group_index) if i is not None}

    rule = rule or (question.ranking if question is not None and question.ranking else None) \
        or RankingRule()
    codes, display, keys = _option_labels(question, options, labels)

    if layout == "rank-per-option":
        codes, positions = _rank_per_option(header, body, reserved, codes, keys, display,
                                            columns, rule, problems)
    elif layout == "option-per-rank":
        codes, positions = _option_per_rank(header, body, reserved, codes, keys, display,
                                            columns, rule, problems)
    else:
        if list_column is not None:
            list_index = find(list_column, "ranking")
        else:
            list_index = _default_list_column(header, reserved, question, file)
        codes, positions = _ordered_list(header, body, list_index, codes, keys, display,
                                         rule, problems)

    return _Layout(header, body, codes, display, positions, id_index, group_index, rule)


def read_rankings_table(
    rows: Sequence[Sequence[str]],
    layout: str,
    *,
    file: str = "<table>",
    question: Question | None = None,
    options: Sequence[str] | None = None,
    labels: Mapping[str, str | Iterable[str]] | None = None,
    columns: Mapping[str, str | int] | None = None,
    id_column: str | None = None,
    group_column: str | None = None,
    list_column: str | None = None,
    rule: RankingRule | None = None,
) -> RankingData:
    """:func:`read_rankings` on rows already read (header first, cells as text).

    Examples
    --------
    >>> rows = [["id", "ranking"], ["r1", "b a"], ["r2", ""]]
    >>> data = read_rankings_table(rows, "ordered-list", options=["a", "b"])
    >>> data.ranks.loc["r1"].tolist(), int(data.ranks.loc["r2"].isna().sum())
    ([2, 1], 2)
    """
    if layout not in LAYOUTS:
        raise LandscapeError.of("A102", f"'{layout}' is not a layout")
    problems = _Problems(file)
    read = _read_layout(rows, layout, problems, file=file, question=question, options=options,
                        labels=labels, columns=columns, id_column=id_column,
                        group_column=group_column, list_column=list_column, rule=rule)
    header, body, codes, positions = read.header, read.body, read.codes, read.positions
    id_index, group_index, rule, display = read.id_index, read.group_index, read.rule, read.display
    ids: list[str] = []
    id_rows: dict[str, int] = {}
    for r, row in enumerate(body):
        sheet_row = r + 2
        rid = row[id_index] if id_index is not None else f"row-{sheet_row}"
        if id_index is not None and not rid:
            problems.add("A110", "the respondent id is blank", sheet_row, header[id_index])
        elif rid in id_rows:
            problems.add("A110", f"id '{rid}' already used on row {id_rows[rid]}", sheet_row,
                         header[id_index] if id_index is not None else None)
        id_rows.setdefault(rid, sheet_row)
        ids.append(rid)
    problems.raise_if_any()

    index = pd.Index(ids, name="respondent_id")
    frame = pd.DataFrame({c: pd.array([p[c] for p in positions], dtype="Int64") for c in codes},
                         index=index)
    groups = None
    if group_index is not None:
        values = [row[group_index] or None for row in body]
        groups = pd.Series(values, index=index, name=header[group_index], dtype=object)
    return RankingData(ranks=frame, options=tuple(codes),
                       labels={c: display.get(c, c) for c in codes}, groups=groups, rule=rule,
                       question=question.code if question is not None else None,
                       concepts={} if question is None else
                       {o.code: o.concept for o in question.options if o.concept})


def read_rankings_rows(
    rows: Sequence[Sequence[str]],
    layout: str,
    question: Question,
    *,
    file: str = "<table>",
    columns: Mapping[str, str | int] | None = None,
    list_column: str | None = None,
) -> tuple[list[dict[str, int] | None], dict[int, list[Issue]]]:
    """Each body row's ranking of ``question``, keeping the good rows (for importers).

    Returns the rankings (``None`` for a row that ranked nothing or has a
    problem) and the problems by spreadsheet row. Problems with the columns
    themselves raise ``LandscapeError`` (``A103``, ``A104``, ``A106``, ``A114``).

    Examples
    --------
    >>> from survey.instrument import parse_instrument_text
    >>> q = parse_instrument_text("instrument: demo\\nversion: 1.0.0\\ntitle: Demo\\n"
    ...     "questions: [{code: top, type: ranking, label: Rank,"
    ...     " options: [{code: a, label: A}, {code: b, label: B}]}]").questions[0]
    >>> ranks, problems = read_rankings_rows([["top"], ["b a"], ["a a"], [""]],
    ...                                      "ordered-list", q)
    >>> ranks, {row: [i.code for i in found] for row, found in problems.items()}
    ([{'a': 2, 'b': 1}, None, None], {3: ['A108']})
    """
    if layout not in LAYOUTS:
        raise LandscapeError.of("A102", f"'{layout}' is not a layout")
    problems = _Problems(file, cap=None)
    read = _read_layout(rows, layout, problems, file=file, question=question, options=None,
                        labels=None, columns=columns, id_column=None, group_column=None,
                        list_column=list_column, rule=None)
    whole = [i for i in problems.items if (i.location.row or 0) < 2]
    if whole:
        raise LandscapeError(whole)
    by_row: dict[int, list[Issue]] = {}
    for found in problems.items:
        by_row.setdefault(found.location.row or 0, []).append(found)
    out: list[dict[str, int] | None] = []
    for r, got in enumerate(read.positions):
        ranked = {c: p for c, p in got.items() if p is not None}
        out.append(ranked if ranked and r + 2 not in by_row else None)
    return out, by_row


def _default_list_column(header: list[str], reserved: set[int], question: Question | None,
                         file: str) -> int:
    if question is not None:
        for j, name in enumerate(header):
            # ODK Central joins group names with '-', Kobo with '/'.
            if re.split(r"[/-]", name)[-1] == question.code:
                return j
    remaining = [j for j, name in enumerate(header) if j not in reserved and name]
    if len(remaining) == 1:
        return remaining[0]
    raise LandscapeError.of("A103", "cannot tell which column holds the ranking; name it "
                            f"(list_column / --list-column); columns: {', '.join(header)}",
                            Location(file=file, row=1))


def _parse_rank(text: str) -> int | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() else None


def _option_columns(header: list[str], reserved: set[int], codes: list[str] | None,
                    keys: dict[str, str], columns: Mapping[str, str | int] | None,
                    problems: _Problems) -> dict[int, str]:
    """Rank-per-option: the option each column holds (by mapping, code or label)."""
    column_option: dict[int, str] = {}
    if not columns:
        for j, name in enumerate(header):
            if j in reserved or not name:
                continue
            if codes is None:
                column_option[j] = name
            elif match_key(name) in keys:
                column_option[j] = keys[match_key(name)]
        return column_option
    for name, target in columns.items():
        if name not in header:
            problems.add("A114", f"the mapping names column '{name}', which the file "
                         "does not have", 1, name)
            continue
        code = keys.get(match_key(str(target)), str(target)) if codes else str(target)
        if codes is not None and code not in codes:
            problems.add("A104", f"the mapping sends column '{name}' to '{target}', which "
                         "is not an option", 1, name)
            continue
        column_option[header.index(name)] = code
    return column_option


def _rank_per_option(header: list[str], body: list[list[str]], reserved: set[int],
                     codes: list[str] | None, keys: dict[str, str], display: dict[str, str],
                     columns: Mapping[str, str | int] | None, rule: RankingRule,
                     problems: _Problems) -> tuple[list[str], list[dict[str, int | None]]]:
    column_option = _option_columns(header, reserved, codes, keys, columns, problems)
    if codes is None:
        codes = list(dict.fromkeys(column_option.values()))
        display.update({c: c for c in codes if c not in display})
    by_option: dict[str, list[int]] = {}
    for j, code in column_option.items():
        by_option.setdefault(code, []).append(j)
    for code, js in by_option.items():
        if len(js) > 1:
            problems.add("A114", f"columns {', '.join(repr(header[j]) for j in js)} all match "
                         f"option '{code}'", 1, header[js[1]])
    missing = [c for c in codes if c not in by_option]
    if missing:
        problems.add("A114", f"no column for option(s) {', '.join(missing)}; name columns "
                     "after option codes or labels, or pass a column mapping", 1, None)
    if not codes:
        problems.add("A114", "no option columns found", 1, None)
    problems.raise_if_any()

    column_of = {code: header[js[0]] for code, js in by_option.items()}
    out: list[dict[str, int | None]] = []
    for r, row in enumerate(body):
        sheet_row = r + 2
        got: dict[str, int | None] = {}
        row_failed = False
        for code in codes:
            j = by_option[code][0]
            text = row[j]
            value = _parse_rank(text) if text else None
            if text and value is None:
                problems.add("A105", f"'{clip(text)}' is not a whole-number rank", sheet_row,
                             header[j])
                row_failed = True
            got[code] = value
        if not row_failed:
            problems.rule(rule, codes, got, sheet_row, partial(_cell_column, column_of, codes,
                                                               got))
        out.append(got)
    return codes, out


def _cell_column(column_of: Mapping[str, str], codes: Sequence[str],
                 got: Mapping[str, int | None], problem: Problem) -> str | None:
    """The column of the cell a rank-per-option row should fix for ``problem``."""
    kind = _rule_kind(problem)
    if kind == "range":
        option: str | None = str(problem.params["options"][0])
    elif kind == "tie":
        option = _second_holder(problem, got)
    else:
        option = _first_unranked(codes, got)
    return column_of.get(option) if option is not None else None


def _resolve_option(text: str, codes: list[str] | None, keys: dict[str, str],
                    inferred: dict[str, str]) -> str | None:
    if codes is None:
        # Options inferred from the values: first spelling seen is the code.
        return inferred.setdefault(match_key(text), text)
    return keys.get(match_key(text))


def _rank_columns(header: list[str], reserved: set[int],
                  columns: Mapping[str, str | int] | None,
                  problems: _Problems) -> dict[int, int]:
    """Option-per-rank: the rank position each column holds (by mapping or its name)."""
    position_of: dict[int, int] = {}
    if not columns:
        for j, name in enumerate(header):
            match = _TRAILING_NUMBER.search(name) if j not in reserved and name else None
            if match:
                position_of[j] = int(match.group(1))
        return position_of
    for name, target in columns.items():
        if name not in header:
            problems.add("A114", f"the mapping names column '{name}', which the file "
                         "does not have", 1, name)
            continue
        try:
            position_of[header.index(name)] = int(target)
        except ValueError:
            problems.add("A114", f"the mapping gives column '{name}' the position "
                         f"'{target}', not a number", 1, name)
    return position_of


def _option_per_rank(header: list[str], body: list[list[str]], reserved: set[int],
                     codes: list[str] | None, keys: dict[str, str], display: dict[str, str],
                     columns: Mapping[str, str | int] | None, rule: RankingRule,
                     problems: _Problems) -> tuple[list[str], list[dict[str, int | None]]]:
    position_of = _rank_columns(header, reserved, columns, problems)
    positions_seen: dict[int, int] = {}
    for j, position in sorted(position_of.items()):
        if position in positions_seen:
            problems.add("A114", f"columns '{header[positions_seen[position]]}' and "
                         f"'{header[j]}' both read as rank {position}", 1, header[j])
        positions_seen.setdefault(position, j)
    if not position_of:
        problems.add("A114", "no rank columns found: name them with their position "
                     "(rank_1, rank_2, ...) or pass a column mapping", 1, None)
    problems.raise_if_any()

    inferred: dict[str, str] = {}
    bad_rows: set[int] = set()
    ordered = sorted(position_of.items(), key=lambda item: item[1])
    raw: list[list[tuple[int, int, str]]] = []  # per row: (position, column, option code)
    for r, row in enumerate(body):
        sheet_row = r + 2
        entries: list[tuple[int, int, str]] = []
        for j, position in ordered:
            text = row[j]
            if not text:
                continue
            code = _resolve_option(text, codes, keys, inferred)
            if code is None:
                problems.add("A104", f"'{clip(text)}' is not one of the question's options",
                             sheet_row, header[j])
                bad_rows.add(sheet_row)
                continue
            entries.append((position, j, code))
        raw.append(entries)
    if codes is None:
        codes = list(dict.fromkeys(inferred.values()))
        display.update({c: c for c in codes if c not in display})

    limit = rule.positions(len(codes))
    outside = [(j, p) for j, p in ordered if not 1 <= p <= limit]
    for j, position in outside:
        problems.add("A106", f"column is rank {position}, outside 1-{limit}", 1, header[j])
    column_of_rank = {p: header[j] for j, p in ordered}

    def column(found: Problem) -> str | None:
        missing = found.params.get("missing") or [None]
        return column_of_rank.get(missing[0]) if found.code == "ranking_positions" else None

    out: list[dict[str, int | None]] = []
    for r, entries in enumerate(raw):
        sheet_row = r + 2
        got: dict[str, int | None] = dict.fromkeys(codes)
        for position, j, code in entries:
            if got[code] is not None:
                problems.add("A108", f"'{code}' is already ranked {got[code]}", sheet_row,
                             header[j])
                bad_rows.add(sheet_row)
                continue
            got[code] = position
        # A row already reported (or a rank column outside the rule) is not judged again.
        if sheet_row not in bad_rows and not outside:
            problems.rule(rule, codes, got, sheet_row, column)
        out.append(got)
    return codes, out


def _ordered_list(header: list[str], body: list[list[str]], list_index: int,
                  codes: list[str] | None, keys: dict[str, str], display: dict[str, str],
                  rule: RankingRule, problems: _Problems
                  ) -> tuple[list[str], list[dict[str, int | None]]]:
    column = header[list_index]
    inferred: dict[str, str] = {}
    bad_rows: set[int] = set()
    parsed: list[list[str]] = []
    for r, row in enumerate(body):
        sheet_row = r + 2
        cell = row[list_index]
        # Microsoft Forms writes a ranking as labels joined by ';' ("B;A;C;"), best first.
        tokens = [t.strip() for t in cell.split(";") if t.strip()] if ";" in cell \
            else cell.split()
        chosen: list[str] = []
        for token in tokens:
            code = _resolve_option(token, codes, keys, inferred)
            if code is None:
                problems.add("A104", f"'{clip(token)}' is not one of the question's option codes",
                             sheet_row, column)
                bad_rows.add(sheet_row)
            elif code in chosen:
                problems.add("A108", f"'{code}' appears twice in the list", sheet_row, column)
                bad_rows.add(sheet_row)
            else:
                chosen.append(code)
        parsed.append(chosen)
    if codes is None:
        codes = list(dict.fromkeys(inferred.values()))
        display.update({c: c for c in codes if c not in display})
    out: list[dict[str, int | None]] = []
    for r, chosen in enumerate(parsed):
        sheet_row = r + 2
        got: dict[str, int | None] = dict.fromkeys(codes)
        for position, code in enumerate(chosen, start=1):
            got[code] = position
        if sheet_row not in bad_rows:
            problems.rule(rule, codes, got, sheet_row, lambda found: column)
        out.append(got)
    return codes, out


def write_rankings(
    data: RankingData,
    path: Path | str,
    layout: str,
    *,
    use_labels: bool = False,
    id_column: str = "respondent_id",
    group_column: str | None = None,
    bom: bool = False,
) -> Path:
    """Write rankings in one of the :data:`LAYOUTS` (CSV, or XLSX by suffix).

    The inverse of :func:`read_rankings`: reading the file back with the same
    options gives the same frame. ``use_labels`` writes option labels instead of
    codes (not for ``ordered-list``, whose tokens are codes). Ties cannot be
    written in ``option-per-rank`` or ``ordered-list``. The file is written
    atomically (``X101`` when it cannot be); text cells pass through
    :func:`survey.files.defuse_cell`, so text that would start a spreadsheet
    formula (``=...``) comes back with a leading ``'``.

    Examples
    --------
    >>> import tempfile, os
    >>> frame = pd.DataFrame({"a": [2], "b": [1]}, index=["r1"], dtype="Int64")
    >>> out = write_rankings(RankingData(frame, ("a", "b")),
    ...                      os.path.join(tempfile.mkdtemp(), "x.csv"), "ordered-list")
    >>> out.read_text(encoding="utf-8").splitlines()
    ['respondent_id,ranking', 'r1,b a']
    """
    if layout not in LAYOUTS:
        raise LandscapeError.of("A102", f"'{layout}' is not a layout")
    path = Path(path)
    name = (lambda c: data.label(c)) if use_labels else (lambda c: c)
    table: dict[str, list[object]] = {id_column: [str(i) for i in data.ranks.index]}
    if group_column is not None:
        groups = data.groups if data.groups is not None else pd.Series(dtype=object)
        table[group_column] = ["" if pd.isna(g) else str(g)
                               for g in groups.reindex(data.ranks.index)]
    ranks = data.ranks[list(data.options)]
    if layout == "rank-per-option":
        for code in data.options:
            table[name(code)] = ["" if pd.isna(v) else int(v) for v in ranks[code]]
    else:
        orders: list[list[str]] = []
        for _, row in ranks.iterrows():
            ranked = [(int(v), c) for c, v in row.items() if not pd.isna(v)]
            if len({p for p, _ in ranked}) != len(ranked):
                raise ValueError(f"ties cannot be written in the {layout} layout")
            orders.append([str(c) for _, c in sorted(ranked)])
        if layout == "ordered-list":
            table["ranking"] = [" ".join(order) for order in orders]
        else:
            width = data.rule.positions(len(data.options))
            for position in range(1, width + 1):
                table[f"rank_{position}"] = [
                    name(order[position - 1]) if position <= len(order) else ""
                    for order in orders]
    frame = defuse_frame(pd.DataFrame(table))
    if path.suffix.lower() == ".xlsx":
        return atomic_write(path, lambda temporary: frame.to_excel(
            temporary, index=False, engine="openpyxl"))
    return atomic_write(path, lambda temporary: frame.to_csv(
        temporary, index=False, encoding="utf-8-sig" if bom else "utf-8", lineterminator="\n"))
