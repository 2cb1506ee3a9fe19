"""Codebooks for free-text answers: themes and the rules that find them.

A codebook is a versioned YAML file under ``instruments/codebooks/``. Each theme
has a stable code, an English label, a description quoting the report paragraph
it comes from, and rules applied automatically:

``keywords``
    Words or phrases, matched case-insensitively as whole words. Spaces and
    hyphens inside a phrase are interchangeable (``short-term`` also finds
    ``short term``); a trailing ``*`` allows any word ending (``reorgani*``).
``patterns``
    Python regular expressions, matched case-insensitively. Write ``\\b`` for
    word boundaries; quote patterns in single quotes in YAML.
``exclude``
    Patterns naming phrases that look like the theme but are not, e.g.
    ``business turnover`` for staff turnover: a rule match overlapping an
    exclusion is ignored.

Codebook-level ``negation_guards`` are patterns such as ``not a problem``: a match
in the same clause as a guard is ignored ("Funding is not a problem for us").

:func:`load_codebook` reports every problem at once, each with file:line and a
``C1xx`` code from :mod:`survey.errors`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from survey.errors import Issue, LandscapeError, Location, issue
from survey.instrument.model import CODE_PATTERN, Version
from survey.instrument.registry import instruments_dir
from survey.instrument.yamlsource import LineDict, LineList, load_yaml, parse_yaml

__all__ = [
    "Codebook",
    "Rule",
    "Theme",
    "default_codebook_path",
    "keyword_regex",
    "load_codebook",
    "parse_codebook_text",
]

_TOP_FIELDS = {"codebook", "version", "question", "concept", "title", "description", "source",
               "negation_guards", "themes"}
_THEME_FIELDS = {"code", "label", "description", "source", "keywords", "patterns", "exclude"}

RuleKind = Literal["keyword", "pattern", "exclude", "guard"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One keyword or pattern, compiled, with the line it was written on."""

    kind: RuleKind
    source: str
    regex: re.Pattern[str] = field(compare=False)
    line: int = 0

    @property
    def name(self) -> str:
        """How the rule is named in audit columns, e.g. ``keyword:funding``."""
        return f"{self.kind}:{self.source}"


@dataclass(frozen=True, slots=True)
class Theme:
    """A theme: stable code, labels, report source and its rules."""

    code: str
    label: str
    description: str
    source: str
    rules: tuple[Rule, ...]
    exclusions: tuple[Rule, ...] = ()
    translations: tuple[tuple[str, str], ...] = ()
    line: int = 0


@dataclass(frozen=True, slots=True)
class Codebook:
    """A parsed, validated codebook."""

    name: str
    version: Version
    themes: tuple[Theme, ...]
    negation_guards: tuple[Rule, ...] = ()
    question: str | None = None
    concept: str | None = None
    title: str = ""
    source: str = ""
    file: str = "<string>"

    @property
    def ref(self) -> str:
        """``name@version``, recorded beside every coding."""
        return f"{self.name}@{self.version}"

    @property
    def codes(self) -> list[str]:
        """Theme codes in codebook order."""
        return [t.code for t in self.themes]

    def theme(self, code: str) -> Theme:
        """The theme with this code; ``C111`` if there is none."""
        for theme in self.themes:
            if theme.code == code:
                return theme
        raise LandscapeError.of(
            "C111", f"'{code}' is not a theme of codebook {self.ref}; themes are: "
            + ", ".join(self.codes),
        )

    def __iter__(self) -> Iterator[Theme]:
        return iter(self.themes)


def default_codebook_path(name: str = "barriers") -> Path:
    """Where the shipped codebook ``name`` lives (``<instruments>/codebooks/<name>.yaml``).

    Examples
    --------
    >>> default_codebook_path().name
    'barriers.yaml'
    """
    return instruments_dir() / "codebooks" / f"{name}.yaml"


