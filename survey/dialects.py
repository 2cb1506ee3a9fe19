"""The export dialects of the survey tools teams use: one table rule per tool.

A *dialect* says how a tool writes its response export: how many header rows
it has and which one names the columns, which columns are its own metadata
(kept when they carry the respondent id or completion state, dropped
otherwise: never an error), how it writes a partial response, how it lays out
a multiple choice and the ranking question. :func:`read_dialect` turns the rows
of such a file (read by :func:`survey.tables.read_table`) into the one
generic table every importer reads: one header row, an ``external_id`` and a
``state`` column where the tool has them, answer columns named as the tool
named them (with the tool's question text offered as another name). Row
numbers are kept: a tool's extra header rows become blank rows, which the
importers skip, so ``file:row:column`` still points into the original file.

========================  ============================================================
``qualtrics``             three header rows: export tags (``Q7_1``), question text
                          (``Question - Option``), ``{"ImportId":"QID7_1"}``; "values"
                          (choice numbers) or "choice text" exports; ``Finished``;
                          rank order as one column per option holding its rank;
                          ``Status`` survey previews, tests and spam are left out.
``surveymonkey``          two header rows: question text (only above a question's
                          first column), then ``Response`` / ``Open-Ended Response`` /
                          the option; a ticked option's cell holds its label.
``msforms``               Microsoft Forms: ``ID``, ``Start time``, ``Completion time``,
                          ``Email``, ``Name``; choices as labels joined by ``;``; a
                          ranking as one cell ``A;B;C;`` (best first).
``limesurvey``            ``id``, ``submitdate`` (blank = not submitted), ``lastpage``,
                          ``startlanguage``, ``seed``; ``code[SQ]`` or full headings
                          ``Question [Option]``; ranking ``q[1]..q[n]`` (option per rank).
``kobo``                  KoboToolbox: group paths ``group/question``, ``_uuid``,
                          ``_submission_time``, ``_id`` ...; select_multiple both as one
                          space-separated cell and as ``q/option`` 0/1 columns (the
                          single cell is read); XLSForm ``rank`` as space-separated codes.
``odk``                   ODK Central: ``SubmissionDate``, ``meta-instanceID``, ``KEY``,
                          ``SubmitterID`` ...; group paths ``group-question``.
``redcap``                REDCap: the record id first, ``redcap_*`` columns,
                          ``<form>_timestamp``, ``<form>_complete`` (2 = complete);
                          checkboxes ``q___code``; "raw" exports give choice numbers.
``jisc``                  Jisc Online Surveys: ``Response ID``, ``Start date``,
                          ``Completion date``; question text numbered ``1.``, ``1.a.``.
``generic``               this platform's own layout (``landscape responses export``).
========================  ============================================================

Which documentation each follows is listed in ``tests/fixtures/dialects/README.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from survey.errors import LandscapeError, Location
from survey.tables import match_key

__all__ = ["DIALECTS", "TOOLS", "Dialect", "DialectTable", "detect_dialect", "read_dialect"]

#: The tools with a dialect (``generic`` is this platform's own layout).
TOOLS = ("qualtrics", "jisc", "surveymonkey", "msforms", "limesurvey", "kobo", "odk", "redcap",
         "generic")
#: ``--from`` choices: a tool, or ``auto`` to recognise it by its header.
DIALECTS = (*TOOLS, "auto")

_COMPLETE = "complete"
_PARTIAL = "in_progress"


def _keys(*names: str) -> frozenset[str]:
    return frozenset(match_key(n) for n in names)


def _order(*names: str) -> tuple[str, ...]:
    return tuple(match_key(n) for n in names)


@dataclass(frozen=True, slots=True)
class Dialect:
    """How one tool writes its export (see the module)."""

    name: str
    title: str
    #: Rows above the first response (the first names the columns).
    header_rows: int
    #: Column names (match keys) that identify a response, most specific first.
    ids: tuple[str, ...]
    #: The tool's metadata columns (match keys), dropped unless id or state.
    metadata: frozenset[str]
    #: Names (match keys) the recogniser looks for in the first header row: one set per
    #: way the tool writes its header (the best fitting counts); ``*x`` is any name ending
    #: in ``x``.
    signature: tuple[frozenset[str], ...]
    #: The ranking layout the tool writes.
    layout: str | None
    #: Whether choice cells may be the option's number (Qualtrics values, REDCap raw).
    numbered: bool = False
    #: Metadata column patterns (on match keys) besides ``metadata``.
    patterns: tuple[str, ...] = ()


_QUALTRICS_META = _keys(
    "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
    "Finished", "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName",
    "RecipientEmail", "ExternalReference", "LocationLatitude", "LocationLongitude",
    "DistributionChannel", "UserLanguage", "Q_RecaptchaScore", "Q_RelevantIDDuplicate",
    "Q_RelevantIDDuplicateScore", "Q_RelevantIDFraudScore", "Q_RelevantIDLastStartDate")
_MONKEY_META = _keys("Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address",
                     "Email Address", "First Name", "Last Name", "Custom Data 1")
_FORMS_META = _keys("ID", "Start time", "Completion time", "Email", "Name",
                    "Last modified time", "Total points", "Quiz feedback")
_LIME_META = _keys("id", "submitdate", "lastpage", "startlanguage", "seed", "startdate",
                   "datestamp", "ipaddr", "refurl", "token", "Response ID", "Date submitted",
                   "Last page", "Start language", "Seed", "Date started", "Date last action",
                   "IP address", "Referrer URL", "Access code")
_KOBO_META = _keys("start", "end", "today", "deviceid", "username", "phonenumber", "audit",
                   "meta/instanceID", "meta/rootUuid", "meta/deprecatedID", "formhub/uuid",
                   "meta/instanceName")
_ODK_META = _keys("SubmissionDate", "start", "end", "today", "deviceid", "meta-instanceID",
                  "meta-instanceName", "meta-audit", "KEY", "SubmitterID", "SubmitterName",
                  "AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState",
                  "DeviceID", "Edits", "FormVersion", "instanceID")
_JISC_META = _keys("Response ID", "Start date", "Completion date", "Timestamp")
_GENERIC_META = _keys("instrument", "version", "content_hash", "path", "started_at",
                      "completed_at", "source", "source_file", "source_row", "data_status")

DIALECT_SPECS: dict[str, Dialect] = {d.name: d for d in (
    Dialect("qualtrics", "Qualtrics", 3, _order("ResponseId"), _QUALTRICS_META,
            (_keys("StartDate", "EndDate", "Status", "Progress", "Finished", "RecordedDate",
                   "ResponseId", "DistributionChannel", "UserLanguage"),),
            "rank-per-option", numbered=True, patterns=(r"^q_",)),
    Dialect("surveymonkey", "SurveyMonkey", 2, _order("Respondent ID"), _MONKEY_META,
            (_keys("Respondent ID", "Collector ID", "Start Date", "End Date"),),
            "rank-per-option"),
    Dialect("msforms", "Microsoft Forms", 1, _order("ID"), _FORMS_META,
            (_keys("ID", "Start time", "Completion time", "Email", "Name"),), "ordered-list"),
    Dialect("limesurvey", "LimeSurvey", 1, _order("id", "Response ID"), _LIME_META,
            (_keys("id", "submitdate", "lastpage", "startlanguage", "seed"),
             _keys("Response ID", "Date submitted", "Last page", "Start language", "Seed")),
            "option-per-rank"),
    Dialect("kobo", "KoboToolbox", 1, _order("_uuid", "meta/instanceID", "_id"), _KOBO_META,
            (_keys("_uuid", "_submission_time", "_id", "_validation_status", "_index",
                   "meta/instanceID", "__version__"),),
            "ordered-list", patterns=(r"^_",)),
    Dialect("odk", "ODK Central", 1, _order("meta-instanceID", "KEY", "instanceID"), _ODK_META,
            (_keys("SubmissionDate", "meta-instanceID", "KEY", "SubmitterID", "SubmitterName",
                   "AttachmentsPresent", "ReviewState", "FormVersion"),),
            "ordered-list"),
    Dialect("redcap", "REDCap", 1, _order("record_id"), frozenset(),
            (_keys("record_id", "redcap_survey_identifier", "*_timestamp", "*_complete"),
             _keys("record_id", "redcap_event_name", "*_complete")),
            "rank-per-option", numbered=True,
            patterns=(r"^redcap_", r"_timestamp$", r"_complete$")),
    Dialect("jisc", "Jisc Online Surveys", 1, _order("Response ID"), _JISC_META,
            (_keys("Response ID", "Start date", "Completion date"),), "rank-per-option"),
    Dialect("generic", "this platform's layout", 1, (), _GENERIC_META,
            (_keys("response_id", "instrument", "version", "state", "path"),), None),
)}


@dataclass(frozen=True, slots=True)
class DialectTable:
    """A tool's export read as the generic table (see :func:`read_dialect`)."""

    dialect: str
    #: Header row, blank rows in place of the tool's other header rows, then the responses.
    rows: list[list[str]]
    #: Column number -> other names the column may be matched by (e.g. its question text).
    alternatives: dict[int, tuple[str, ...]] = field(default_factory=dict)
    #: The ranking layout the tool writes (None: tell from the columns).
    layout: str | None = None
    #: Whether choice cells may be option numbers (1 = the first option).
    numbered: bool = False
    #: The metadata columns dropped (names as in the file).
    dropped: tuple[str, ...] = ()
    #: Why this dialect (``--from auto``), for the user.
    reason: str = ""
    #: Rows (indexes into ``rows``, now blank) left out: the tool marks them as no
    #: respondent's (Qualtrics survey previews, tests and spam).
    left_out: tuple[int, ...] = ()

    @property
    def first_row(self) -> int:
        """The spreadsheet row of the first response (1-based)."""
        return DIALECT_SPECS[self.dialect].header_rows + 1


