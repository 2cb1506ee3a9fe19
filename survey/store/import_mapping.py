"""A column mapping written once: a tool's columns -> the instrument's questions and options.

``landscape responses map FILE --instrument ID@VERSION --from TOOL -o mapping.yaml``
(:func:`propose_mapping`, :func:`mapping_text`) writes one entry per answer column of a
tool's export: the question (and option, or rank position) it gives, found by code or
label as the importer finds them (``how: exact``) or by label similarity
(``how: similar``, with its score, to review), or ``ignore: true``. ``--mapping
mapping.yaml`` (:func:`load_mapping`, :func:`apply_mapping`) then renames the columns
before the import reads them, and refuses a file whose answer columns are no longer
those the mapping was written for, naming the columns that changed.

Similarity is rapidfuzz's ``token_sort_ratio`` on match keys, the whole-string Indel
similarity the organisation resolver (:mod:`survey.landscape.resolver`) uses: it forgives
word order and typos but not a label merely contained in a longer one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from survey.dialects import DialectTable
from survey.errors import LandscapeError, Location, issue
from survey.instrument.model import InstrumentVersion, QuestionType
from survey.store.import_columns import Matcher, choose_names
from survey.tables import match_key

__all__ = [
    "SIMILAR_AT",
    "ColumnChoice",
    "apply_mapping",
    "load_mapping",
    "mapping_text",
    "propose_mapping",
]

#: The lowest similarity (0-100) proposed as a match; below it the column is left for you.
SIMILAR_AT = 60.0
_ANSWER_META = ("external_id", "state")


@dataclass(frozen=True, slots=True)
class ColumnChoice:
    """What one column of the file gives: a question (and option / rank), or nothing."""

    column: str
    question: str | None = None
    option: str | int | None = None
    ignore: bool = False
    how: str = "exact"
    score: float | None = None

    def target(self) -> str:
        """The column's name as the generic layout writes it (``q``, ``q.option``, ``q[2]``)."""
        assert self.question is not None
        if self.option is None:
            return self.question
        if isinstance(self.option, int):
            return f"{self.question}[{self.option}]"
        return f"{self.question}.{self.option}"


def _candidates(iv: InstrumentVersion) -> tuple[list[str], list[tuple[str, str | None]]]:
    """(texts, (question, option) of each) a column may be similar to."""
    texts: list[str] = []
    targets: list[tuple[str, str | None]] = []
    for q in iv.questions:
        for tr in q.label.translations.values():
            texts.append(match_key(tr.text))
            targets.append((q.code, None))
        if q.type in (QuestionType.MULTIPLE_CHOICE, QuestionType.RANKING):
            for o in q.options:
                for tr in o.label.translations.values():
                    texts.append(match_key(f"{q.label.en} {tr.text}"))
                    targets.append((q.code, o.code))
    return texts, targets


def _answer_columns(table: DialectTable) -> list[int]:
    return [j for j, name in enumerate(table.rows[0])
            if name.strip() and name.strip() not in _ANSWER_META]


def propose_mapping(table: DialectTable, iv: InstrumentVersion) -> list[ColumnChoice]:
    """One :class:`ColumnChoice` per answer column of ``table`` (a tool's export, read by
    :func:`survey.store.imports.read_tool_table`).

    Examples
    --------
    >>> from survey.dialects import read_dialect
    >>> from survey.instrument import parse_instrument_text
    >>> iv = parse_instrument_text("instrument: demo\\nversion: 1.0.0\\ntitle: Demo\\n"
    ...     "questions: [{code: size, type: number, label: How many staff work there}]")
    >>> table = read_dialect([["ID", "Start time", "Completion time", "Email", "Name",
    ...     "How many staff work here", "Comments"], ["1", "", "", "", "", "4", ""]], "msforms")
    >>> [(c.column, c.question, c.how) for c in propose_mapping(table, iv)]
    [('How many staff work here', 'size', 'similar'), ('Comments', None, 'none')]
    """
    header = [h.strip() for h in table.rows[0]]
    chosen = choose_names(header, table.alternatives, iv, numbered=table.numbered)
    matcher = Matcher(iv, numbered=table.numbered)
    texts, targets = _candidates(iv)
    out: list[ColumnChoice] = []
    for j in _answer_columns(table):
        found = matcher.resolve(chosen[j])
        if found is not None:
            q, part = found
            out.append(ColumnChoice(header[j], q.code,
                                    "other" if part == "other_text" else part))
            continue
        names = [header[j], *table.alternatives.get(j, ())]
        best = max((process.extractOne(match_key(n), texts, scorer=fuzz.token_sort_ratio)
                    for n in names), key=lambda hit: hit[1])
        _, score, index = best
        if score >= SIMILAR_AT:
            code, option = targets[index]
            out.append(ColumnChoice(header[j], code, option, how="similar",
                                    score=round(float(score), 1)))
        else:
            out.append(ColumnChoice(header[j], how="none"))
    return out


