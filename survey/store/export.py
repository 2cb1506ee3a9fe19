"""The raw export: one row per response, with its instrument version, as CSV or XLSX
(or SPSS ``.sav`` / Stata ``.dta``, typed and labelled: :mod:`survey.store.export_stats`).

Columns: the response's metadata (id, pseudonymous respondent id, instrument,
version, content hash, state, path, timestamps, source), the respondent's
nation, region and organisation type, then one column per question - a ranking
gives one ``question.option`` column per option holding its rank, a multiple
choice one column of ``;``-separated codes. ``labels=True`` writes option labels
(English) instead of codes. Cells that a spreadsheet would read as a formula are
prefixed with ``'``: answers are respondent text.

Several versions of one instrument in one export are lined up with the
harmonisation map (``instruments/harmonisation.yaml``, see
:mod:`survey.instrument.harmonise`): each older version's answers go into the
columns of the newest version's counterpart questions and options; a question
with no counterpart keeps a column of its own. Different instruments (the mirrored
local-government and researcher surveys) share a column where they share a
question and option code; where their codes differ each keeps its own column, so
every stored answer of every instrument and version is in the default export
(one table, because analysts compare the instruments side by side; a cell's
meaning is never changed to fit another instrument's code). An answer no
current question names still gets a column of its own.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from survey.errors import LandscapeError, Location, issue
from survey.files import atomic_write, defuse_cell
from survey.instrument.harmonise import (
    HarmonisationMap,
    QuestionAlignment,
    harmonise,
    load_harmonisation,
)
from survey.instrument.model import InstrumentVersion, Question, QuestionType, Version
from survey.instrument.places import NATIONS, REGIONS
from survey.instrument.registry import Catalogue
from survey.store.engine import Store
from survey.store.instruments import load_recorded_instrument
from survey.store.models import Answer, Respondent, Response

__all__ = ["export_responses", "response_table"]

_META = ("response_id", "respondent_id", "instrument", "version", "content_hash", "state",
         "path", "started_at", "completed_at", "source", "source_file", "source_row",
         # Respondent attributes (from the frame, or the answers): prefixed so they never
         # collide with the instrument's own nation / region questions.
         "respondent_nation", "respondent_region", "respondent_organisation_type")
_PLACE_NAMES = {p.code: p.en for p in (*NATIONS, *REGIONS)}


def _alignments(versions: dict[tuple[str, str], InstrumentVersion]
                ) -> dict[tuple[str, str], QuestionAlignment | None]:
    """How each version lines up with the newest version of its instrument (None: itself).

    ``versions`` is ordered newest first within each instrument.
    """
    hmap = _harmonisation()
    newest: dict[str, InstrumentVersion] = {}
    out: dict[tuple[str, str], QuestionAlignment | None] = {}
    for ref, iv in versions.items():
        target = newest.setdefault(iv.instrument, iv)
        out[ref] = None if target is iv else harmonise(iv, target, hmap)
    return out


def _harmonised_headers(versions: dict[tuple[str, str], InstrumentVersion],
                       alignments: dict[tuple[str, str], QuestionAlignment | None]
                       ) -> list[str]:
    """Answer column names, in order: each instrument's newest version's columns, then any
    older question with no counterpart there. Instruments add the columns they do not
    share, so every instrument's own options keep a column."""
    seen: dict[str, None] = {}
    for ref, iv in versions.items():
        alignment = alignments[ref]
        for q in iv.questions:
            if alignment is None or alignment.question(q.code) is None:
                seen.update(dict.fromkeys(_headers(q.code, q)))
    return list(seen)


def _harmonisation() -> HarmonisationMap:
    try:
        return load_harmonisation(Catalogue.default())
    except LandscapeError:
        # A broken map must not stop an export; `instrument validate` reports it.
        return HarmonisationMap()


def _line_up(answers: dict[str, Any], alignment: QuestionAlignment | None) -> dict[str, Any]:
    """An older version's answers keyed by the newest version's question and option codes."""
    if alignment is None:
        return answers
    out: dict[str, Any] = {}
    for code, value in answers.items():
        base, dot, suffix = code.partition(".")
        target = alignment.question(base)
        if target is None:
            out[code] = value
            continue
        if isinstance(value, dict):  # a ranking: option -> position
            value = {(alignment.option(base, o) or (target, o))[1]: r for o, r in value.items()}
        elif isinstance(value, list):
            value = [(alignment.option(base, str(o)) or (target, o))[1] for o in value]
        elif isinstance(value, str) and not dot:
            hit = alignment.option(base, value)
            value = value if hit is None else hit[1]
        out[target + dot + suffix] = value
    return out


