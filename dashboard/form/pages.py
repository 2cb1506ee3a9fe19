"""The form's pages: how a questionnaire is split, and which answers a page keeps.

One page per section, and a new page wherever a question's condition refers to
a question on the page so far, so the server always knows which questions to
show (no JavaScript needed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from survey.answers import is_empty
from survey.instrument.logic import evaluate, is_shown, parse_expression, references
from survey.instrument.model import InstrumentVersion, Question

__all__ = ["FormPage", "clean_answers", "form_pages", "other_chosen", "path_taken",
           "visible_pages"]


@dataclass(frozen=True, slots=True)
class FormPage:
    """One page of the form: consecutive questions of one section."""

    index: int
    section: str | None
    questions: tuple[Question, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(q.code for q in self.questions)


_PAGES: dict[tuple[str, str, str], tuple[FormPage, ...]] = {}


def _condition_refs(iv: InstrumentVersion, q: Question) -> set[str]:
    refs: set[str] = set()
    if q.relevant:
        refs |= references(parse_expression(q.relevant))
    if q.path is not None:
        path = iv.path(q.path)
        if path is not None:
            refs |= references(parse_expression(path.when))
    return refs


def form_pages(iv: InstrumentVersion) -> tuple[FormPage, ...]:
    """Split ``iv`` into form pages.

    A new page starts at each new section, and before any question whose
    condition refers to a question already on the page: so whether a question is
    shown is always decided by answers the server already has.

    Examples
    --------
    >>> from survey.instrument import parse_instrument_text
    >>> iv = parse_instrument_text('''
    ... instrument: demo
    ... version: 1.0.0
    ... title: Demo
    ... questions:
    ...   - {code: a, type: number, label: A, section: One}
    ...   - {code: b, type: number, label: B, section: One, relevant: "a > 1"}
    ...   - {code: c, type: number, label: C, section: Two}
    ... ''')
    >>> [p.codes for p in form_pages(iv)]
    [('a',), ('b',), ('c',)]
    """
    cache_key = (iv.instrument, str(iv.version), iv.content_hash)
    cached = _PAGES.get(cache_key)
    if cached is not None:
        return cached
    pages: list[FormPage] = []
    current: list[Question] = []
    for q in iv.questions:
        on_page = {c.code for c in current}
        if current and (q.section != current[0].section or _condition_refs(iv, q) & on_page):
            pages.append(FormPage(len(pages), current[0].section, tuple(current)))
            current = []
        current.append(q)
    if current:
        pages.append(FormPage(len(pages), current[0].section, tuple(current)))
    _PAGES[cache_key] = result = tuple(pages)
    return result


def visible_pages(iv: InstrumentVersion, answers: Mapping[str, Any]) -> list[FormPage]:
    """The pages with at least one question shown, given ``answers``."""
    return [p for p in form_pages(iv) if any(is_shown(iv, q, answers) for q in p.questions)]


def other_chosen(value: Any) -> bool:
    """Whether a choice answer picked ``other``."""
    return value == "other" or (isinstance(value, list) and "other" in value)


def clean_answers(iv: InstrumentVersion, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Only the answers to questions shown, given the answers kept before them."""
    kept: dict[str, Any] = {}
    for q in iv.questions:
        value = answers.get(q.code)
        if is_empty(value) or not is_shown(iv, q, kept):
            continue
        kept[q.code] = value
        other = answers.get(f"{q.code}.other")
        if q.other and other_chosen(value) and isinstance(other, str) and other:
            kept[f"{q.code}.other"] = other
    return kept


def path_taken(iv: InstrumentVersion, answers: Mapping[str, Any]) -> str | None:
    """The first path whose condition ``answers`` meet (None without one)."""
    return next((p.code for p in iv.paths if evaluate(p.when, answers)), None)