def load_codebook(path: Path | str | None = None) -> Codebook:
    """Read and validate a codebook file (default: the shipped barriers codebook).

    Raises
    ------
    LandscapeError
        With every problem found (``I101`` for YAML syntax, ``C1xx`` otherwise).

    Examples
    --------
    >>> codebook = load_codebook()
    >>> codebook.ref
    'barriers@1.0.0'
    >>> codebook.codes[0]
    'resources_capacity_funding'
    """
    file = Path(path) if path is not None else default_codebook_path()
    if not file.is_file():
        raise LandscapeError.of(
            "C101", f"no codebook file at {file}", Location(file=str(file))
        )
    return _build(load_yaml(file), str(file))


def parse_codebook_text(text: str, file: str = "<string>") -> Codebook:
    """Parse and validate codebook YAML given as text.

    Examples
    --------
    >>> cb = parse_codebook_text('''
    ... codebook: demo
    ... version: 1.0.0
    ... themes:
    ...   - code: funding
    ...     label: Funding
    ...     description: Mentions money.
    ...     source: "3.58"
    ...     keywords: [funding, budget*]
    ... ''')
    >>> cb.themes[0].rules[1].name
    'keyword:budget*'
    """
    return _build(parse_yaml(text, file), file)


# -- building -----------------------------------------------------------------


def keyword_regex(keyword: str) -> str:
    """The regular expression a keyword stands for (whole words; compiled case-insensitive).

    Examples
    --------
    >>> bool(re.search(keyword_regex("short-term"), "short term money", re.I))
    True
    >>> bool(re.search(keyword_regex("fund"), "fundamental"))
    False
    """
    stem = keyword.strip()
    wildcard = stem.endswith("*")
    if wildcard:
        stem = stem[:-1]
    words = [w for w in re.split(r"[\s\-]+", stem) if w]
    body = r"[\s\-]+".join(re.escape(w) for w in words)
    if wildcard:
        body += r"\w*"
    return rf"(?<!\w){body}(?!\w)"


