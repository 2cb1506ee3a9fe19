"""The raw export for statistics packages: SPSS ``.sav`` and Stata ``.dta`` (pyreadstat).

The same rows and columns as the CSV export (:func:`survey.store.export.response_table`:
pseudonymous ids, one column per question, a ranking as one variable per option holding
its rank), typed and labelled:

* every variable has a **variable label** (the question's English text; for a ranking
  or multiple-choice option, ``question_code: option label``, so the option shows within
  Stata's 80 characters), cut to the format's limit;
* every coded question is numeric with **value labels**: a single choice or place as
  1..n in option order (``other`` after them), a multiple choice as one 0/1 variable
  per option, consent 1 = yes / 0 = no, a rating its scale labels;
* **missing values** tell "not shown" (the skip logic, path or instrument did not ask
  the question) from "not answered" (asked, left blank): SPSS user-missing codes
  ``-99`` / ``-98`` (``"-99"`` / ``"-98"`` for text), Stata extended missing ``.a`` /
  ``.b`` (text is blank in both cases: Stata strings have no missing codes);
* text passes through :func:`survey.files.defuse_cell` as in the other formats, and
  variable names are the column names made legal (``q.option`` -> ``q_option``,
  at most 30 characters, unique).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from survey.errors import LandscapeError
from survey.files import defuse_cell
from survey.instrument.logic import is_shown
from survey.instrument.model import InstrumentVersion, Question, QuestionType, Version
from survey.instrument.places import NATIONS, REGIONS
from survey.store.engine import Store
from survey.store.instruments import load_recorded_instrument

__all__ = ["MISSING", "STAT_FORMATS", "StatTable", "stat_table", "variable_names",
           "write_stat_file"]

#: The formats written here.
STAT_FORMATS = ("sav", "dta")
#: Missing-value codes: SPSS user-missing number, Stata extended missing letter, label.
MISSING = {"not_shown": (-99, "a", "not shown"), "not_answered": (-98, "b", "not answered")}
_LABEL_LIMIT = {"sav": 256, "dta": 80}
_NAME_LIMIT = 30  # Stata: 32, and pyreadstat names a value-label set after it
_META_TEXT = ("response_id", "respondent_id", "instrument", "version", "content_hash",
              "state", "path", "started_at", "completed_at", "source", "source_file",
              "respondent_nation", "respondent_region", "respondent_organisation_type")
_PLACES = [p.code for p in (*NATIONS, *REGIONS)]
_PLACE_NAMES = {p.code: p.en for p in (*NATIONS, *REGIONS)}


@dataclass
class StatTable:
    """The export as typed columns with labels and missing-value codes."""

    columns: dict[str, list[Any]] = field(default_factory=dict)        # name -> values
    labels: dict[str, str] = field(default_factory=dict)               # name -> label
    value_labels: dict[str, dict[int, str]] = field(default_factory=dict)
    numeric: set[str] = field(default_factory=set)
    #: name -> per row: None (a value) or "not_shown" / "not_answered"
    missing: dict[str, list[str | None]] = field(default_factory=dict)


def variable_names(names: Iterable[str]) -> dict[str, str]:
    """Column name -> a legal, unique SPSS/Stata variable name.

    Examples
    --------
    >>> variable_names(["q.a", "q_a", "1st"])
    {'q.a': 'q_a', 'q_a': 'q_a_2', '1st': 'v_1st'}
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = re.sub(r"[^A-Za-z0-9_]", "_", name) or "v"
        if not re.match(r"[A-Za-z]", base):
            base = "v_" + base
        base = base[:_NAME_LIMIT]
        candidate, n = base, 1
        while candidate.lower() in used:
            n += 1
            candidate = f"{base[:_NAME_LIMIT - len(str(n)) - 1]}_{n}"
        used.add(candidate.lower())
        out[name] = candidate
    return out


def _codes(q: Question) -> list[str]:
    if q.type is QuestionType.PLACE:
        return _PLACES
    return list(q.option_codes) + (["other"] if q.other else [])


def _code_label(q: Question, code: str) -> str:
    if q.type is QuestionType.PLACE:
        return _PLACE_NAMES.get(code, code)
    option = q.option(code)
    return option.label.en if option is not None else code.replace("_", " ")


def _answers(header: list[str], row: list[Any]) -> dict[str, Any]:
    """A row's answers as the answer model has them (rankings as dicts, lists split)."""
    answers: dict[str, Any] = {}
    for name, value in zip(header, row, strict=True):
        if value is None or value == "":
            continue
        base, dot, part = name.partition(".")
        if dot and part != "other":
            answers.setdefault(base, {})[part] = value
        else:
            answers[name] = value
    return answers


