"""Matching an import file's columns to an instrument's questions.

A column is a question (its code or English/Welsh label, optionally behind an
ODK/Kobo group prefix), one option of a multiple choice or ranking
(``q/option``, ``q_option``, ``q.option``, ``q[option]``), a rank position
(``q[1]``, ``q_1``), the "please specify" text of an ``other`` choice, or one of
the id, respondent-attribute, state and export-metadata columns the importer
understands. See :mod:`survey.store.imports`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from survey.errors import Issue, Location, issue
from survey.instrument.model import InstrumentVersion, Question, QuestionType
from survey.ranking.layouts import ID_COLUMNS
from survey.tables import match_key
from survey.text import clip

__all__ = ["ATTRIBUTES", "ColumnPlan", "Matcher", "choose_names", "claim_column",
           "plan_columns"]

# Id columns, most specific first: the first present is the idempotency key.
ID_PRIORITY = ("external_id", "response_id", "responseid", "_uuid", "instanceid",
               "meta/instanceid", "record_id", "respondent_id", "respondent", "id", "token",
               "key")
ATTRIBUTES = ("nation", "region", "organisation_type")
# Columns written by `landscape responses export` (and the rejects file) that carry
# no answer: understood and skipped, so an export or a fixed rejects file re-imports.
_EXPORT_META = ("instrument", "version", "content_hash", "path", "started_at",
                "completed_at", "source", "source_file", "source_row", "import_row",
                "import_errors", "respondent_nation", "respondent_region",
                "respondent_organisation_type")
_SEPARATORS = (".", "/", ":", " - ", "-")
_BRACKET = re.compile(r"^(.+?)\s*\[\s*([^\]]+?)\s*\]$")


@dataclass
class ColumnPlan:
    """What each column of the file holds (column numbers count from 0)."""

    whole: dict[str, int] = field(default_factory=dict)       # question -> column
    other: dict[str, int] = field(default_factory=dict)       # question -> 'other' text column
    flags: dict[str, dict[str, int]] = field(default_factory=dict)   # mc -> option -> column
    rank_options: dict[str, dict[int, str]] = field(default_factory=dict)  # col -> option
    rank_numbered: dict[str, dict[int, int]] = field(default_factory=dict)  # col -> number
    attributes: dict[str, int] = field(default_factory=dict)
    id_column: int | None = None
    id_rank: int = len(ID_PRIORITY)  # of the id column chosen: lower is more specific
    state_column: int | None = None


class Matcher:
    """Resolves header names to (question, part) using codes and labels."""

    def __init__(self, iv: InstrumentVersion, *, numbered: bool = False) -> None:
        self.iv = iv
        #: Whether ``q_3`` / ``q/3`` may name a choice question's third option (REDCap raw).
        self.numbered = numbered
        self.questions: dict[str, Question] = {}
        self.options: dict[str, dict[str, str]] = {}
        for q in iv.questions:
            self.questions.setdefault(match_key(q.code), q)
        for q in iv.questions:
            for tr in q.label.translations.values():
                self.questions.setdefault(match_key(tr.text), q)
            keys: dict[str, str] = {}
            for o in q.options:
                keys.setdefault(match_key(o.code), o.code)
            for o in q.options:
                for tr in o.label.translations.values():
                    keys.setdefault(match_key(tr.text), o.code)
            if q.other:
                for word in ("other", "arall"):
                    keys.setdefault(word, "other")
            self.options[q.code] = keys

    def _part(self, q: Question, sub: str, sep: str) -> tuple[Question, str | int] | None:
        key = match_key(sub)
        if key.isdigit() and q.type is QuestionType.RANKING:
            return q, int(key)
        if key in ("other", "other_text", "specify") and q.other and not (
                sep == "/" and q.type is QuestionType.MULTIPLE_CHOICE and key == "other"):
            return q, "other_text"
        if q.type in (QuestionType.MULTIPLE_CHOICE, QuestionType.RANKING):
            code = self.options[q.code].get(key)
            if code is not None:
                return q, code
            if self.numbered and key.isdigit() and 1 <= int(key) <= len(q.options):
                return q, q.options[int(key) - 1].code
        return None

    def _one(self, name: str) -> tuple[Question, str | int | None] | None:
        key = match_key(name)
        if key in self.questions:
            return self.questions[key], None
        m = _BRACKET.match(name)
        if m:
            base = self.questions.get(match_key(m.group(1)))
            if base is not None:
                return self._part(base, m.group(2), "[")
        for sep in _SEPARATORS:
            start = name.find(sep)
            while start > 0:
                base = self.questions.get(match_key(name[:start]))
                if base is not None:
                    found = self._part(base, name[start + len(sep):], sep)
                    if found is not None:
                        return found
                start = name.find(sep, start + 1)
        # q_option / q_1: codes contain '_', so try every split, longest code first.
        for start in reversed([i for i, ch in enumerate(name) if ch == "_"]):
            base = self.questions.get(match_key(name[:start]))
            if base is not None:
                found = self._part(base, name[start + 1:], "_")
                if found is not None:
                    return found
        return None

    def resolve(self, name: str) -> tuple[Question, str | int | None] | None:
        found = self._one(name)
        if found is not None:
            return found
        # ODK/Kobo group prefixes: group/question (Kobo) or group-question (ODK Central).
        for sep in ("/", "-"):
            parts = name.split(sep)
            for i in range(1, len(parts)):
                found = self._one(sep.join(parts[i:]))
                if found is not None:
                    return found
        # A bare option label as a rank-per-option column (Qualtrics "choice text").
        key = match_key(name)
        for q in self.iv.ranking_questions():
            code = self.options[q.code].get(key)
            if code is not None:
                return q, code
        return None


def _close_matches(name: str, iv: InstrumentVersion) -> str:
    close = difflib.get_close_matches(name, [q.code for q in iv.questions], n=3, cutoff=0.6)
    return f" (did you mean {', '.join(close)}?)" if close else ""


_ID_RANK = {c: i for i, c in enumerate(ID_PRIORITY)}


def _special_column(plan: ColumnPlan, key: str, j: int) -> bool:
    """Place column ``j`` if it is no question's (id, attribute, state, export metadata)."""
    if key in _ID_RANK or key in ID_COLUMNS:
        rank = _ID_RANK.get(key, len(_ID_RANK))
        if plan.id_column is None or rank < plan.id_rank:
            plan.id_column, plan.id_rank = j, rank
        return True
    if key in ATTRIBUTES:
        plan.attributes[key] = j
        return True
    if key == "state":
        plan.state_column = j
        return True
    return key in _EXPORT_META