def _headers(code: str, q: Question) -> list[str]:
    if q.type is QuestionType.RANKING:
        return [f"{code}.{o}" for o in q.option_codes]
    return [code, f"{code}.other"] if q.other else [code]


def _label(q: Question | None, code: Any) -> Any:
    if q is None:
        return code
    if q.type is QuestionType.PLACE:
        return _PLACE_NAMES.get(str(code), code)
    if q.type is QuestionType.RATING and q.scale is not None and code in q.scale.labels:
        return q.scale.labels[code].en
    if q.type is QuestionType.CONSENT:
        return {True: "yes", False: "no"}.get(code, code)
    option = q.option(str(code)) if isinstance(code, str) else None
    return option.label.en if option is not None else code


def _cells(code: str, value: Any, shown: Question | None, labels: bool) -> dict[str, Any]:
    """The cells of one stored answer: ``code`` as lined up, ``shown`` its question."""
    if isinstance(value, dict):  # a ranking: option -> position
        return {f"{code}.{o}": r for o, r in value.items()}
    if isinstance(value, list):
        shown_values = [_label(shown, v) if labels else v for v in value]
        return {code: ";".join(str(v) for v in shown_values)}
    return {code: _label(shown, value) if labels and "." not in code else value}


def _with_extras(header: list[str], extras: list[str]) -> list[str]:
    """``header`` with each extra column after the last column of its question."""
    out = list(header)
    for extra in extras:
        base = extra.partition(".")[0]
        at = max((i for i, h in enumerate(out) if h.partition(".")[0] == base), default=None)
        out.insert(len(out) if at is None else at + 1, extra)
    return out


def response_table(store: Store, instrument: str | None = None, *,
                   labels: bool = False) -> tuple[list[str], list[list[Any]]]:
    """The export as a header and rows (``instrument`` is ``ID`` or ``ID@VERSION``).

    Examples
    --------
    >>> from survey.instrument import parse_instrument_text
    >>> from survey.store.responses import save_responses
    >>> iv = parse_instrument_text("instrument: demo\\nversion: 1.0.0\\ntitle: D\\n"
    ...     "questions: [{code: ok, type: consent, label: OK}]")
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> _ = save_responses(store, iv, [{"ok": True}], "x.csv")
    >>> header, rows = response_table(store, labels=True)
    >>> header[-1], rows[0][-1]
    ('ok', 'yes')
    """
    query = (select(Response, Respondent.nation, Respondent.region,
                    Respondent.organisation_type)
             .outerjoin(Respondent, Respondent.id == Response.respondent_id)
             .order_by(Response.instrument, Response.version, Response.started_at,
                       Response.id))
    answer_query = select(Answer.response_id, Answer.question_code, Answer.value).join(
        Response, Response.id == Answer.response_id)
    if instrument is not None:
        name, _, version = instrument.partition("@")
        query = query.where(Response.instrument == name)
        answer_query = answer_query.where(Response.instrument == name)
        if version:
            query = query.where(Response.version == version)
            answer_query = answer_query.where(Response.version == version)
    with store.session() as session:
        responses = session.execute(query).all()
        answers: dict[str, dict[str, Any]] = {}
        for rid, code, value in session.execute(answer_query):
            answers.setdefault(rid, {})[code] = json.loads(value)
    if not responses:
        raise LandscapeError.of("S110", f"no responses{' to ' + instrument if instrument else ''}"
                                " in the store")
    # Instruments in name order, each one's versions newest first.
    refs = sorted({(r.Response.instrument, r.Response.version) for r in responses},
                  key=lambda nv: Version.sort_key(nv[1]), reverse=True)
    refs.sort(key=lambda nv: nv[0])
    versions = {ref: load_recorded_instrument(store, *ref) for ref in refs}
    alignments = _alignments(versions)
    columns = _harmonised_headers(versions, alignments)
    known = set(columns)
    extras: dict[str, None] = {}
    newest: dict[str, InstrumentVersion] = {}
    for iv in versions.values():  # newest first
        newest.setdefault(iv.instrument, iv)
    cells: list[dict[str, Any]] = []
    for resp, *_ in responses:
        own = versions[(resp.instrument, resp.version)]
        alignment = alignments[(resp.instrument, resp.version)]
        shown_in = newest[resp.instrument] if alignment is not None else own
        row_cells: dict[str, Any] = {}
        for code, value in _line_up(answers.get(resp.id, {}), alignment).items():
            base = code.partition(".")[0]
            question = shown_in.question(base) or own.question(base)
            row_cells.update(_cells(code, value, question, labels))
        # Every stored answer has a column, even one no current question names.
        extras.update(dict.fromkeys(h for h in row_cells if h not in known))
        cells.append(row_cells)
    header = list(_META) + _with_extras(columns, list(extras))
    answer_columns = header[len(_META):]
    rows: list[list[Any]] = []
    for (resp, nation, region, org_type), row_cells in zip(responses, cells, strict=True):
        rows.append([resp.id, resp.respondent_id, resp.instrument, resp.version,
                     resp.content_hash, resp.state, resp.path, resp.started_at,
                     resp.completed_at, resp.source, resp.source_file, resp.source_row,
                     nation, region, org_type, *(row_cells.get(h) for h in answer_columns)])
    return header, rows


