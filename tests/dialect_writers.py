"""Write responses as each survey tool would export them (tests and fixtures only).

:func:`write_export` renders answers of an instrument version the way a team that
built the instrument in that tool would download them. The layouts follow the
documentation listed in ``tests/fixtures/dialects/README.md``; the fixtures there
were written by ``python -m dialect_writers`` (run from ``tests/``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from survey.instrument.model import InstrumentVersion, Question, QuestionType
from survey.instrument.places import NATIONS, REGIONS

PLACE_NAMES = {p.code: p.en for p in (*NATIONS, *REGIONS)}


@dataclass(frozen=True)
class Respondent:
    """One response to write: its tool id, answers (store form) and completion."""

    rid: str
    answers: dict[str, Any]
    complete: bool = True


def _group(q: Question) -> str:
    return re.sub(r"[^a-z0-9]+", "_", (q.section or "main").lower()).strip("_")


def _place(value: str) -> str:
    return PLACE_NAMES.get(value, value)


def _option_label(q: Question, code: str) -> str:
    return next((o.label.en for o in q.options if o.code == code), code)


def _number(q: Question, code: str) -> str:
    codes = list(q.option_codes)
    return str(codes.index(code) + 1) if code in codes else str(len(codes) + 1)


def _text(q: Question, value: Any, *, labels: bool = True, numbers: bool = False) -> str:
    """A single-column answer as text (choice label / number / code)."""
    if value is None:
        return ""
    if q.type is QuestionType.SINGLE_CHOICE:
        return _number(q, value) if numbers else _option_label(q, value) if labels else value
    if q.type is QuestionType.CONSENT:
        return ("1" if value else "0") if numbers else ("Yes" if value else "No")
    if q.type is QuestionType.PLACE:
        return _place(value) if labels else value
    return str(value)


def _ranked(value: dict[str, int]) -> list[str]:
    return [c for c, _ in sorted(value.items(), key=lambda item: item[1])]


# -- one writer per tool: (header rows, body rows) --------------------------------------------


def _qualtrics(iv: InstrumentVersion, people: Sequence[Respondent], values: bool
               ) -> list[list[str]]:
    meta = [("StartDate", "Start Date", "startDate"), ("EndDate", "End Date", "endDate"),
            ("Status", "Response Type", "status"), ("IPAddress", "IP Address", "ipAddress"),
            ("Progress", "Progress", "progress"),
            ("Duration (in seconds)", "Duration (in seconds)", "duration"),
            ("Finished", "Finished", "finished"), ("RecordedDate", "Recorded Date", "recordedDate"),
            ("ResponseId", "Response ID", "_recordId"),
            ("DistributionChannel", "Distribution Channel", "distributionChannel"),
            ("UserLanguage", "User Language", "userLanguage")]
    tags, texts, ids = ([m[0] for m in meta], [m[1] for m in meta],
                        [f'{{"ImportId":"{m[2]}"}}' for m in meta])
    cols: list[tuple[Question, str | None]] = []
    for n, q in enumerate(iv.questions, start=1):
        if q.type is QuestionType.RANKING:
            for i, o in enumerate(q.options, start=1):
                tags.append(f"Q{n}_{i}")
                texts.append(f"{q.label.en} - {o.label.en}")
                ids.append(f'{{"ImportId":"QID{n}_{i}"}}')
                cols.append((q, o.code))
        else:
            tags.append(f"Q{n}")
            texts.append(q.label.en)
            ids.append(f'{{"ImportId":"QID{n}"}}')
            cols.append((q, None))
    rows = [tags, texts, ids]
    for k, p in enumerate(people):
        finished = ("1" if values else "True") if p.complete else ("0" if values else "False")
        row = [f"2022-01-{10 + k % 18:02d} 09:00:00", f"2022-01-{10 + k % 18:02d} 09:14:00",
               "0" if values else "IP Address", "203.0.113.7",
               "100" if p.complete else "45", "840", finished,
               f"2022-01-{10 + k % 18:02d} 09:14:01", p.rid, "anonymous", "EN"]
        for q, part in cols:
            value = p.answers.get(q.code)
            if part is not None:
                row.append("" if value is None else str(value.get(part, "")))
            elif q.type is QuestionType.MULTIPLE_CHOICE:
                chosen = value or []
                row.append(",".join(_number(q, c) if values else _option_label(q, c)
                                    for c in chosen))
            else:
                row.append(_text(q, value, numbers=values))
        rows.append(row)
    return rows


def _surveymonkey(iv: InstrumentVersion, people: Sequence[Respondent]) -> list[list[str]]:
    top = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address",
           "Email Address", "First Name", "Last Name", "Custom Data 1"]
    sub = [""] * len(top)
    cols: list[tuple[Question, str | None]] = []
    for q in iv.questions:
        if q.type in (QuestionType.RANKING, QuestionType.MULTIPLE_CHOICE):
            for i, o in enumerate(q.options):
                top.append(q.label.en if i == 0 else "")
                sub.append(o.label.en)
                cols.append((q, o.code))
        else:
            top.append(q.label.en)
            sub.append("Open-Ended Response" if q.type in (
                QuestionType.FREE_TEXT, QuestionType.ORGANISATION, QuestionType.NUMBER)
                else "Response")
            cols.append((q, None))
    rows = [top, sub]
    for p in people:
        row = [p.rid, "431234567", "01/12/2022 09:00:00 AM", "01/12/2022 09:14:00 AM",
               "203.0.113.7", "", "", "", ""]
        for q, part in cols:
            value = p.answers.get(q.code)
            if part is None:
                row.append(_text(q, value))
            elif q.type is QuestionType.RANKING:
                row.append("" if value is None else str(value.get(part, "")))
            else:
                row.append(_option_label(q, part) if value and part in value else "")
        rows.append(row)
    return rows


def _msforms(iv: InstrumentVersion, people: Sequence[Respondent]) -> list[list[str]]:
    header = ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time"]
    header += [q.label.en for q in iv.questions]
    rows = [header]
    for p in people:
        row = [p.rid, "1/12/22 9:00:00", "1/12/22 9:14:00", "anonymous", "", ""]
        for q in iv.questions:
            value = p.answers.get(q.code)
            if value is None:
                row.append("")
            elif q.type is QuestionType.RANKING:
                row.append("".join(_option_label(q, c) + ";" for c in _ranked(value)))
            elif q.type is QuestionType.MULTIPLE_CHOICE:
                row.append("".join(_option_label(q, c) + ";" for c in value))
            else:
                row.append(_text(q, value))
        rows.append(row)
    return rows


def _limesurvey(iv: InstrumentVersion, people: Sequence[Respondent]) -> list[list[str]]:
    # "Full question text" headings, "full answers" (answer text), as exported.
    header = ["Response ID", "Date submitted", "Last page", "Start language", "Seed",
              "Date started", "Date last action"]
    cols: list[tuple[Question, str | int | None]] = []
    for q in iv.questions:
        if q.type is QuestionType.RANKING:
            for i in range(1, len(q.options) + 1):
                header.append(f"{q.label.en} [Rank {i}]")
                cols.append((q, i))
        elif q.type is QuestionType.MULTIPLE_CHOICE:
            for o in q.options:
                header.append(f"{q.label.en} [{o.label.en}]")
                cols.append((q, o.code))
        else:
            header.append(q.label.en)
            cols.append((q, None))
    rows = [header]
    for p in people:
        row = [p.rid, "2022-01-12 09:14:00" if p.complete else "", "5" if p.complete else "2",
               "en", "123456789", "2022-01-12 09:00:00", "2022-01-12 09:14:00"]
        for q, part in cols:
            value = p.answers.get(q.code)
            if isinstance(part, int):
                ranked = _ranked(value) if value else []
                row.append(_option_label(q, ranked[part - 1]) if part <= len(ranked) else "")
            elif isinstance(part, str):
                row.append("Yes" if value and part in value else "")
            else:
                row.append(_text(q, value))
        rows.append(row)
    return rows


def _xlsform_tool(iv: InstrumentVersion, people: Sequence[Respondent], sep: str,
                  kobo: bool) -> list[list[str]]:
    """KoboToolbox (``/`` groups, both multiple-select forms) or ODK Central (``-``)."""
    if kobo:
        header = ["start", "end", "today", "deviceid"]
    else:
        header = ["SubmissionDate", "start", "end", "today", "deviceid"]
    cols: list[tuple[Question, str | None]] = []
    for q in iv.questions:
        name = f"{_group(q)}{sep}{q.code}"
        header.append(name)
        cols.append((q, None))
        if kobo and q.type is QuestionType.MULTIPLE_CHOICE:
            for o in q.options:
                header.append(f"{name}/{o.code}")
                cols.append((q, o.code))
    if kobo:
        header += ["meta/instanceID", "_id", "_uuid", "_submission_time", "_validation_status",
                   "_notes", "_status", "_submitted_by", "__version__", "_tags", "_index"]
    else:
        header += ["meta-instanceID", "KEY", "SubmitterID", "SubmitterName",
                   "AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState",
                   "DeviceID", "Edits", "FormVersion"]
    rows = [header]
    for k, p in enumerate(people, start=1):
        stamp = "2022-01-12T09:00:00.000+00:00"
        row = [stamp, stamp, "2022-01-12", "enketo.example:abc"]
        if not kobo:
            row.insert(0, "2022-01-12T09:15:00.000Z")
        for q, part in cols:
            value = p.answers.get(q.code)
            if part is not None:
                row.append("1" if value and part in value else "0")
            elif value is None:
                row.append("")
            elif q.type is QuestionType.RANKING:
                row.append(" ".join(_ranked(value)))
            elif q.type is QuestionType.MULTIPLE_CHOICE:
                row.append(" ".join(value))
            elif q.type is QuestionType.CONSENT:
                row.append("yes" if value else "no")
            else:
                row.append(str(value))
        if kobo:
            row += [f"uuid:{p.rid}", str(1000 + k), p.rid, "2022-01-12T09:15:00",
                    "", "", "submitted_via_web", "", "vAbCdEf", "", str(k)]
        else:
            row += [f"uuid:{p.rid}", f"uuid:{p.rid}", "5", "web user", "0", "0", "",
                    "", "", "0", "2022011201"]
        rows.append(row)
    return rows


def _redcap(iv: InstrumentVersion, people: Sequence[Respondent]) -> list[list[str]]:
    # "CSV / Microsoft Excel (raw data)": variable names, coded values, checkboxes q___n.
    header = ["record_id", "redcap_survey_identifier", "survey_timestamp"]
    cols: list[tuple[Question, str | None]] = []
    for q in iv.questions:
        if q.type is QuestionType.MULTIPLE_CHOICE:
            for o in q.options:
                header.append(f"{q.code}___{_number(q, o.code)}")
                cols.append((q, o.code))
        elif q.type is QuestionType.RANKING:
            for i, o in enumerate(q.options, start=1):
                header.append(f"{q.code}_{i}")
                cols.append((q, o.code))
        else:
            header.append(q.code)
            cols.append((q, None))
    header.append("survey_complete")
    rows = [header]
    for p in people:
        row = [p.rid, "", "2022-01-12 09:14:00" if p.complete else "[not completed]"]
        for q, part in cols:
            value = p.answers.get(q.code)
            if part is None:
                row.append(_text(q, value, labels=False, numbers=True))
            elif q.type is QuestionType.RANKING:
                row.append("" if value is None else str(value.get(part, "")))
            else:
                row.append("1" if value and part in value else "0")
        row.append("2" if p.complete else "0")
        rows.append(row)
    return rows


def _jisc(iv: InstrumentVersion, people: Sequence[Respondent]) -> list[list[str]]:
    header = ["Response ID", "Start date", "Completion date"]
    cols: list[tuple[Question, str | None]] = []
    for n, q in enumerate(iv.questions, start=1):
        if q.type is QuestionType.RANKING:
            for letter, o in zip("abcdefghijklmnopqrstuvwxyz", q.options, strict=False):
                header.append(f"{n}.{letter}. {q.label.en} - {o.label.en}")
                cols.append((q, o.code))
        else:
            header.append(f"{n}. {q.label.en}")
            cols.append((q, None))
    rows = [header]
    for p in people:
        row = [p.rid, "2022-01-12 09:00:00", "2022-01-12 09:14:00"]
        for q, part in cols:
            value = p.answers.get(q.code)
            if part is not None:
                row.append("" if value is None else str(value.get(part, "")))
            elif q.type is QuestionType.MULTIPLE_CHOICE:
                row.append("; ".join(_option_label(q, c) for c in value or []))
            else:
                row.append(_text(q, value))
        rows.append(row)
    return rows


def _generic(iv: InstrumentVersion, people: Sequence[Respondent]) -> list[list[str]]:
    header = ["response_id", "instrument", "version", "state", "path"]
    cols: list[tuple[Question, str | None]] = []
    for q in iv.questions:
        if q.type is QuestionType.RANKING:
            for o in q.options:
                header.append(f"{q.code}.{o.code}")
                cols.append((q, o.code))
        else:
            header.append(q.code)
            cols.append((q, None))
    rows = [header]
    for p in people:
        row = [p.rid, iv.instrument, str(iv.version), "complete" if p.complete else "in_progress",
               ""]
        for q, part in cols:
            value = p.answers.get(q.code)
            if part is not None:
                row.append("" if value is None else str(value.get(part, "")))
            elif q.type is QuestionType.MULTIPLE_CHOICE:
                row.append(";".join(value or []))
            else:
                row.append(_text(q, value, labels=False, numbers=False)
                           if q.type is not QuestionType.CONSENT else
                           ("" if value is None else "yes" if value else "no"))
        rows.append(row)
    return rows


def export_rows(tool: str, iv: InstrumentVersion, people: Sequence[Respondent]
                ) -> list[list[str]]:
    """The rows (header rows first) ``tool`` would export for ``people``."""
    if tool == "qualtrics":
        return _qualtrics(iv, people, values=False)
    if tool == "qualtrics-values":
        return _qualtrics(iv, people, values=True)
    if tool in ("kobo", "odk"):
        return _xlsform_tool(iv, people, "/" if tool == "kobo" else "-", tool == "kobo")
    writers = {"surveymonkey": _surveymonkey, "msforms": _msforms,
               "limesurvey": _limesurvey, "redcap": _redcap, "jisc": _jisc,
               "generic": _generic}
    return writers[tool](iv, people)


def write_export(tool: str, iv: InstrumentVersion, people: Sequence[Respondent],
                 path: Path) -> Path:
    """Write the export as CSV (Kobo: ``;``-separated, as its CSV export is)."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out, delimiter=";" if tool == "kobo" else ",").writerows(
            export_rows(tool, iv, people))
    return path