def claim_column(plan: ColumnPlan, q: Question, part: str | int | None, j: int) -> None:
    """Record that column ``j`` gives ``part`` of question ``q``."""
    if part is None:
        plan.whole[q.code] = j
    elif part == "other_text":
        plan.other[q.code] = j
    elif isinstance(part, int):
        plan.rank_numbered.setdefault(q.code, {})[j] = part
    elif q.type is QuestionType.RANKING:
        plan.rank_options.setdefault(q.code, {})[j] = part
    else:
        plan.flags.setdefault(q.code, {})[part] = j


def choose_names(header: list[str], alternatives: Mapping[int, Sequence[str]],
                 iv: InstrumentVersion, *, numbered: bool = False) -> list[str]:
    """Each column's name: its own if it names a question (or is understood), else the
    first of its ``alternatives`` that does (a tool's question text, e.g. Qualtrics'
    second header row)."""
    matcher = Matcher(iv, numbered=numbered)
    codes = {match_key(q.code) for q in iv.questions}

    def understood(name: str) -> bool:
        key = match_key(name)
        return (key not in codes and (key in _ID_RANK or key in ID_COLUMNS
                                      or key in ATTRIBUTES or key in ("state", *_EXPORT_META))
                ) or matcher.resolve(name) is not None

    out = list(header)
    for j, others in alternatives.items():
        if j < len(out) and not understood(out[j]):
            out[j] = next((o for o in others if understood(o)), out[j])
    return out


def plan_columns(header: list[str], body: list[list[str]], iv: InstrumentVersion,
                  ignore: set[str], file: str, problems: list[Issue], *,
                  numbered: bool = False, unmatched_hint: str = "") -> ColumnPlan:
    plan = ColumnPlan()
    matcher = Matcher(iv, numbered=numbered)
    codes = {match_key(q.code) for q in iv.questions}
    seen: dict[str, int] = {}
    claimed: dict[tuple[str, object], int] = {}

    def bad(code: str, message: str, j: int | None) -> None:
        problems.append(issue(code, message, Location(
            file=file, row=1, column=clip(header[j]) if j is not None and header[j] else
            (f"column {j + 1}" if j is not None else None))))

    for j, name in enumerate(header):
        key = match_key(name)
        if not key:
            if any(j < len(r) and r[j].strip() for r in body):
                bad("R103", f"column {j + 1} has values but no name", j)
            continue
        if key in seen:
            bad("R104", f"column '{name}' appears twice (columns {seen[key] + 1} and {j + 1})",
                j)
            continue
        seen[key] = j
        if key in ignore:
            continue
        if key not in codes and _special_column(plan, key, j):
            continue
        found = matcher.resolve(name)
        if found is None:
            bad("R103", f"'{clip(name)}' is not a question of {iv.ref}"
                f"{_close_matches(name, iv)}{unmatched_hint}", j)
            continue
        q, part = found
        target = (q.code, part)
        if target in claimed:
            bad("R104", f"columns '{header[claimed[target]]}' and '{name}' both give "
                f"{q.code}{'' if part is None else ' ' + str(part)}", j)
            continue
        claimed[target] = j
        claim_column(plan, q, part, j)
    for code, flags in plan.flags.items():
        if code in plan.whole:
            first = next(iter(flags.values()))
            bad("R104", f"'{header[plan.whole[code]]}' and the option column "
                f"'{header[first]}' both give {code}; keep one form", first)
    return plan
