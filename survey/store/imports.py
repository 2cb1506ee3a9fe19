"""Importing responses exported by other survey tools (CSV or XLSX) into the store.

One row per respondent, one header row. Columns are matched to the instrument:

* **a question** - its code or its English/Welsh label (case and spacing ignored),
  optionally behind an ODK/Kobo group prefix (``about_you/nation``). Choice
  answers are option codes or labels; a multiple choice is ``;``-separated codes
  or labels (or space-separated codes); consent is yes/no/true/false/1/0; a place
  is a nation or ITL1 region code, or its English or Welsh name; a rating is the
  number or its point label.
* **one 0/1 column per option** of a multiple choice: ``q/option`` (Kobo),
  ``q_option``, ``q.option`` or ``q[option]``; the "please specify" text of an
  ``other`` choice is ``q.other`` / ``q_other``.
* **the ranking question** in one of :data:`survey.ranking.layouts.LAYOUTS`
  (read by :func:`survey.ranking.layouts.read_rankings_table`):
  ``rank-per-option`` (``q.option``, ``q_option``, the option label, or Qualtrics'
  ``q_1``..``q_9`` numbering the options in the instrument's order),
  ``option-per-rank`` (LimeSurvey ``q[1]``..``q[9]`` holding option codes or
  labels) or ``ordered-list`` (the ODK/Kobo export of this platform's XLSForm: one
  field of space-separated codes, best first). ``auto`` tells them apart.
* optional **respondent attributes** ``nation``, ``region``, ``organisation_type``
  (when the instrument has no question of that code) - otherwise taken from the
  instrument's respondent questions; a pseudonymous respondent is created with
  them so monitor and analysis can group by them;
* an optional **id column** (``external_id``, ``response_id``, ``_uuid``,
  ``record_id``, ``respondent_id``, ...) - the idempotency key;
* a ``state`` column (``complete`` / ``in_progress``) and the metadata columns of
  ``landscape responses export`` are understood; any other column is an error
  unless named in ``ignore_columns``.

The whole file is checked before anything is written; every problem is reported
with ``file:row:column`` (row 1 is the header). By default one bad row means
nothing is imported (``LandscapeError``); with ``skip_invalid`` the good rows are
imported and the bad ones written, with their reasons, to a rejects CSV.

Columns are matched in :mod:`survey.store.import_columns`, cells read in
:mod:`survey.store.import_cells`, every row is checked by the answer model
(:mod:`survey.answers`), and the file is read by :func:`survey.tables.read_table`.

Idempotency: each row is keyed by its id column (instrument + id) or, without
one, by the file's SHA-256 and the row number. Importing the same file again
stores nothing new; a keyed row already stored with *different* answers is an
error (``R116``).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from sqlalchemy import select

from survey.answers import STATES, Problem, check_answers, describe, problem_issue
from survey.dialects import DIALECTS, DialectTable, read_dialect
from survey.errors import Issue, LandscapeError, Location, issue
from survey.files import defuse_cell, staged_file
from survey.instrument.logic import evaluate, parse_expression
from survey.instrument.model import InstrumentVersion, Question, QuestionType
from survey.instrument.places import nation_of, own_region
from survey.ranking.bands import RankingData
from survey.ranking.layouts import ID_COLUMNS, LAYOUTS, read_rankings_rows, read_rankings_table
from survey.store.engine import Store
from survey.store.import_cells import (
    NATION_KEYS,
    REGION_KEYS,
    BadCell,
    Parser,
    cell_parser,
    flag,
)
from survey.store.import_columns import (
    ATTRIBUTES,
    ColumnPlan,
    Matcher,
    choose_names,
    claim_column,
    plan_columns,
)
from survey.store.models import Response
from survey.store.writing import ResponseRow, save_responses
from survey.tables import match_key, read_table
from survey.text import clip

__all__ = ["IMPORT_LAYOUTS", "ImportResult", "RejectedRow", "import_responses",
           "read_import_table", "read_tool_rankings", "read_tool_table"]

#: ``--layout`` choices: the three ranking layouts, or ``auto`` to detect them.
IMPORT_LAYOUTS: tuple[str, ...] = ("auto", *LAYOUTS)

_MAX_REPORTED = 200
@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A row left out by ``skip_invalid``: its spreadsheet row, cells and problems."""

    row: int
    cells: tuple[str, ...]
    issues: tuple[Issue, ...]


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did."""

    file: str
    sha256: str
    rows: int
    imported: int
    already_stored: int
    rejected: tuple[RejectedRow, ...] = ()
    layouts: dict[str, str] = field(default_factory=dict)
    response_ids: tuple[str, ...] = ()
    rejects_file: str | None = None
    dialect: str = "generic"
    dialect_reason: str = ""
    dropped: tuple[str, ...] = ()
    left_out: int = 0

    def summary(self) -> str:
        """One paragraph for the CLI."""
        lines = [f"{self.file} (sha256 {self.sha256[:12]}): {self.rows} rows; "
                 f"imported {self.imported}, already in the store {self.already_stored}, "
                 f"rejected {len(self.rejected)}"]
        if self.dialect_reason:
            lines.insert(0, self.dialect_reason[0].upper() + self.dialect_reason[1:])
        if self.left_out:
            lines.append(f"left out {self.left_out} response(s) the {self.dialect} export "
                         "marks as previews, tests or spam")
        if self.dropped:
            shown = ", ".join(self.dropped[:8]) + (", ..." if len(self.dropped) > 8 else "")
            lines.append(f"{self.dialect} metadata columns not imported: {shown}")
        if self.layouts:
            lines.append("ranking layout: " + ", ".join(f"{q} {lay}"
                                                          for q, lay in self.layouts.items()))
        if self.rejects_file is not None:
            lines.append(f"rejected rows and reasons written to {self.rejects_file}")
        return "\n".join(lines)


# -- reading the file ------------------------------------------------------------------


def _fail(code: str, message: str, file: str, row: int | None = None,
          column: str | None = None) -> LandscapeError:
    return LandscapeError.of(code, message, Location(file=file, row=row, column=column))


def read_import_table(path: Path | str, sheet: str | None = None
                      ) -> tuple[str, list[list[str]]]:
    """The file's SHA-256 and its rows as text, read by :func:`survey.tables.read_table`.

    Raises
    ------
    LandscapeError
        ``R101`` (missing, unreadable, not UTF-8) or ``R102`` (empty, or a header
        row with no respondent rows).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_bytes("\\ufeffcode,organisation\\n1,Ynys Môn\\n".encode("utf-8"))
    >>> read_import_table(p)[1]
    [['code', 'organisation'], ['1', 'Ynys Môn']]
    """
    table = read_table(path, sheet, unreadable="R101", empty="R102")
    if len(table.rows) == 1:
        raise _fail("R102", "the file has a header row but no respondent rows", str(path),
                    row=1)
    return table.sha256, table.rows


def read_tool_table(path: Path | str, tool: str | None, sheet: str | None = None
                    ) -> tuple[str, DialectTable]:
    """The file's SHA-256 and its rows read in ``tool``'s dialect (:mod:`survey.dialects`).

    Raises
    ------
    LandscapeError
        As :func:`read_import_table`, and ``R118``/``R119`` (:func:`survey.dialects.read_dialect`).
    """
    if tool is not None and tool not in DIALECTS:
        raise LandscapeError.of("R118", f"'{tool}' is not one of {', '.join(DIALECTS)}")
    digest, rows = read_import_table(path, sheet)
    if tool is None:
        # No --from: a recognised tool's export is read as that tool's, anything else as
        # this platform's layout (as before dialects existed).
        try:
            table = read_dialect(rows, "auto", str(path))
            table = replace(table, reason=f"{table.reason}; read as its export (--from "
                            "generic reads it as this platform's layout)")
        except LandscapeError:
            table = read_dialect(rows, "generic", str(path))
    else:
        table = read_dialect(rows, tool, str(path))
    if len(table.rows) <= table.first_row - 1:
        raise _fail("R102", "the file has header rows but no respondent rows", str(path),
                    row=table.first_row - 1)
    return digest, table


# -- rankings ------------------------------------------------------------------------------


def _ranking_layout(q: Question, plan: ColumnPlan, header: list[str], body: list[list[str]],
                    requested: str) -> tuple[str, list[int], dict[str, str | int], str | None]:
    """(layout, columns, column mapping, list column) for ranking question ``q``."""
    whole = [plan.whole[q.code]] if q.code in plan.whole else []
    named = plan.rank_options.get(q.code, {})
    numbered = plan.rank_numbered.get(q.code, {})
    kinds = {"ordered-list": whole, "rank-per-option": list(named),
             "option-per-rank": list(numbered)}
    present = [k for k, cols in kinds.items() if cols]
    if len(present) > 1:
        raise BadCell("R112", f"{q.code} is given in two layouts at once ("
                       + "; ".join(f"{k}: {', '.join(header[j] for j in kinds[k])}"
                                   for k in present) + "); keep one")
    found = present[0]
    numbered_as_options = False
    if found == "option-per-rank":
        values = [row[j].strip() for j in numbered for row in body if row[j].strip()]
        looks_numeric = bool(values) and all(v.lstrip("-").replace(".", "", 1).isdigit()
                                             for v in values)
        if requested == "rank-per-option" or (requested == "auto" and looks_numeric):
            numbered_as_options = True  # Qualtrics: q_1..q_n number the options
            found = "rank-per-option"
    if requested not in ("auto", found):
        columns = ", ".join(header[j] for j in (whole or list(named) or list(numbered))[:4])
        raise BadCell("R112", f"--layout {requested} does not fit {q.code}: its columns "
                       f"({columns}) are the {found} layout; use --layout {found} or auto")
    if found == "ordered-list":
        return found, whole, {}, header[whole[0]]
    if found == "rank-per-option" and numbered_as_options:
        mapping: dict[str, str | int] = {}
        for j, number in numbered.items():
            if not 1 <= number <= len(q.options):
                raise BadCell("R112", f"column '{header[j]}' would be option {number} of "
                               f"{q.code}, which has {len(q.options)} options")
            mapping[header[j]] = q.options[number - 1].code
        return found, list(numbered), mapping, None
    if found == "rank-per-option":
        return found, list(named), {header[j]: code for j, code in named.items()}, None
    return found, list(numbered), {header[j]: n for j, n in numbered.items()}, None


def _read_ranking(q: Question, layout: str, columns: list[int], mapping: dict[str, str | int],
                  list_column: str | None, header: list[str], body: list[list[str]],
                  file: str, row_issues: dict[int, list[Issue]],
                  ) -> list[dict[str, int] | None]:
    """Each body row's ranking (None = not answered), via the shared layout reader.

    Rows with a problem are recorded in ``row_issues`` (stamped with the
    question, so the row is not also told the answer is missing) and read as
    unanswered.
    """
    sub = [[header[j] for j in columns]]
    sub.extend([row[j] for j in columns] for row in body)
    ranks, problems = read_rankings_rows(sub, layout, q, file=file, columns=mapping or None,
                                         list_column=list_column)
    for row, found in problems.items():
        row_issues.setdefault(row, []).extend(
            replace(item, location=replace(item.location, question=q.code)) for item in found)
    return ranks


def read_tool_rankings(path: Path | str, tool: str, iv: InstrumentVersion, question: Question,
                       *, layout: str = "auto", sheet: str | None = None,
                       group_column: str | None = None,
                       mapping: Path | str | None = None) -> RankingData:
    """The ranking ``question`` of a tool's export (``priorities --input FILE --from TOOL``).

    The file is read in ``tool``'s dialect (:func:`read_tool_table`), its columns matched
    to the question as the importer matches them (codes, labels, the tool's question
    text), and the ranking read by :func:`survey.ranking.layouts.read_rankings_table`;
    other columns are left alone. The id is the tool's response id. ``mapping`` is a
    column mapping written by ``landscape responses map`` (as for the import).

    Raises
    ------
    LandscapeError
        As :func:`read_tool_table`; ``A103`` (no column of the question), ``R112``
        (layout), ``A1xx`` for the rankings.
    """
    file = str(path)
    _, table = read_tool_table(path, tool, sheet)
    if mapping is not None:
        # Loaded when a mapping is given: most files have none.
        from survey.store.import_mapping import apply_mapping, load_mapping

        table, _ = apply_mapping(table, load_mapping(mapping, iv), file, str(mapping))
    rows = table.rows  # the tool's other header rows are blank rows: row numbers hold
    header = choose_names([h.strip() for h in rows[0]], table.alternatives, iv,
                          numbered=table.numbered)
    width = len(header)
    body = [r + [""] * (width - len(r)) for r in rows[1:]]
    placeholders = table.first_row - 2
    matcher = Matcher(iv, numbered=table.numbered)
    plan = ColumnPlan()
    for j, name in enumerate(header):
        found = matcher.resolve(name) if name else None
        if found is not None and found[0].code == question.code:
            claim_column(plan, question, found[1], j)
    if not (plan.whole or plan.rank_options or plan.rank_numbered):
        raise _fail("A103", f"no column of {question.code} in this {table.dialect} export; "
                    "the ranking columns are named by the question's code or text",
                    file, row=1)
    requested = layout
    try:
        chosen, columns, column_map, list_column = _ranking_layout(question, plan, header,
                                                                   body, "auto")
    except BadCell as exc:
        raise _fail(exc.code, exc.message, file, row=1) from None
    if requested not in ("auto", chosen):
        raise _fail("R112", f"--layout {requested} does not fit {question.code}: its columns "
                    f"are the {chosen} layout", file, row=1)
    keys = [match_key(h) for h in header]
    id_index = next((keys.index(k) for k in ("external_id", *ID_COLUMNS) if k in keys), None)
    group_index = (keys.index(match_key(group_column))
                   if group_column is not None and match_key(group_column) in keys else None)
    keep = [j for j in (id_index, group_index) if j is not None] + columns
    sub = [[header[j] for j in keep]] + [[row[j] for j in keep] for row in body]
    # A header row, or a row the tool marks as no respondent's, is blank here: a unique id,
    # then dropped.
    blank = [*range(1, placeholders + 1), *table.left_out]
    for r in blank:
        sub[r][0] = f"\x00not-a-respondent-{r + 1}" if id_index is not None else ""
    data = read_rankings_table(
        sub, chosen, file=file, question=question, columns=column_map or None,
        list_column=list_column, group_column=group_column,
        id_column=None if id_index is None else header[id_index])
    return data.subset(~np.isin(np.arange(1, len(data.ranks) + 1), blank))


# -- the import ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Checked:
    rows: list[ResponseRow]
    rejected: list[RejectedRow]
    layouts: dict[str, str]
    keys: list[str]


# The import codes of the answer model's problems (survey.answers); others are R110.
_IMPORT_CODES = {"required": "R109", "consent_required": "R109", "hidden": "R111",
                 "wrong_path": "R111"}


@dataclass
class _Reader:
    """How to read one file's rows: its columns' plan, parsers and rankings."""

    iv: InstrumentVersion
    file: str
    header: list[str]
    plan: ColumnPlan
    plain: list[tuple[str, int, Parser, bool]]
    flag_plans: list[tuple[Question, list[tuple[str, int]]]]
    others: list[tuple[str, int]]
    rankings: dict[str, list[dict[str, int] | None]]
    column_of: dict[str, str]
    path_trees: list[tuple[str, Any]]
    attribute_source: dict[str, Question]


def _plan_file(iv: InstrumentVersion, table: DialectTable, file: str,
               ignore: Iterable[str]) -> tuple[list[str], list[list[str]], ColumnPlan]:
    """The header, the body (padded to the header's width) and the columns' plan."""
    rows = table.rows
    header = choose_names([h.strip() for h in rows[0]], table.alternatives, iv,
                          numbered=table.numbered)
    width = len(header)
    body = [r + [""] * (width - len(r)) if len(r) < width else r for r in rows[1:]]
    problems: list[Issue] = []
    hint = ("; if another survey tool exported the file, name it with --from TOOL "
            "(--from auto recognises it)" if table.dialect == "generic" else
            f"; map it once with 'landscape responses map {file} --instrument {iv.ref} "
            f"--from {table.dialect} -o mapping.yaml' (or --ignore-column it)")
    plan = plan_columns(header, body, iv, {match_key(n) for n in ignore}, file, problems,
                        numbered=table.numbered, unmatched_hint=hint)
    wide = next((r for r, row in enumerate(body)
                 if len(row) > width and any(c.strip() for c in row[width:])), None)
    if wide is not None:
        problems.append(issue("R103", f"row has {len(body[wide])} cells but the header names "
                              f"{width}", Location(file=file, row=wide + 2)))
    if problems:
        raise LandscapeError(problems[:_MAX_REPORTED])
    if not (plan.whole or plan.flags or plan.rank_options or plan.rank_numbered):
        raise _fail("R103", f"no column matches a question of {iv.ref}; name columns after "
                    "question codes or labels", file, row=1)
    return header, body, plan


def _read_rankings(iv: InstrumentVersion, plan: ColumnPlan, header: list[str],
                   body: list[list[str]], file: str, layout: str,
                   row_issues: dict[int, list[Issue]],
                   ) -> tuple[dict[str, list[dict[str, int] | None]], dict[str, str],
                              dict[str, str]]:
    """Every ranking question's answers, layouts and (first) columns."""
    problems: list[Issue] = []
    rankings: dict[str, list[dict[str, int] | None]] = {}
    layouts: dict[str, str] = {}
    first_column: dict[str, str] = {}
    for q in iv.ranking_questions():
        if not (q.code in plan.whole or q.code in plan.rank_options
                or q.code in plan.rank_numbered):
            continue
        try:
            chosen, columns, mapping, list_column = _ranking_layout(q, plan, header, body,
                                                                    layout)
            rankings[q.code] = _read_ranking(q, chosen, columns, mapping, list_column, header,
                                             body, file, row_issues)
        except BadCell as exc:
            problems.append(issue(exc.code, exc.message, Location(file=file, row=1)))
            continue
        except LandscapeError as exc:
            problems.extend(exc.issues)
            continue
        layouts[q.code] = chosen
        first_column[q.code] = header[columns[0]]
    if problems:
        raise LandscapeError(problems[:_MAX_REPORTED])
    return rankings, layouts, first_column


def _reader(iv: InstrumentVersion, file: str, header: list[str], plan: ColumnPlan,
            rankings: dict[str, list[dict[str, int] | None]],
            ranking_columns: dict[str, str], numbered: bool = False) -> _Reader:
    matcher = Matcher(iv)
    plain: list[tuple[str, int, Parser, bool]] = [
        (q.code, plan.whole[q.code], cell_parser(q, matcher.options[q.code], numbered),
         q.type in (QuestionType.FREE_TEXT, QuestionType.ORGANISATION))
        for q in iv.questions if q.code in plan.whole and q.type is not QuestionType.RANKING]
    # Where each answer came from, for messages: the (first) column of its question.
    column_of = {code: header[j] for code, j in plan.whole.items()}
    column_of.update((code, header[next(iter(flags.values()))])
                     for code, flags in plan.flags.items())
    column_of.update((f"{code}.other", header[j]) for code, j in plan.other.items())
    column_of.update(ranking_columns)
    return _Reader(
        iv=iv, file=file, header=header, plan=plan, plain=plain,
        flag_plans=[(q, list(plan.flags[q.code].items())) for q in iv.questions
                    if q.code in plan.flags],
        others=[(f"{q.code}.other", plan.other[q.code]) for q in iv.questions
                if q.code in plan.other],
        rankings=rankings, column_of=column_of,
        path_trees=[(p.code, parse_expression(p.when)) for p in iv.paths],
        attribute_source=_attribute_questions(iv))


def _row_answers(reader: _Reader, r: int, row: list[str], bad: _Bad) -> dict[str, Any]:
    """The answers of body row ``r``: each cell parsed (problems to ``bad``)."""
    answers: dict[str, Any] = {}
    header = reader.header
    for code, j, parse, verbatim in reader.plain:
        text = row[j]
        stripped = text.strip()
        if not stripped:
            continue
        try:
            answers[code] = parse(text if verbatim else stripped)
        except BadCell as exc:
            bad(exc.code, exc.message, header[j], code)
    for q, flags in reader.flag_plans:
        picked: list[str] = []
        for code, j in flags:
            text = row[j].strip()
            try:
                if text and flag(text):
                    picked.append(code)
            except BadCell as exc:
                bad(exc.code, exc.message, header[j], q.code)
        if picked:
            answers[q.code] = picked
    for key, j in reader.others:
        if row[j].strip():
            answers[key] = row[j]
    for code, values in reader.rankings.items():
        if values[r] is not None:
            answers[code] = values[r]
    return answers


def _row_state(reader: _Reader, row: list[str], bad: _Bad) -> str:
    column = reader.plan.state_column
    if column is None:
        return "complete"
    state = match_key(row[column]).replace(" ", "_") or "complete"
    if state not in STATES:
        bad("R110", f"state '{row[column]}' is not complete or in_progress",
            reader.header[column])
        return "complete"
    return state


def _check_row(reader: _Reader, answers: Mapping[str, Any], state: str, found: list[Issue],
               bad: _Bad) -> str | None:
    """Check a row's answers with the answer model; return the path taken."""
    path = next((code for code, tree in reader.path_trees if evaluate(tree, answers)), None)
    reported = {i.location.question for i in found}
    for problem in check_answers(reader.iv, answers, path=path, state=state):
        key = problem.question or ""
        if key.split(".")[0] in reported or (problem.code == "hidden" and found):
            continue  # a bad cell may be what decides it: judged once the cell is fixed
        bad(_IMPORT_CODES.get(problem.code, "R110"), describe(problem),
            reader.column_of.get(key, key or None), problem.question, problem)
    return path


def _row_key(iv: InstrumentVersion, reader: _Reader, row: list[str], sheet_row: int,
             digest: str, ids_seen: dict[str, int], bad: _Bad) -> str:
    """The row's idempotency key: its id column, else the file's digest and row number."""
    column = reader.plan.id_column
    if column is None:
        return f"file:{digest[:48]}:{sheet_row}"
    ext = row[column].strip()
    if not ext:
        bad("R114", "the id is blank", reader.header[column])
    elif ext in ids_seen:
        bad("R114", f"id '{ext}' is also on row {ids_seen[ext]}", reader.header[column])
    else:
        ids_seen[ext] = sheet_row
    return "ext:" + hashlib.sha256(f"{iv.ref}\x1f{ext}".encode()).hexdigest()[:48]


def _check_file(iv: InstrumentVersion, digest: str, table: DialectTable, file: str,
                layout: str, ignore: Iterable[str]) -> _Checked:
    header, body, plan = _plan_file(iv, table, file, ignore)
    row_issues: dict[int, list[Issue]] = {}
    rankings, layouts, ranking_columns = _read_rankings(iv, plan, header, body, file, layout,
                                                        row_issues)
    reader = _reader(iv, file, header, plan, rankings, ranking_columns, table.numbered)
    checked_rows: list[ResponseRow] = []
    rejected: list[RejectedRow] = []
    keys: list[str] = []
    ids_seen: dict[str, int] = {}
    for r, row in enumerate(body):
        sheet_row = r + 2
        if not any(c.strip() for c in row):
            continue  # a blank line is not a respondent
        found = row_issues.get(sheet_row, [])
        bad = _collector(file, sheet_row, found)
        answers = _row_answers(reader, r, row, bad)
        state = _row_state(reader, row, bad)
        path = _check_row(reader, answers, state, found, bad)
        respondent = _attributes(row, plan, answers, reader.attribute_source, header, bad)
        key = _row_key(iv, reader, row, sheet_row, digest, ids_seen, bad)
        if found:
            found.sort(key=lambda i: (str(i.location.column or ""), i.code))
            rejected.append(RejectedRow(sheet_row, tuple(row), tuple(found)))
            continue
        checked_rows.append(ResponseRow(answers=answers, source_row=sheet_row, path=path,
                                        state=state, idempotency_key=key,
                                        respondent=respondent))
        keys.append(key)
    return _Checked(checked_rows, rejected, layouts, keys)


class _Bad(Protocol):
    def __call__(self, code: str, message: str, column: str | None,
                 question: str | None = None, problem: Problem | None = None) -> None: ...


def _collector(file: str, sheet_row: int, found: list[Issue]) -> _Bad:
    """Records a row's problems in ``found``, located at the row and a column."""
    def bad(code: str, message: str, column: str | None, question: str | None = None,
            problem: Problem | None = None) -> None:
        where = Location(file=file, row=sheet_row, column=column, question=question)
        if problem is None:
            found.append(issue(code, message, where))
        else:
            found.append(problem_issue(code, problem, where, column))
    return bad


def _attribute_questions(iv: InstrumentVersion) -> dict[str, Question]:
    out: dict[str, Question] = {}
    for name in ATTRIBUTES:
        q = next((q for q in iv.questions if q.concept == f"respondent_{name}"), None) \
            or iv.question(name)
        if q is not None:
            out[name] = q
    return out


def _attributes(row: list[str], plan: ColumnPlan, answers: Mapping[str, Any],
                questions: Mapping[str, Question], header: list[str],
                bad: _Bad) -> dict[str, str | None] | None:
    values: dict[str, str | None] = {}
    for name in ATTRIBUTES:
        q = questions.get(name)
        value = answers.get(q.code) if q is not None else None
        j = plan.attributes.get(name)
        if j is not None and row[j].strip():
            text = row[j].strip()
            if name == "organisation_type":
                value = "_".join(re.findall(r"[a-z0-9]+", text.lower()))
            else:
                value = (NATION_KEYS if name == "nation" else REGION_KEYS).get(match_key(text))
                if value is None:
                    bad("R108", f"'{clip(text)}' is not a UK {name} code or name", header[j])
        values[name] = value if isinstance(value, str) else None
    if values["nation"] is None and values["region"] is not None:
        values["nation"] = nation_of(values["region"])
    nation = values["nation"]
    if nation is not None and values["region"] is None:
        values["region"] = own_region(nation)  # as in the frame import
    return values if any(values.values()) else None


def _write_rejects(target: Path, header: list[str], rejected: Sequence[RejectedRow]) -> None:
    """Write the rejects CSV to ``target`` (the staged file; see :func:`import_responses`)."""
    # BOM: Excel then opens Welsh text (ŵ, ô) correctly; the importer accepts it.
    with target.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([defuse_cell(h) for h in ("import_row", "import_errors", *header)])
        for item in rejected:
            reasons = "; ".join(
                f"{str(i.location.column) + ': ' if i.location.column else ''}{i.code} "
                f"{i.message}" for i in item.issues)
            writer.writerow([defuse_cell(cell) for cell in
                             (item.row, reasons, *item.cells[:len(header)])])


def import_responses(
    store: Store,
    path: Path | str,
    iv: InstrumentVersion,
    *,
    layout: str = "auto",
    skip_invalid: bool = False,
    rejects: Path | str | None = None,
    sheet: str | None = None,
    ignore_columns: Iterable[str] = (),
    tool: str | None = None,
    mapping: Path | str | None = None,
) -> ImportResult:
    """Check a whole CSV/XLSX export against ``iv``, then store its responses.

    Parameters
    ----------
    store
        The response store.
    path
        The export file (see the module for the columns understood).
    iv
        The instrument version the file answers.
    layout
        The ranking layout: one of :data:`IMPORT_LAYOUTS` (``auto`` detects it).
    skip_invalid
        Import the good rows and write the bad ones, with reasons, to ``rejects``
        (required then). Otherwise any bad row means nothing is written.
    rejects
        The rejects CSV, written only when rows were rejected. It is written to a
        temporary file before the responses are committed and moved into place
        only after the commit, so the rejects are never lost (a failed write
        stores nothing) and never describe an import that did not happen (a
        failed commit deletes it). Its text cells pass through
        :func:`survey.files.defuse_cell`, so a cell such as ``=1+1`` comes back
        as ``'=1+1``.
    sheet
        The XLSX sheet (default the first).
    ignore_columns
        Column names to skip (other tools' metadata columns).
    tool
        The export's dialect (:data:`survey.dialects.DIALECTS`; ``auto`` recognises it):
        its header rows, metadata, id and state columns (:mod:`survey.dialects`).
        ``None`` (the default): a recognised tool's export is read as that tool's,
        anything else as ``generic``.
    mapping
        A column mapping written by ``landscape responses map`` (and reviewed):
        :mod:`survey.store.import_mapping`. A file that no longer fits it is refused.

    Returns
    -------
    ImportResult

    Raises
    ------
    LandscapeError
        ``R1xx`` (and ``A104``-``A109`` for rankings) with ``file:row:column`` for
        every problem found; nothing is written.

    Examples
    --------
    >>> import tempfile
    >>> from survey.instrument import parse_instrument_text
    >>> iv = parse_instrument_text("instrument: demo\\nversion: 1.0.0\\ntitle: Demo\\n"
    ...     "questions: [{code: n, type: number, label: Count},"
    ...     " {code: top, type: ranking, label: Rank,"
    ...     "  options: [{code: a, label: Apples}, {code: b, label: Bread}]}]")
    >>> p = Path(tempfile.mkdtemp()) / "export.csv"
    >>> _ = p.write_text("id,Count,top[1],top[2]\\nx1,3,Bread,Apples\\n", encoding="utf-8")
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> result = import_responses(store, p, iv)
    >>> result.imported, result.layouts
    (1, {'top': 'option-per-rank'})
    >>> import_responses(store, p, iv).already_stored
    1
    """
    if layout not in IMPORT_LAYOUTS:
        raise LandscapeError.of("R115", f"'{layout}' is not one of {', '.join(IMPORT_LAYOUTS)}")
    if skip_invalid and rejects is None:
        raise LandscapeError.of("R115", "--skip-invalid needs --rejects FILE for the rows "
                                "left out")
    if rejects is not None:
        folder = Path(rejects).parent
        if not folder.is_dir():
            raise LandscapeError.of("R115", f"the folder {folder} for the rejects file does "
                                    "not exist")
    file = str(path)
    digest, table = read_tool_table(path, tool, sheet)
    if mapping is not None:
        # Loaded when a mapping is given: most imports have none.
        from survey.store.import_mapping import apply_mapping, load_mapping

        table, ignored = apply_mapping(table, load_mapping(mapping, iv), file, str(mapping))
        ignore_columns = [*ignore_columns, *ignored]
    rows = table.rows
    checked = _check_file(iv, digest, table, file, layout, ignore_columns)
    rejected = list(checked.rejected)
    if rejected and not skip_invalid:
        problems = [i for item in rejected for i in item.issues]
        more = len(problems) - _MAX_REPORTED
        listed = problems[:_MAX_REPORTED]
        if more > 0:
            listed.append(issue(listed[-1].code, f"... and {more} more problem(s) not listed",
                                Location(file=file)))
        listed.append(issue("R117", f"{len(rejected)} of {len(rejected) + len(checked.rows)} "
                            "rows have problems; nothing was imported", Location(file=file)))
        raise LandscapeError(listed)
    good = list(checked.rows)
    known = _stored_keys(store, [r.idempotency_key for r in good if r.idempotency_key])
    cells = {item.row: item for item in rejected}
    by_row = {r + 2: tuple(row) for r, row in enumerate(rows[1:])}
    header = [h.strip() for h in rows[0]]
    staged_rejects = (staged_file(rejects) if rejects is not None
                      else contextlib.nullcontext())
    with staged_rejects as staged:
        while True:
            # Written before each attempt to commit: once save_responses commits, the
            # rejects are already on disk (they only move into place afterwards).
            if staged is not None and cells:
                _write_rejects(staged, header, sorted(cells.values(), key=lambda i: i.row))
            try:
                ids = save_responses(store, iv, good, file)
                break
            except LandscapeError as exc:
                conflicts = {i.location.row: i for i in exc.issues if i.code == "S107"}
                if not conflicts or set(conflicts) == {None}:
                    raise
                problems = [issue("R116", f"this row was imported before with different "
                                  f"answers ({i.message}); nothing was changed", i.location)
                            for i in conflicts.values()]
                if not skip_invalid:
                    raise LandscapeError(problems) from None
                for item in problems:
                    row = item.location.row or 0
                    cells[row] = RejectedRow(row, by_row.get(row, ()), (item,))
                good = [r for r in good if r.source_row not in conflicts]
        if staged is not None and not cells:
            staged.unlink()  # nothing rejected: no rejects file
    rejected = sorted(cells.values(), key=lambda item: item.row)
    rejects_file = str(rejects) if rejected and rejects is not None else None
    already = sum(1 for r in good if r.idempotency_key in known)
    return ImportResult(file=file, sha256=digest, rows=len(good) + len(rejected),
                        imported=len(good) - already, already_stored=already,
                        rejected=tuple(rejected), layouts=checked.layouts,
                        response_ids=tuple(ids), rejects_file=rejects_file,
                        dialect=table.dialect, dialect_reason=table.reason,
                        dropped=table.dropped, left_out=len(table.left_out))


def _stored_keys(store: Store, keys: list[str | None]) -> set[str]:
    wanted = [k for k in keys if k is not None]
    found: set[str] = set()
    with store.session() as session:
        for start in range(0, len(wanted), 500):
            found.update(str(k) for k in session.execute(
                select(Response.idempotency_key).where(
                    Response.idempotency_key.in_(wanted[start:start + 500]))).scalars())
    return found
