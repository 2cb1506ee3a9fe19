"""Participant information: what a respondent reads before they consent.

One file per instrument, ``<instruments>/<instrument>/information.yaml``, serves all
its versions (published version files are locked by hash, and what the survey tells
people about who runs it and how data are kept is not part of a questionnaire's
version). It has the six parts a participant information sheet needs, each with a
text per language of the instrument::

    instrument: researcher
    status: reconstructed   # or: final
    note: "Reconstructed for the 2022 instruments; not the text respondents saw."
    sections:
      who:        {en: "...", cy: "..."}
      purpose:    {en: "..."}
      data_use:   {en: "..."}
      retention:  {en: "..."}
      contact:    {en: "..."}
      withdrawal: {en: "..."}

Text is plain: the form shows it escaped, never as HTML or Markdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from survey.errors import LandscapeError, Location, issue
from survey.instrument.yamlsource import LineDict, load_yaml

__all__ = ["SECTIONS", "ParticipantInformation", "information_path", "load_information"]

#: The parts, in the order they are shown, with their headings.
SECTIONS: dict[str, dict[str, str]] = {
    "who": {"en": "Who runs this survey", "cy": "Pwy sy'n cynnal yr arolwg hwn"},
    "purpose": {"en": "Why we are asking", "cy": "Pam rydym yn gofyn"},
    "data_use": {"en": "How your answers are used", "cy": "Sut y defnyddir eich atebion"},
    "retention": {"en": "How long we keep them", "cy": "Am ba hyd y byddwn yn eu cadw"},
    "contact": {"en": "Who to contact", "cy": "Gyda phwy i gysylltu"},
    "withdrawal": {"en": "Withdrawing", "cy": "Tynnu'n ôl"},
}

_STATUSES = ("reconstructed", "final")


@dataclass(frozen=True, slots=True)
class ParticipantInformation:
    """An instrument's participant information, per section and language."""

    instrument: str
    status: str
    note: str
    sections: dict[str, dict[str, str]]

    @property
    def reconstructed(self) -> bool:
        return self.status == "reconstructed"

    def in_language(self, lang: str) -> list[tuple[str, str]]:
        """``(heading, text)`` pairs in ``lang``, falling back to English per section."""
        return [(SECTIONS[code].get(lang, SECTIONS[code]["en"]),
                 texts.get(lang) or texts["en"])
                for code, texts in self.sections.items()]


def information_path(root: Path, instrument: str) -> Path:
    """Where ``instrument``'s participant information lives under catalogue ``root``."""
    return root / instrument / "information.yaml"


def _text_map(value: Any, where: Location, section: str,
              languages: tuple[str, ...]) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise LandscapeError.of("I104", f"section '{section}' must map languages to text",
                                where)
    missing = [lang for lang in languages if not str(value.get(lang, "")).strip()]
    if missing:
        raise LandscapeError.of(
            "I120", f"section '{section}' has no text in {', '.join(missing)}", where)
    return {str(k): str(v) for k, v in value.items()}


def load_information(root: Path, instrument: str,
                     languages: tuple[str, ...] = ("en",)) -> ParticipantInformation | None:
    """Read and check ``instrument``'s participant information (``None`` when it has none).

    Every section of :data:`SECTIONS` must be present, with text in each of
    ``languages``; otherwise ``LandscapeError`` (``I120``) with file:line.

    Examples
    --------
    >>> from survey.instrument.registry import instruments_dir
    >>> info = load_information(instruments_dir(), "local_government", ("en", "cy"))
    >>> info.reconstructed, [h for h, _ in info.in_language("en")][:2]
    (True, ['Who runs this survey', 'Why we are asking'])
    """
    path = information_path(root, instrument)
    if not path.is_file():
        return None
    data = load_yaml(path)
    top = Location(file=str(path), line=1)
    if not isinstance(data, LineDict):
        raise LandscapeError.of("I104", "participant information must be a mapping", top)
    status = str(data.get("status", ""))
    if status not in _STATUSES:
        raise LandscapeError.of("I104", f"status must be one of {', '.join(_STATUSES)}", top)
    if data.get("instrument") != instrument:
        raise LandscapeError.of("I108", f"the file says instrument '{data.get('instrument')}' "
                                f"but sits in the folder of '{instrument}'", top)
    raw = data.get("sections")
    if not isinstance(raw, LineDict):
        raise LandscapeError.of("I103", "participant information needs 'sections'", top)
    problems = []
    sections: dict[str, dict[str, str]] = {}
    for code in SECTIONS:
        where = Location(file=str(path), line=raw.line_of(code) if code in raw else None)
        if code not in raw:
            problems.append(issue("I120", f"section '{code}' is missing", top))
            continue
        try:
            sections[code] = _text_map(raw[code], where, code, languages)
        except LandscapeError as exc:
            problems.extend(exc.issues)
    for code in raw:
        if code not in SECTIONS:
            problems.append(issue("I106", f"unknown section '{code}' (known: "
                                  f"{', '.join(SECTIONS)})",
                                  Location(file=str(path), line=raw.line_of(code))))
    if problems:
        raise LandscapeError(problems)
    return ParticipantInformation(instrument, status, str(data.get("note", "")), sections)