def _newest(store: Store, rows: list[list[Any]], header: list[str]
            ) -> tuple[dict[tuple[str, str], InstrumentVersion], dict[str, InstrumentVersion]]:
    at = header.index("instrument"), header.index("version")
    refs = {(str(r[at[0]]), str(r[at[1]])) for r in rows}
    versions = {ref: load_recorded_instrument(store, *ref) for ref in refs}
    newest: dict[str, InstrumentVersion] = {}
    for (name, _), iv in sorted(versions.items(), key=lambda kv: Version.sort_key(kv[0][1])):
        newest[name] = iv
    return versions, newest


def _questions_of(name: str, newest: dict[str, InstrumentVersion]) -> list[Question]:
    """The questions giving column ``name``, one per instrument (in name order): the
    mirrored surveys share a column where they share a question code."""
    base = name.partition(".")[0]
    return [q for _, iv in sorted(newest.items()) if (q := iv.question(base)) is not None]


def _union_codes(questions: list[Question]) -> list[str]:
    """Every option code of the column's questions, in order (one numbering for all)."""
    return list(dict.fromkeys(c for q in questions for c in _codes(q)))


def _union_label(questions: list[Question], code: str) -> str:
    q = next((q for q in questions if code in _codes(q)), questions[0])
    return _code_label(q, code)


def _label(questions: list[Question], name: str) -> str:
    q = questions[0]
    _, dot, part = name.partition(".")
    if not dot:
        return q.label.en
    if part == "other":
        return f"{q.code}: other (please specify)"
    return f"{q.code}: {_union_label(questions, part)}"


def _coded(q: Question, value: Any, codes: list[str]) -> int | float | None:
    if q.type is QuestionType.CONSENT:
        return int(bool(value))
    if q.type in (QuestionType.SINGLE_CHOICE, QuestionType.PLACE):
        return codes.index(value) + 1 if value in codes else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if float(value).is_integer() else float(value)


def _value_labels(questions: list[Question], codes: list[str]) -> dict[int, str]:
    q = questions[0]
    if q.type is QuestionType.CONSENT:
        return {1: "yes", 0: "no"}
    if q.type is QuestionType.RATING and q.scale is not None:
        return {int(p): t.en for p, t in q.scale.labels.items()}
    if q.type in (QuestionType.SINGLE_CHOICE, QuestionType.PLACE):
        return {n: _union_label(questions, c) for n, c in enumerate(codes, start=1)}
    return {}


def _shown(q_code: str, iv: InstrumentVersion | None, answers: dict[str, Any]) -> bool:
    q = iv.question(q_code) if iv is not None else None
    return q is not None and is_shown(iv, q, answers)  # type: ignore[arg-type]


def _add_question_columns(table: StatTable, name: str, questions: list[Question],
                          values: list[Any], shown: list[bool]) -> None:
    """The variable(s) of one export column of ``questions`` (one per instrument)."""
    q = questions[0]
    codes = _union_codes(questions)
    def state(value: Any, asked: bool) -> str | None:
        if not asked:
            return "not_shown"
        return "not_answered" if value is None or value == "" else None

    if q.type is QuestionType.MULTIPLE_CHOICE and "." not in name:
        for code in codes:
            var = f"{name}.{code}"
            chosen = [None if v in (None, "") else int(code in str(v).split(";"))
                      for v in values]
            table.columns[var] = chosen
            table.labels[var] = f"{q.code}: {_union_label(questions, code)}"
            table.value_labels[var] = {1: "chosen", 0: "not chosen"}
            table.numeric.add(var)
            table.missing[var] = [state(v, s) for v, s in zip(values, shown, strict=True)]
        return
    table.labels[name] = _label(questions, name)
    table.missing[name] = [state(v, s) for v, s in zip(values, shown, strict=True)]
    numeric = q.type in (QuestionType.SINGLE_CHOICE, QuestionType.PLACE,
                         QuestionType.CONSENT, QuestionType.RATING, QuestionType.NUMBER,
                         QuestionType.RANKING) and not name.endswith(".other")
    if numeric:
        table.columns[name] = [None if v in (None, "") else _coded(q, v, codes)
                               for v in values]
        table.value_labels[name] = _value_labels(questions, codes) if "." not in name else {}
        table.numeric.add(name)
    else:
        table.columns[name] = ["" if v is None else defuse_cell(v) for v in values]