#: The tools with a fixture, and the fixture's file name.
FIXTURES = {"generic": "generic.csv", "qualtrics": "qualtrics_choice_text.csv",
            "qualtrics-values": "qualtrics_values.csv", "surveymonkey": "surveymonkey.csv",
            "msforms": "msforms.csv", "limesurvey": "limesurvey.csv", "kobo": "kobo.csv",
            "odk": "odk.csv", "redcap": "redcap.csv", "jisc": "jisc.csv"}
#: Tools whose export says whether a response was finished (the fixture has a partial one).
WITH_STATE = ("generic", "qualtrics", "qualtrics-values", "limesurvey", "redcap")
FIXTURE_DIR = Path(__file__).parent / "fixtures" / "dialects"
FIXTURE_INSTRUMENT = "researcher@1.0.0"


def fixture_people(iv: InstrumentVersion, tool: str) -> list[Respondent]:
    """The fixtures' respondents: the first six synthetic demo researchers (labelled as
    synthetic in their answers), plus one unfinished response where the tool records it."""
    # Loaded here: the demo module is only needed to build the fixtures.
    from survey.reproduce.demo import demo_responses

    demo = [d for d in demo_responses() if d.instrument == iv.instrument][:6]
    people = [Respondent(f"{tool[:2]}-{d.demo_id}", d.answers) for d in demo]
    if tool in WITH_STATE:
        people.append(Respondent(f"{tool[:2]}-partial", {
            "consent": True, "organisation": "Synthetic university 99 (demo)",
            "organisation_type": "university", "nation": "wales"}, complete=False))
    return people


if __name__ == "__main__":
    from survey.instrument.registry import Catalogue

    version = Catalogue.default().load(FIXTURE_INSTRUMENT)
    FIXTURE_DIR.mkdir(parents=True, exist_ok=True)
    for name, file in FIXTURES.items():
        write_export(name, version, fixture_people(version, name), FIXTURE_DIR / file)