def _fail(code: str, message: str, file: str, row: int | None = None) -> LandscapeError:
    return LandscapeError.of(code, message, Location(file=file, row=row))


# -- recognising a tool -------------------------------------------------------------------


def _import_id_row(rows: Sequence[Sequence[str]]) -> bool:
    return len(rows) > 2 and any(c.strip().startswith('{"ImportId"') for c in rows[2])


def _fit(signature: frozenset[str], names: set[str]) -> tuple[list[str], list[str]]:
    """(signature names found, missing) in ``names``."""
    def present(key: str) -> bool:
        return any(n.endswith(key[1:]) for n in names) if key.startswith("*") else key in names
    return (sorted(k for k in signature if present(k)),
            sorted(k for k in signature if not present(k)))


def _score(dialect: Dialect, rows: Sequence[Sequence[str]]) -> tuple[float, list[str],
                                                                      list[str]]:
    """(score 0-1, signature names found, signature names missing) for ``dialect``."""
    names = {match_key(c) for c in rows[0]} if rows else set()
    fits = [(len(f) / len(sig), f, m) for sig in dialect.signature
            for f, m in [_fit(sig, names)]]
    score, found, missing = max(fits, key=lambda fit: fit[0])
    if dialect.name == "qualtrics":
        if _import_id_row(rows):
            score = max(score, 1.0)
        else:
            missing.append('a third header row of {"ImportId": ...}')
            score = min(score, 0.5)
    if dialect.name == "msforms" and "completion time" not in names:
        missing.append("'Completion time'")  # id, name and email alone are too common
        score = min(score, 0.5)
    if dialect.name == "surveymonkey" and len(rows) > 1 and not any(
            match_key(c) in ("response", "open-ended response") for c in rows[1]):
        missing.append("a second header row of 'Response' / 'Open-Ended Response'")
        score = min(score, 0.5)
    return score, found, missing