def stat_table(store: Store, header: list[str], rows: list[list[Any]]) -> StatTable:
    """The raw export (``header`` and ``rows`` of :func:`survey.store.export.response_table`,
    codes) typed and labelled; ``store`` gives the instrument versions."""
    versions, newest = _newest(store, rows, header)
    at = header.index("instrument"), header.index("version")
    per_row = [versions[(str(r[at[0]]), str(r[at[1]]))] for r in rows]
    answers = [_answers(header, r) for r in rows]
    table = StatTable()
    for j, name in enumerate(header):
        values = [r[j] for r in rows]
        if name in _META_TEXT or name == "source_row":
            table.columns[name] = [("" if v is None else defuse_cell(
                v.isoformat() if hasattr(v, "isoformat") else v)) if name != "source_row"
                else v for v in values]
            table.labels[name] = name.replace("_", " ")
            if name == "source_row":
                table.numeric.add(name)
            continue
        questions = _questions_of(name, newest)
        if not questions:  # an answer no current question names: kept as text
            table.columns[name] = ["" if v is None else defuse_cell(v) for v in values]
            table.labels[name] = name
            continue
        base = name.partition(".")[0]
        shown = [_shown(base, newest.get(iv.instrument), a) for iv, a in
                 zip(per_row, answers, strict=True)]
        _add_question_columns(table, name, questions, values, shown)
    return table


def _frame(table: StatTable, fmt: str) -> tuple[pd.DataFrame, dict[str, str]]:
    names = variable_names(table.columns)
    data: dict[str, Any] = {}
    for name, values in table.columns.items():
        flags = table.missing.get(name, [None] * len(values))
        if name in table.numeric:
            if fmt == "sav":
                data[names[name]] = pd.array(
                    [MISSING[f][0] if f else v for v, f in zip(values, flags, strict=True)],
                    dtype="Float64").to_numpy(dtype=float, na_value=float("nan"))
            else:
                data[names[name]] = pd.Series(
                    [MISSING[f][1] if f else v for v, f in zip(values, flags, strict=True)],
                    dtype=object)
        elif fmt == "sav" and name in table.missing:
            data[names[name]] = [str(MISSING[f][0]) if f else v
                                 for v, f in zip(values, flags, strict=True)]
        else:
            data[names[name]] = values
    return pd.DataFrame(data), names


def write_stat_file(store: Store, path: Path, fmt: str, header: list[str],
                    rows: list[list[Any]]) -> int:
    """Write the ``sav`` or ``dta`` export of ``header`` and ``rows`` (the raw export, codes)
    to ``path`` (the caller makes it atomic)."""
    # pyreadstat loads only for an SPSS / Stata export.
    import pyreadstat

    table = stat_table(store, header, rows)
    frame, names = _frame(table, fmt)
    limit = _LABEL_LIMIT[fmt]
    labels: dict[str, str | None] = {names[n]: text[:limit].rstrip()
                                     for n, text in table.labels.items()}
    value_labels: dict[str, dict[int | float, str]] = {
        names[n]: {k: v[:limit].rstrip() for k, v in vl.items()}
        for n, vl in table.value_labels.items() if vl or fmt == "sav"}
    coded = [n for n in table.missing if n in table.numeric]
    note = ("Landscape responses, pseudonymous ids. Missing: "
            + ("-99 not shown, -98 not answered" if fmt == "sav"
               else ".a not shown, .b not answered"))
    if fmt == "sav":
        for n in coded:
            value_labels.setdefault(names[n], {}).update(
                {code: text for code, _, text in MISSING.values()})
        missing: dict[str, list[Any]] = {names[n]: [c for c, _, _ in MISSING.values()]
                                         for n in coded}
        missing.update({names[n]: [str(c) for c, _, _ in MISSING.values()]
                        for n in table.missing if n not in table.numeric})
        write = lambda: pyreadstat.write_sav(  # noqa: E731 - one call, wrapped below
            frame, str(path), file_label=note[:64], column_labels=labels, note=note,
            variable_value_labels=value_labels, missing_ranges=missing)
    else:
        write = lambda: pyreadstat.write_dta(  # noqa: E731 - one call, wrapped below
            frame, str(path), file_label=note[:80], column_labels=labels,
            variable_value_labels={k: v for k, v in value_labels.items() if v},
            missing_user_values={names[n]: [m for _, m, _ in MISSING.values()]
                                 for n in coded})
    try:
        write()
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, ValueError, TypeError) as exc:
        raise LandscapeError.of("X107", f"pyreadstat cannot write the {fmt} file: "
                                f"{type(exc).__name__}: {str(exc)[:200]}") from None
    return len(frame)
