"""The form's words and look, kept out of Python.

Interface texts (by language) are in ``dashboard/templates/form/text.yaml``, the
stylesheet in ``dashboard/static/form.css``; answer problems are worded by
:mod:`survey.answers.messages`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from survey.instrument.model import Text

__all__ = ["FORM_CSS", "LANGUAGE_NAMES", "UI", "Label", "localise", "ui_text"]

_HERE = Path(__file__).resolve().parent.parent

#: Interface texts: language -> key -> text (``str.format`` fields in braces).
UI: dict[str, dict[str, str]] = yaml.safe_load(
    (_HERE / "templates" / "form" / "text.yaml").read_text(encoding="utf-8"))
#: The stylesheet of every form page.
FORM_CSS: str = (_HERE / "static" / "form.css").read_text(encoding="utf-8")
LANGUAGE_NAMES = {"en": "English", "cy": "Cymraeg"}


@dataclass(frozen=True, slots=True)
class Label:
    """A text to show, and the language it is in (for the lang attribute)."""

    text: str
    lang: str
    #: The answer model's problem code, for a message about an answer's problem.
    problem: str | None = None


def localise(text: Text, lang: str) -> Label:
    """``text`` in ``lang`` if translated, else in English (with its language)."""
    if lang in text.translations:
        return Label(text.translations[lang].text, lang)
    return Label(text.en, "en")


def ui_text(lang: str, key: str, **values: Any) -> Label:
    """Interface text ``key`` in ``lang``, with ``values`` filled in."""
    return Label(UI[lang][key].format(**values), lang)