#: The share of a tool's signature columns a file must have to be recognised as it.
RECOGNISE_AT = 0.6


def detect_dialect(rows: Sequence[Sequence[str]], file: str = "<table>") -> tuple[str, str]:
    """(tool, reason) for an export, recognised by its header fingerprint.

    Raises
    ------
    LandscapeError
        ``R118`` when no tool's fingerprint fits, naming the closest and why not.

    Examples
    --------
    >>> detect_dialect([["StartDate", "Finished", "ResponseId", "Q7_1"],
    ...                 ["Start Date", "Finished", "Response ID", "Rank - A"],
    ...                 ['{"ImportId":"startDate"}', '{"ImportId":"finished"}',
    ...                  '{"ImportId":"_recordId"}', '{"ImportId":"QID7_1"}']])[0]
    'qualtrics'
    """
    scored = sorted(((*_score(d, rows), d) for d in DIALECT_SPECS.values()),
                    key=lambda item: -item[0])
    best_score, found, missing, best = scored[0]
    runner = scored[1][0]
    if best_score >= RECOGNISE_AT and best_score > runner:
        shown = ", ".join(found[:5]) or 'the {"ImportId": ...} row'
        return best.name, f"recognised as {best.title} (its header has {shown})"
    have = ", ".join(found) or "none of them"
    raise _fail("R118", f"the header matches no survey tool's export; closest is {best.title} "
                f"({len(found)} of its {len(found) + len(missing)} usual columns: {have}; "
                f"missing {', '.join(missing[:6])})", file, row=1)


# -- reading a tool's table ---------------------------------------------------------------


def _is_metadata(dialect: Dialect, key: str) -> bool:
    return key in dialect.metadata or any(re.search(p, key) for p in dialect.patterns)


def _qualtrics_state(text: str) -> str:
    key = match_key(text)
    return _COMPLETE if key in ("true", "1", "") else _PARTIAL


def _lime_state(text: str) -> str:
    return _COMPLETE if text.strip() else _PARTIAL