def _write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([defuse_cell(h) for h in header])
        for row in rows:
            writer.writerow(["" if v is None else defuse_cell(v) for v in row])


#: The most characters an Excel cell holds; Excel cuts longer text when it opens the file.
EXCEL_CELL_LIMIT = 32_767


def _refuse_long_cells(header: list[str], rows: list[list[Any]]) -> None:
    """``X106`` naming every cell longer than Excel holds (row 2 is the first response)."""
    found = [issue("X106", f"response {row[0]}: {len(value):,} characters; an Excel cell "
                   f"holds at most {EXCEL_CELL_LIMIT:,}",
                   Location(row=number, column=header[column]))
             for number, row in enumerate(rows, start=2)
             for column, value in enumerate(row)
             if isinstance(value, str) and len(defuse_cell(value)) > EXCEL_CELL_LIMIT]
    if found:
        raise LandscapeError(found)


def _write_xlsx(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    # openpyxl is heavy; it loads only for an XLSX export.
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("responses")
    sheet.append([defuse_cell(h) for h in header])
    for row in rows:
        sheet.append([v.replace(tzinfo=None) if hasattr(v, "tzinfo") and v.tzinfo else
                      defuse_cell(v) for v in row])
    book.save(path)


_WRITERS: dict[str, Callable[[Path, list[str], list[list[Any]]], None]] = {
    "csv": _write_csv, "xlsx": _write_xlsx,
}


def export_responses(store: Store, output: Path, fmt: str = "csv", *,
                     instrument: str | None = None, labels: bool = False) -> int:
    """Write the raw export to ``output`` atomically; return the number of rows.

    Text cells pass through :func:`survey.files.defuse_cell` (no spreadsheet
    formulas). Raises ``X101`` when ``output`` cannot be written (its directory
    is missing, ...), and ``X106`` for an XLSX export when an answer is longer than
    an Excel cell holds (each such cell named by row and column); nothing is left
    behind.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from survey.instrument import parse_instrument_text
    >>> from survey.store.responses import save_responses
    >>> iv = parse_instrument_text("instrument: demo\\nversion: 1.0.0\\ntitle: D\\n"
    ...     "questions: [{code: ok, type: consent, label: OK}]")
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> _ = save_responses(store, iv, [{"ok": True}], "x.csv")
    >>> export_responses(store, pathlib.Path(tempfile.mkdtemp()) / "out.csv")
    1
    """
    if fmt not in (*_WRITERS, "sav", "dta"):
        raise ValueError(f"format must be one of {sorted(_WRITERS)}, sav or dta")
    stats = fmt in ("sav", "dta")  # codes, typed and labelled by export_stats
    header, rows = response_table(store, instrument, labels=labels and not stats)
    if stats:
        # pyreadstat and the labelling load only for an SPSS / Stata export.
        from survey.store.export_stats import write_stat_file

        atomic_write(output, lambda temporary: write_stat_file(store, temporary, fmt, header,
                                                               rows))
        return len(rows)
    if fmt == "xlsx":
        # Refused rather than cut: a cut answer is a lost answer, and CSV holds it whole.
        _refuse_long_cells(header, rows)
    atomic_write(output, lambda temporary: _WRITERS[fmt](temporary, header, rows))
    return len(rows)