def mapping_text(choices: list[ColumnChoice], iv: InstrumentVersion, tool: str,
                 file: str) -> str:
    """The mapping file: a commented YAML list to review and edit."""
    entries: list[dict[str, Any]] = []
    for c in choices:
        entry: dict[str, Any] = {"column": c.column}
        if c.ignore:
            entry["ignore"] = True
        else:
            entry["question"] = c.question
            if c.option is not None:
                entry["option"] = c.option
            entry["how"] = c.how
            if c.score is not None:
                entry["score"] = c.score
        entries.append(entry)
    similar = sum(c.how == "similar" for c in choices)
    unmatched = sum(c.how == "none" for c in choices)
    head = (f"# Column mapping for {Path(file).name} ({tool} export) -> {iv.ref}.\n"
            "# Written by 'landscape responses map'. Review every entry marked how: similar\n"
            f"# ({similar} here) and give each how: none entry ({unmatched} here) a question\n"
            "# (and option, or rank number) or 'ignore: true'. Then import with\n"
            f"#   landscape responses import FILE --instrument {iv.ref} --from {tool} "
            "--mapping THIS_FILE\n")
    body = yaml.safe_dump({"instrument": iv.ref, "tool": tool, "columns": entries},
                          sort_keys=False, allow_unicode=True, width=1000)
    return head + body


def _bad(message: str, file: str, row: int | None = None) -> LandscapeError:
    return LandscapeError.of("R121", message, Location(file=file, line=row))


def _entry(item: Any, n: int, file: str, iv: InstrumentVersion) -> ColumnChoice:
    if not isinstance(item, dict) or not isinstance(item.get("column"), str):
        raise _bad(f"entry {n} of columns needs 'column: NAME'", file)
    column = item["column"]
    if item.get("ignore") is True:
        return ColumnChoice(column, ignore=True)
    code = item.get("question")
    q = iv.question(code) if isinstance(code, str) else None
    if q is None:
        what = "no question" if code is None else f"'{code}', which is not a question of {iv.ref}"
        raise _bad(f"column '{column}' has {what}; give it a question code or "
                   "'ignore: true'", file)
    option = item.get("option")
    if option is not None:
        if isinstance(option, bool) or not isinstance(option, (str, int)):
            raise _bad(f"column '{column}': option must be an option code or a rank number",
                       file)
        known = isinstance(option, int) and q.type is QuestionType.RANKING \
            and 1 <= option <= len(q.options)
        known = known or option in q.option_codes or (option == "other" and q.other)
        if not known:
            raise _bad(f"column '{column}': '{option}' is not an option of {q.code} "
                       f"(options: {', '.join(q.option_codes)})", file)
    return ColumnChoice(column, q.code, option, how=str(item.get("how", "edited")))


def load_mapping(path: Path | str, iv: InstrumentVersion) -> list[ColumnChoice]:
    """Read and check a mapping file written by ``landscape responses map``.

    Raises
    ------
    LandscapeError
        ``R121`` - unreadable, for another instrument version, an entry without a
        question that is not ignored, an unknown question or option.
    """
    file = str(path)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise _bad(f"cannot read the mapping ({type(exc).__name__})", file) from None
    if not isinstance(data, dict) or not isinstance(data.get("columns"), list):
        raise _bad("a mapping has 'instrument', 'tool' and a 'columns' list", file)
    if data.get("instrument") != iv.ref:
        raise _bad(f"the mapping is for {data.get('instrument')}, not {iv.ref}", file)
    choices = [_entry(item, n, file, iv) for n, item in enumerate(data["columns"], start=1)]
    seen: set[str] = set()
    for c in choices:
        if c.column in seen:
            raise _bad(f"column '{c.column}' is mapped twice", file)
        seen.add(c.column)
    return choices


def apply_mapping(table: DialectTable, choices: list[ColumnChoice], file: str,
                  mapping_file: str) -> tuple[DialectTable, list[str]]:
    """``table`` with mapped columns renamed; and the ignored columns' names.

    Raises
    ------
    LandscapeError
        ``R120`` when the file's answer columns are not the mapping's (columns added,
        renamed or removed since it was written), naming them.
    """
    header = [h.strip() for h in table.rows[0]]
    answer = [header[j] for j in _answer_columns(table)]
    mapped = {c.column: c for c in choices}
    new = [name for name in answer if name not in mapped]
    gone = [c.column for c in choices if c.column not in answer]
    if new or gone:
        parts = []
        if new:
            parts.append("not in the mapping: " + ", ".join(repr(n) for n in new[:10]))
        if gone:
            parts.append("mapped but not in the file: " + ", ".join(repr(n) for n in gone[:10]))
        raise LandscapeError([issue("R120", f"the file no longer fits {mapping_file} ("
                                    + "; ".join(parts) + ")", Location(file=file, row=1))])
    renamed = [mapped[h].target() if h in mapped and not mapped[h].ignore else h
               for h in header]
    alternatives = {j: names for j, names in table.alternatives.items()
                    if header[j] not in mapped}
    rows = [renamed, *table.rows[1:]]
    ignored = [c.column for c in choices if c.ignore]
    return replace(table, rows=rows, alternatives=alternatives), ignored