def _redcap_state(text: str) -> str:
    key = match_key(text)
    return _COMPLETE if key in ("2", "complete", "") else _PARTIAL


def _redcap_timestamp_state(text: str) -> str:
    return _PARTIAL if match_key(text) == "[not completed]" else _COMPLETE


#: Tool -> (pattern on a column's match key, value -> state): its completion-state columns,
#: the first that is present counts.
_STATE: dict[str, list[tuple[str, Callable[[str], str]]]] = {
    "qualtrics": [(r"^finished$", _qualtrics_state)],
    "limesurvey": [(r"^submitdate$", _lime_state), (r"^date submitted$", _lime_state)],
    "redcap": [(r"_complete$", _redcap_state), (r"_timestamp$", _redcap_timestamp_state)],
}


def _state_column(tool: str, header: Sequence[str]) -> tuple[int, Callable[[str], str]] | None:
    for pattern, convert in _STATE.get(tool, []):
        for j, name in enumerate(header):
            if re.search(pattern, match_key(name)):
                return j, convert
    return None


def _id_column(dialect: Dialect, header: Sequence[str]) -> int | None:
    keys = [match_key(h) for h in header]
    if dialect.name == "redcap":
        return 0 if header else None  # REDCap's first field is always the record id
    return next((keys.index(k) for k in dialect.ids if k in keys), None)


_RANK = re.compile(r"^(.*\[)\s*(?:rank(?:ing)?)\s*(\d+)\s*(\])$", re.IGNORECASE)
_REDCAP_CHOICE = re.compile(r"^(.*?)\s*\(choice=(.*)\)$")
_JISC_NUMBER = re.compile(r"^\s*\d+(?:\.[a-z0-9]+)*\.\s+", re.IGNORECASE)


def _names(dialect: Dialect, rows: Sequence[Sequence[str]], j: int) -> tuple[str, list[str]]:
    """(column name, other names) of column ``j`` in ``dialect``."""
    first = rows[0][j].strip() if j < len(rows[0]) else ""
    others: list[str] = []
    if dialect.name == "qualtrics" and len(rows) > 1 and j < len(rows[1]):
        text = rows[1][j].strip()
        if re.search(r" - [^-]+ - text$", text, re.IGNORECASE):
            text = re.sub(r" - [^-]+ - text$", " - other", text, flags=re.IGNORECASE)
        if text:
            others.append(text)
    elif dialect.name == "limesurvey":
        m = _RANK.match(first)
        if m:
            first = f"{m.group(1)}{m.group(2)}{m.group(3)}"
    elif dialect.name == "redcap":
        if "___" in first:
            first = first.replace("___", "/", 1)  # checkbox q___code -> q/code
        m = _REDCAP_CHOICE.match(first)
        if m:
            first = f"{m.group(1)} [{m.group(2)}]"  # label headers: "Label (choice=Option)"
    elif dialect.name == "jisc":
        stripped = _JISC_NUMBER.sub("", first)
        if stripped != first:
            others.append(stripped)
            parts = [p for p in (s.strip() for s in stripped.split(" - ")) if p]
            if len(parts) == 2:
                others.append(f"{parts[0]} [{parts[1]}]")
    return first, others


def _surveymonkey_header(rows: Sequence[Sequence[str]]) -> list[str]:
    """One name per column: the question (carried right), then ``[option]`` when the
    second header row names an option rather than 'Response'."""
    width = max(len(rows[0]), len(rows[1]))
    out: list[str] = []
    question = ""
    for j in range(width):
        top = rows[0][j].strip() if j < len(rows[0]) else ""
        sub = rows[1][j].strip() if j < len(rows[1]) else ""
        if top:
            question = top
        if match_key(sub) in ("", "response", "open-ended response"):
            out.append(question)
        elif match_key(sub).startswith("other (please specify)"):
            out.append(f"{question} [other]")
        else:
            out.append(f"{question} [{sub}]")
    return out


def _kobo_children(header: Sequence[str], sep: str) -> set[int]:
    """Kobo's per-option 0/1 columns of a select_multiple also given as one cell."""
    keys = {match_key(h) for h in header}
    drop: set[int] = set()
    for j, name in enumerate(header):
        key = match_key(name)
        cut = key.rfind(sep)
        if cut > 0 and key[:cut] in keys:
            drop.add(j)
    return drop