class _Reader:
    """Collects issues while reading one codebook file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.issues: list[Issue] = []

    def add(self, code: str, message: str, line: int | None) -> None:
        self.issues.append(issue(code, message, Location(file=self.file, line=line or None)))

    def text(self, data: LineDict, key: str, what: str, required: bool = True) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                self.add("C102", f"{what} has no '{key}'", data.line)
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)  # e.g. source: 3.58 written without quotes
        if not isinstance(value, str) or not value.strip():
            self.add("C103", f"{what}: '{key}' must be non-empty text", data.line_of(key))
            return None
        return value.strip()

    def unknown_fields(self, data: LineDict, allowed: set[str], what: str) -> None:
        for key in data:
            if key not in allowed:
                self.add("C104", f"{what} has unknown field '{key}'; allowed: "
                         + ", ".join(sorted(allowed)), data.line_of(key))

    def rules(self, data: LineDict, key: str, kind: RuleKind, what: str) -> list[Rule]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.add("C103", f"{what}: '{key}' must be a list of text", data.line_of(key))
            return []
        lines = value.item_lines if isinstance(value, LineList) else []
        out: list[Rule] = []
        for index, item in enumerate(value):
            line = lines[index] if index < len(lines) else data.line_of(key)
            rule = self.rule(item, kind, line, f"{what}, {key} item {index + 1}")
            if rule is not None:
                out.append(rule)
        return out

    def rule(self, item: Any, kind: RuleKind, line: int, what: str) -> Rule | None:
        if not isinstance(item, str) or not item.strip():
            self.add("C103", f"{what} must be non-empty text", line)
            return None
        source = item.strip()
        expression = keyword_regex(source) if kind == "keyword" else source
        try:
            regex = re.compile(expression, re.IGNORECASE)
        except re.error as exc:
            at = f" at position {exc.pos}" if exc.pos is not None else ""
            self.add("C108", f"{what} '{source}' is not a valid regular expression: "
                     f"{exc.msg}{at}", line)
            return None
        if regex.search("") is not None:
            self.add("C109", f"{what} '{source}' matches empty text", line)
            return None
        return Rule(kind, source, regex, line)


def _build(data: Any, file: str) -> Codebook:
    reader = _Reader(file)
    if not isinstance(data, LineDict) or not {"codebook", "version", "themes"} <= set(data):
        have = ", ".join(sorted(data)) if isinstance(data, dict) else type(data).__name__
        line = data.line if isinstance(data, LineDict) else None
        raise LandscapeError.of(
            "C101", f"expected 'codebook', 'version' and 'themes'; found: {have or 'nothing'}",
            Location(file=file, line=line),
        )
    reader.unknown_fields(data, _TOP_FIELDS, "codebook")
    name = reader.text(data, "codebook", "codebook") or ""
    if name and not CODE_PATTERN.match(name):
        reader.add("C106", f"codebook name '{name}' is not lower_snake_case",
                   data.line_of("codebook"))
    version = Version(0, 0, 0)
    try:
        version = Version.parse(str(data["version"]))
    except ValueError:
        reader.add("C105", f"version '{data['version']}' is not MAJOR.MINOR.PATCH",
                   data.line_of("version"))
    question = reader.text(data, "question", "codebook", required=False)
    concept = reader.text(data, "concept", "codebook", required=False)
    title = reader.text(data, "title", "codebook", required=False) or ""
    reader.text(data, "description", "codebook", required=False)
    source = reader.text(data, "source", "codebook", required=False) or ""
    guards = reader.rules(data, "negation_guards", "guard", "negation_guards")

    raw_themes = data["themes"]
    themes: list[Theme] = []
    if not isinstance(raw_themes, list) or not raw_themes:
        reader.add("C103", "'themes' must be a non-empty list of themes",
                   data.line_of("themes"))
        raw_themes = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_themes):
        theme = _theme(reader, raw, index, data.line_of("themes"))
        if theme is None:
            continue
        if theme.code in seen:
            reader.add("C107", f"theme code '{theme.code}' is used twice (first at line "
                       f"{seen[theme.code]})", theme.line)
            continue
        seen[theme.code] = theme.line
        themes.append(theme)
    if reader.issues:
        raise LandscapeError(reader.issues)
    return Codebook(name, version, tuple(themes), tuple(guards), question, concept, title, source,
                    file)


def _theme(reader: _Reader, raw: Any, index: int, list_line: int) -> Theme | None:
    what = f"theme {index + 1}"
    if not isinstance(raw, LineDict):
        reader.add("C103", f"{what} must be a mapping with code, label, description, source "
                   "and rules", list_line)
        return None
    code = reader.text(raw, "code", what)
    if code is not None:
        what = f"theme '{code}'"
        if not CODE_PATTERN.match(code):
            reader.add("C106", f"theme code '{code}' is not lower_snake_case",
                       raw.line_of("code"))
            code = None
    reader.unknown_fields(raw, _THEME_FIELDS, what)
    label, translations = _label(reader, raw, what)
    description = reader.text(raw, "description", what)
    source = reader.text(raw, "source", what)
    rules = (reader.rules(raw, "keywords", "keyword", what)
             + reader.rules(raw, "patterns", "pattern", what))
    exclusions = reader.rules(raw, "exclude", "exclude", what)
    if not rules and "keywords" not in raw and "patterns" not in raw:
        reader.add("C110", f"{what} has no keywords or patterns", raw.line)
    if code is None or label is None or description is None or source is None:
        return None
    return Theme(code, label, description, source, tuple(rules), tuple(exclusions),
                 translations, raw.line)


def _label(reader: _Reader, raw: LineDict, what: str) -> tuple[str | None,
                                                              tuple[tuple[str, str], ...]]:
    value = raw.get("label")
    if isinstance(value, dict):
        texts = {str(k): v for k, v in value.items() if isinstance(v, str) and v.strip()}
        if "en" not in texts:
            reader.add("C102", f"{what}: label has no English ('en') text", raw.line_of("label"))
            return None, ()
        return texts["en"].strip(), tuple(sorted((k, v.strip()) for k, v in texts.items()
                                                 if k != "en"))
    return reader.text(raw, "label", what), ()
