"""Applying a codebook's rules to free-text answers, and a person's overrides.

The coded frame is long: one row per response and theme, so that every cell can
say where it came from (``source`` is ``rule`` or ``override``), which rules
matched (for audit) and, for an override, who made it, when and why. Use
:func:`coding_matrix` for the respondent x theme table of booleans.

Matching works on the answer with typographic quotes and dashes folded to ASCII.
A rule match is ignored when it overlaps one of its theme's ``exclude`` patterns,
or when its clause matches one of the codebook's ``negation_guards``; both are
listed in the ``suppressed`` column so a reviewer can see what was ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from survey.coding.codebook import Codebook, Theme
from survey.errors import LandscapeError, Location

__all__ = [
    "CODED_COLUMNS",
    "CodingOverride",
    "apply_overrides",
    "code_answers",
    "code_text",
    "coding_matrix",
]

CODED_COLUMNS = [
    "response_id", "theme", "applied", "answered", "source", "rule_applied",
    "matched_rules", "evidence", "suppressed", "coder", "at", "note", "codebook",
]

_FOLD = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
    "\u2010": "-", "\u2011": "-", "\u00a0": " ",
})
# Clause breaks for the negation guard: "Funding is not a problem, but turnover is"
# must still code turnover.
_CLAUSE_BREAK = re.compile(r"[.;:!?,\n]|\b(?:but|however|although|though|whereas)\b",
                           re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _ThemeResult:
    matched_rules: tuple[str, ...]
    evidence: tuple[str, ...]
    suppressed: tuple[str, ...]

    @property
    def applied(self) -> bool:
        return bool(self.matched_rules)


def _fold(text: str) -> str:
    return text.translate(_FOLD)


def _clauses(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for brk in _CLAUSE_BREAK.finditer(text):
        spans.append((start, brk.start()))
        start = brk.end()
    spans.append((start, len(text)))
    return spans


def _guarded(text: str, codebook: Codebook) -> list[tuple[int, int]]:
    """Clauses in which a negation guard matches."""
    if not codebook.negation_guards:
        return []
    return [(a, b) for a, b in _clauses(text)
            if any(g.regex.search(text, a, b) for g in codebook.negation_guards)]


def _code_theme(text: str, theme: Theme, guarded: list[tuple[int, int]]) -> _ThemeResult:
    excluded = [m.span() for rule in theme.exclusions for m in rule.regex.finditer(text)]
    matched: list[str] = []
    evidence: list[str] = []
    suppressed: list[str] = []
    for rule in theme.rules:
        for m in rule.regex.finditer(text):
            start, end = m.span()
            if start == end:
                continue
            if any(start < b and a < end for a, b in excluded):
                suppressed.append(f"{rule.name} (excluded: '{m.group(0)}')")
                continue
            if any(a <= start < b for a, b in guarded):
                suppressed.append(f"{rule.name} (negated: '{m.group(0)}')")
                continue
            if rule.name not in matched:
                matched.append(rule.name)
            evidence.append(m.group(0))
    return _ThemeResult(tuple(matched), tuple(evidence), tuple(suppressed))


def _code_one(text: str, codebook: Codebook) -> dict[str, _ThemeResult]:
    folded = _fold(text)
    guarded = _guarded(folded, codebook)
    return {theme.code: _code_theme(folded, theme, guarded) for theme in codebook}


def code_text(text: str | None, codebook: Codebook) -> set[str]:
    """The theme codes the codebook's rules find in one answer.

    Examples
    --------
    >>> from survey.coding.codebook import load_codebook
    >>> cb = load_codebook()
    >>> sorted(code_text("Short-term funding and staff turnover.", cb))
    ['resources_capacity_funding', 'short_term_funding', 'staff_turnover']
    >>> sorted(code_text("Funding is not a problem, but who to contact is.", cb))
    ['complexity_no_entry_point']
    >>> code_text("   ", cb)
    set()
    """
    if text is None or not str(text).strip():
        return set()
    return {code for code, result in _code_one(str(text), codebook).items() if result.applied}


def _answers_frame(answers: pd.Series | pd.DataFrame, id_column: str,
                   text_column: str) -> list[tuple[str, str]]:
    if isinstance(answers, pd.DataFrame):
        missing = [c for c in (id_column, text_column) if c not in answers.columns]
        if missing:
            raise LandscapeError.of(
                "C113", f"no column {', '.join(repr(c) for c in missing)}; columns are: "
                + ", ".join(map(str, answers.columns)),
            )
        ids = list(answers[id_column])
        texts = list(answers[text_column])
    else:
        ids = list(answers.index)
        texts = list(answers)
    rows: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for row, (raw_id, raw_text) in enumerate(zip(ids, texts, strict=True), start=1):
        rid = "" if raw_id is None or (isinstance(raw_id, float) and pd.isna(raw_id)) \
            else str(raw_id).strip()
        if not rid:
            raise LandscapeError.of("C113", "a response has no id",
                                    Location(row=row, column=id_column))
        if rid in seen:
            raise LandscapeError.of("C113", f"response id '{rid}' appears twice (rows "
                                    f"{seen[rid]} and {row})", Location(row=row,
                                                                        column=id_column))
        seen[rid] = row
        text = "" if raw_text is None or (not isinstance(raw_text, str) and pd.isna(raw_text)) \
            else str(raw_text)
        rows.append((rid, text))
    return rows


def code_answers(
    answers: pd.Series | pd.DataFrame,
    codebook: Codebook,
    *,
    id_column: str = "response_id",
    text_column: str | None = None,
) -> pd.DataFrame:
    """Code every answer with the codebook's rules.

    Parameters
    ----------
    answers
        A Series of answer texts indexed by response id, or a DataFrame with an id
        column and a text column. Blank, whitespace-only and missing answers are
        kept, with ``answered`` false and no theme applied.
    codebook
        The codebook whose rules are applied.
    id_column, text_column
        Column names for a DataFrame; the text column defaults to the codebook's
        ``question`` (``challenges`` for the barriers codebook).

    Returns
    -------
    DataFrame
        One row per response and theme with the columns :data:`CODED_COLUMNS`:
        ``applied`` (the effective coding), ``source`` (``rule``), ``rule_applied``,
        ``matched_rules`` and ``evidence`` (what matched, ``; ``-separated),
        ``suppressed`` (matches ignored by an exclusion or negation guard), and
        empty ``coder``, ``at`` and ``note`` for overrides.

    Examples
    --------
    >>> from survey.coding.codebook import load_codebook
    >>> cb = load_codebook()
    >>> answers = pd.Series({"LG01": "Lack of funding.", "LG02": ""})
    >>> coded = code_answers(answers, cb)
    >>> row = coded[(coded.response_id == "LG01")
    ...             & (coded.theme == "resources_capacity_funding")].iloc[0]
    >>> bool(row.applied), row.matched_rules, row.source
    (True, 'keyword:funding', 'rule')
    >>> bool(coded[coded.response_id == "LG02"].answered.any())
    False
    """
    column = text_column or codebook.question or "text"
    rows = _answers_frame(answers, id_column, column)
    records: list[dict[str, Any]] = []
    for rid, text in rows:
        answered = bool(text.strip())
        results = _code_one(text, codebook) if answered else {}
        for theme in codebook:
            result = results.get(theme.code, _ThemeResult((), (), ()))
            records.append({
                "response_id": rid, "theme": theme.code, "applied": result.applied,
                "answered": answered, "source": "rule", "rule_applied": result.applied,
                "matched_rules": "; ".join(result.matched_rules),
                "evidence": "; ".join(result.evidence),
                "suppressed": "; ".join(result.suppressed),
                "coder": None, "at": pd.NaT, "note": None, "codebook": codebook.ref,
            })
    frame = pd.DataFrame.from_records(records, columns=CODED_COLUMNS)
    frame["applied"] = frame["applied"].astype(bool)
    frame["answered"] = frame["answered"].astype(bool)
    frame["rule_applied"] = frame["rule_applied"].astype(bool)
    frame["at"] = pd.to_datetime(frame["at"], utc=True).astype("datetime64[us, UTC]")
    frame["coder"] = frame["coder"].astype(object)
    frame["note"] = frame["note"].astype(object)
    return frame


@dataclass(frozen=True, slots=True)
class CodingOverride:
    """A person's decision that a response does (``applied``) or does not mention a theme.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> CodingOverride("LG01", "staff_turnover", True, "a.coder",
    ...                datetime(2022, 4, 1, tzinfo=UTC), "'people move on'").applied
    True
    """

    response_id: str
    theme: str
    applied: bool
    coder: str
    at: datetime
    note: str = ""

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not isinstance(self.response_id, str) or not self.response_id.strip():
            problems.append("response_id must be non-empty text")
        if not isinstance(self.theme, str) or not self.theme.strip():
            problems.append("theme must be a theme code")
        if not isinstance(self.applied, bool):
            problems.append("applied must be true or false")
        if not isinstance(self.coder, str) or not self.coder.strip():
            problems.append("coder must name the person")
        if not isinstance(self.at, datetime) or self.at.tzinfo is None:
            problems.append("at must be a timezone-aware datetime")
        if not isinstance(self.note, str):
            problems.append("note must be text")
        if problems:
            raise LandscapeError.of("C115", f"override of '{self.response_id}' / "
                                    f"'{self.theme}': " + "; ".join(problems))


def apply_overrides(coded: pd.DataFrame, overrides: Iterable[CodingOverride]) -> pd.DataFrame:
    """Apply people's overrides to a coded frame, returning a new frame.

    Overrides are applied oldest first (by ``at``, then in the order given), so the
    latest decision on a response and theme wins. A changed cell gets
    ``source='override'`` with the coder, time and note; ``rule_applied`` and the
    rule audit columns keep what the rules said. Storage-agnostic: a list in, a
    frame out.

    Raises
    ------
    LandscapeError
        ``C111`` for a theme not in the frame; ``C112`` for an unknown response or
        for applying a theme to a response that did not answer.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from survey.coding.codebook import load_codebook
    >>> coded = code_answers(pd.Series({"R01": "People move on."}), load_codebook())
    >>> fixed = apply_overrides(coded, [CodingOverride(
    ...     "R01", "staff_turnover", True, "jo", datetime(2022, 5, 1, tzinfo=UTC))])
    >>> cell = fixed.set_index("theme").loc["staff_turnover"]
    >>> bool(cell.applied), cell.source, cell.coder
    (True, 'override', 'jo')
    """
    out = coded.copy()
    themes = set(out["theme"])
    index = {(r, t): i for i, r, t in zip(out.index, out["response_id"], out["theme"],
                                           strict=True)}
    answered = dict(zip(out["response_id"], out["answered"], strict=False))
    ordered = sorted(enumerate(overrides), key=lambda pair: (pair[1].at, pair[0]))
    for _, override in ordered:
        if override.theme not in themes:
            raise LandscapeError.of("C111", f"override by {override.coder} names theme "
                                    f"'{override.theme}', which is not coded here")
        key = (override.response_id, override.theme)
        if key not in index:
            raise LandscapeError.of("C112", f"override by {override.coder} names response "
                                    f"'{override.response_id}', which is not in the data")
        if override.applied and not answered[override.response_id]:
            raise LandscapeError.of("C112", f"override by {override.coder} applies "
                                    f"'{override.theme}' to response "
                                    f"'{override.response_id}', which has no answer")
        at = pd.Timestamp(override.at).tz_convert("UTC")
        i = index[key]
        out.loc[i, "applied"] = override.applied
        out.loc[i, "source"] = "override"
        out.loc[i, "coder"] = override.coder
        out.loc[i, "at"] = at
        out.loc[i, "note"] = override.note
    return out


def coding_matrix(coded: pd.DataFrame, *, answered_only: bool = False) -> pd.DataFrame:
    """The respondent x theme table of booleans (the effective ``applied`` coding).

    Examples
    --------
    >>> from survey.coding.codebook import load_codebook
    >>> coded = code_answers(pd.Series({"LG01": "No budget.", "LG02": ""}), load_codebook())
    >>> m = coding_matrix(coded, answered_only=True)
    >>> m.index.tolist(), bool(m.loc["LG01", "resources_capacity_funding"])
    (['LG01'], True)
    """
    frame = coded[coded["answered"]] if answered_only else coded
    themes = list(dict.fromkeys(coded["theme"]))
    ids = list(dict.fromkeys(frame["response_id"]))
    wide = frame.pivot(index="response_id", columns="theme", values="applied")
    wide = wide.reindex(index=ids, columns=themes).astype(bool)
    wide.columns.name = None
    return wide