def read_dialect(rows: list[list[str]], tool: str, file: str = "<table>") -> DialectTable:
    """An export in ``tool``'s dialect (or ``auto``) as the generic table.

    Metadata columns are dropped except the id (renamed ``external_id``) and the
    completion state (``state``: ``complete`` / ``in_progress``).

    Raises
    ------
    LandscapeError
        ``R118`` (``auto``: no tool recognised; an unknown tool) or ``R119`` (the
        file lacks the header rows of the tool named).

    Examples
    --------
    >>> table = read_dialect([["ID", "Start time", "Completion time", "Email", "Name",
    ...                        "Rank these"], ["7", "1/3/22 9:00", "1/3/22 9:05",
    ...                        "anonymous", "", "B;A;"]], "auto")
    >>> table.dialect, table.rows, table.layout
    ('msforms', [['external_id', 'Rank these'], ['7', 'B;A;']], 'ordered-list')
    """
    reason = ""
    if tool == "auto":
        tool, reason = detect_dialect(rows, file)
    if tool not in DIALECT_SPECS:
        raise _fail("R118", f"'{tool}' is not a known tool; use one of {', '.join(DIALECTS)}",
                    file)
    dialect = DIALECT_SPECS[tool]
    if len(rows) < dialect.header_rows:
        raise _fail("R119", f"a {dialect.title} export has {dialect.header_rows} header rows; "
                    f"this file has {len(rows)} row(s)", file, row=1)
    if tool == "qualtrics" and not _import_id_row(rows):
        raise _fail("R119", 'row 3 of a Qualtrics export holds {"ImportId": ...} for each '
                    "column; this file's does not (export again as CSV with the default "
                    "three header rows, or use --from generic)", file, row=3)
    header = (_surveymonkey_header(rows) if tool == "surveymonkey"
              else [h.strip() for h in rows[0]])
    width = len(header)
    names_and_others = [_names(dialect, rows, j) for j in range(width)]
    if tool != "surveymonkey":
        header = [n for n, _ in names_and_others]
    id_index = _id_column(dialect, header)
    state = _state_column(tool, header)
    drop = _kobo_children(header, "/" if tool == "kobo" else "-") if tool in ("kobo", "odk") \
        else set()
    keep: list[int] = []
    dropped: list[str] = []
    for j, name in enumerate(header):
        key = match_key(name)
        if j == id_index or (state is not None and j == state[0]):
            continue
        if j in drop or (tool != "generic" and _is_metadata(dialect, key)):
            dropped.append(name)
            continue
        keep.append(j)
    body = rows[dialect.header_rows:]
    out_header = ([] if id_index is None else ["external_id"]) + \
        ([] if state is None else ["state"]) + [header[j] for j in keep]
    out: list[list[str]] = [out_header]
    out.extend([] for _ in range(dialect.header_rows - 1))  # keep the row numbers
    not_real = _not_real(tool, header)
    left_out: list[int] = []
    for row in body:
        cells = list(row) + [""] * (width - len(row))
        if not_real is not None and match_key(cells[not_real]) in _NOT_REAL:
            left_out.append(len(out))
            out.append([])  # a preview, test or spam response: no respondent
            continue
        answers = [_cell(tool, rows, j, cells[j]) for j in keep]
        lead = ([] if id_index is None else [cells[id_index]]) + \
            ([] if state is None else [state[1](cells[state[0]]) if any(
                c.strip() for c in cells) else ""])
        out.append(lead + answers + cells[width:])
    alternatives = {n: tuple(names_and_others[j][1]) for n, j in
                    enumerate(keep, start=len(out_header) - len(keep))
                    if names_and_others[j][1]}
    return DialectTable(dialect=tool, rows=out, alternatives=alternatives,
                        layout=dialect.layout, numbered=dialect.numbered,
                        dropped=tuple(dropped), reason=reason, left_out=tuple(left_out))


#: Qualtrics ``Status`` values of responses that are no respondent's (choice text, and the
#: numbers of a "values" export): survey previews, tests and spam.
_NOT_REAL = frozenset({"survey preview", "survey test", "spam", "preview spam",
                       "1", "2", "8", "9"})


def _not_real(tool: str, header: Sequence[str]) -> int | None:
    """The column saying a row is a preview, test or spam response (Qualtrics ``Status``)."""
    if tool != "qualtrics":
        return None
    keys = [match_key(h) for h in header]
    return keys.index("status") if "status" in keys else None


def _cell(tool: str, rows: Sequence[Sequence[str]], j: int, text: str) -> str:
    """A cell as the generic table has it (SurveyMonkey: a ticked option's label -> 1)."""
    if tool == "surveymonkey" and len(rows) > 1 and j < len(rows[1]):
        sub = rows[1][j].strip()
        if sub and match_key(text) == match_key(sub) and \
                match_key(sub) not in ("response", "open-ended response"):
            return "1"
    return text
