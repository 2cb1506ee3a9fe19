"""The typed instrument model: what a survey version asks, and how.

An :class:`InstrumentVersion` is one immutable version of one instrument
(``local_government@1.0.0``). It is built from YAML by
:func:`survey.instrument.loader.parse_instrument`; see ``instruments/FORMAT.md``
for the file format.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import total_ordering
from typing import Any

__all__ = [
    "LANGUAGES",
    "OTHER_TEXT_LIMIT",
    "TEXT_LIMITS",
    "ChoiceQuestionTypes",
    "InstrumentVersion",
    "Option",
    "PathRule",
    "Question",
    "QuestionType",
    "RankingRule",
    "Scale",
    "Text",
    "Translation",
    "Version",
    "canonical_hash",
    "text_stamp",
]

#: Languages an instrument may use. English is required; Welsh is supported.
LANGUAGES: dict[str, str] = {"en": "English", "cy": "Cymraeg"}

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


class QuestionType(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    RANKING = "ranking"
    FREE_TEXT = "free_text"
    RATING = "rating"
    NUMBER = "number"
    ORGANISATION = "organisation"
    PLACE = "place"
    CONSENT = "consent"


#: The default length limit (characters) of a text answer, by question type; a question's
#: ``max_length`` overrides it (``instruments/FORMAT.md``). A default here needs no edit of
#: a published (hash-locked) instrument file.
TEXT_LIMITS: dict[QuestionType, int] = {QuestionType.FREE_TEXT: 10_000,
                                        QuestionType.ORGANISATION: 300}

#: The length limit of the "please specify" text of an ``other`` choice.
OTHER_TEXT_LIMIT = 500

ChoiceQuestionTypes = frozenset(
    {QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.RANKING}
)


def text_stamp(english: str) -> str:
    """The stamp a translation records of the English text it was made from.

    Eight hex digits of SHA-256 over the whitespace-normalised English text.

    Examples
    --------
    >>> text_stamp("Yes")
    '85a39ab3'
    """
    normalised = " ".join(english.split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:8]


@dataclass(frozen=True, slots=True)
class Translation:
    """A text in one language; ``source`` stamps the English it translates."""

    text: str
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Text:
    """A label in several languages. ``en`` is always present."""

    translations: dict[str, Translation]
    line: int = 0

    @property
    def en(self) -> str:
        return self.translations["en"].text

    def get(self, language: str, fallback: bool = True) -> str | None:
        """The text in ``language``, falling back to English when allowed."""
        if language in self.translations:
            return self.translations[language].text
        return self.en if fallback else None

    def languages(self) -> set[str]:
        return set(self.translations)

    def is_stale(self, language: str) -> bool:
        """True when the translation's stamp no longer matches the English text."""
        tr = self.translations.get(language)
        if tr is None or tr.source is None or language == "en":
            return False
        return tr.source != text_stamp(self.en)

    def as_data(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for lang, tr in self.translations.items():
            out[lang] = tr.text if tr.source is None else {"text": tr.text, "source": tr.source}
        return out


@total_ordering
@dataclass(frozen=True, slots=True)
class Version:
    """A semantic version MAJOR.MINOR.PATCH."""

    major: int
    minor: int
    patch: int

    _PATTERN = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")

    @classmethod
    def parse(cls, text: str) -> Version:
        m = cls._PATTERN.match(str(text).strip())
        if not m:
            raise ValueError(f"'{text}' is not MAJOR.MINOR.PATCH")
        return cls(int(m[1]), int(m[2]), int(m[3]))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    @classmethod
    def sort_key(cls, text: str) -> tuple[int, int, int]:
        """The key that sorts version text by version (text that is not a version first).

        Examples
        --------
        >>> sorted(["1.10.0", "1.2.0", "draft"], key=Version.sort_key)
        ['draft', '1.2.0', '1.10.0']
        """
        try:
            parsed = cls.parse(text)
        except ValueError:
            return (-1, -1, -1)
        return (parsed.major, parsed.minor, parsed.patch)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return (self.major, self.minor, self.patch) < (other.major, other.minor, other.patch)

    def bump_kind(self, newer: Version) -> str:
        """How ``newer`` bumps this version: 'major', 'minor', 'patch' or 'none'."""
        if newer.major != self.major:
            return "major"
        if newer.minor != self.minor:
            return "minor"
        if newer.patch != self.patch:
            return "patch"
        return "none"


@dataclass(frozen=True, slots=True)
class Option:
    """One answer option. ``concept`` lines up mirrored options across instruments."""

    code: str
    label: Text
    concept: str | None = None
    line: int = 0


@dataclass(frozen=True, slots=True)
class RankingRule:
    """How a ranking question must be answered.

    ``mode`` is ``full`` (rank every option) or ``top_k`` (rank the best ``k``).
    ``ties`` is ``forbid`` (each position used once) or ``allow`` (equal ranks
    permitted; analysis then uses the mid-rank convention).
    """

    mode: str = "full"
    k: int | None = None
    ties: str = "forbid"

    def positions(self, n_options: int) -> int:
        """How many rank positions a complete answer fills."""
        return n_options if self.mode == "full" else int(self.k or n_options)


@dataclass(frozen=True, slots=True)
class Scale:
    """A rating scale from ``min`` to ``max`` with optional point labels."""

    min: int
    max: int
    labels: dict[int, Text] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PathRule:
    """A named route through the questionnaire, taken when ``when`` holds."""

    code: str
    label: Text
    when: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class Question:
    """One question. Only the fields that fit its ``type`` are set."""

    code: str
    type: QuestionType
    label: Text
    line: int = 0
    hint: Text | None = None
    required: bool = False
    section: str | None = None
    path: str | None = None
    relevant: str | None = None
    relevant_line: int = 0
    concept: str | None = None
    options: tuple[Option, ...] = ()
    other: bool = False
    ranking: RankingRule | None = None
    scale: Scale | None = None
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    place_level: str | None = None
    max_length: int | None = None

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)

    @property
    def text_limit(self) -> int | None:
        """The most characters a text answer may have: ``max_length``, else the type's
        default (:data:`TEXT_LIMITS`); None for a question whose answer is not text."""
        return self.max_length if self.max_length is not None else TEXT_LIMITS.get(self.type)

    @property
    def option_codes(self) -> tuple[str, ...]:
        return tuple(o.code for o in self.options)


@dataclass(frozen=True, slots=True)
class InstrumentVersion:
    """One version of one survey instrument, as published or drafted."""

    instrument: str
    version: Version
    title: Text
    languages: tuple[str, ...]
    questions: tuple[Question, ...]
    paths: tuple[PathRule, ...] = ()
    status: str = "draft"
    description: Text | None = None
    source_file: str | None = None
    content_hash: str = ""
    data: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def ref(self) -> str:
        """``instrument@version``, the way people and files name this version."""
        return f"{self.instrument}@{self.version}"

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    def question(self, code: str) -> Question | None:
        return next((q for q in self.questions if q.code == code), None)

    def index_of(self, code: str) -> int:
        for i, q in enumerate(self.questions):
            if q.code == code:
                return i
        raise KeyError(code)

    def path(self, code: str) -> PathRule | None:
        return next((p for p in self.paths if p.code == code), None)

    def ranking_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.type is QuestionType.RANKING)


def canonical_hash(data: Any) -> str:
    """SHA-256 of an instrument's content, independent of YAML layout and comments.

    ``status`` is left out so that publishing a draft does not change its hash.
    """

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    content = {k: v for k, v in plain(data).items() if k != "status"}
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(blob.encode("utf-8")).hexdigest()
