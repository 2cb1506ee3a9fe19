"""Turning instrument YAML into an :class:`InstrumentVersion`.

This module checks structure only (fields, kinds, codes, question types) and
reports every problem it finds at once. Meaning (duplicate codes, logic,
translations, reachability) is checked by :mod:`survey.instrument.validate`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from survey.errors import Issue, LandscapeError, Location, issue
from survey.instrument.model import (
    CODE_PATTERN,
    LANGUAGES,
    InstrumentVersion,
    Option,
    PathRule,
    Question,
    QuestionType,
    RankingRule,
    Scale,
    Text,
    Translation,
    Version,
    canonical_hash,
    text_stamp,
)
from survey.instrument.yamlsource import LineDict, LineList, load_yaml, parse_yaml

_STAMP = re.compile(r"^[0-9a-f]{8}$")

__all__ = ["load_instrument", "parse_instrument", "parse_instrument_text"]

_TOP_FIELDS = {"instrument", "version", "status", "title", "description", "languages", "paths",
               "questions"}
_QUESTION_FIELDS = {
    "code", "type", "label", "hint", "required", "section", "path", "relevant", "concept",
    "options", "other", "ranking", "scale", "min", "max", "integer", "level", "max_length",
}
_OPTION_FIELDS = {"code", "label", "concept"}


class _Reader:
    """Collects issues while reading one file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.issues: list[Issue] = []

    def at(self, line: int | None, question: str | None = None) -> Location:
        return Location(file=self.file, line=line or None, question=question)

    def add(self, code: str, message: str, line: int | None, question: str | None = None) -> None:
        self.issues.append(issue(code, message, self.at(line, question)))

    # -- primitives ------------------------------------------------------
    def text(self, value: Any, line: int, what: str, question: str | None = None) -> Text | None:
        """A label: a plain string (English) or a mapping language -> text."""
        if isinstance(value, str):
            return Text({"en": Translation(value)}, line)
        if not isinstance(value, dict):
            self.add("I104", f"{what} must be text or a mapping of language to text", line,
                     question)
            return None
        translations: dict[str, Translation] = {}
        for lang, entry in value.items():
            entry_line = value.line_of(lang) if isinstance(value, LineDict) else line
            if lang not in LANGUAGES:
                self.add("I215", f"{what} has unknown language '{lang}'", entry_line, question)
                continue
            if isinstance(entry, str):
                translations[lang] = Translation(entry)
            elif isinstance(entry, dict) and isinstance(entry.get("text"), str):
                source = entry.get("source")
                if source is not None and not (
                    isinstance(source, str) and _STAMP.match(source)
                ):
                    # An unquoted stamp such as 01563525 is read by YAML as a number.
                    english = value.get("en")
                    example = text_stamp(english) if isinstance(english, str) else "85a39ab3"
                    self.add("I104", f"{what} in '{lang}': 'source' must be 8 hex digits in "
                             f"quotes, e.g. source: '{example}'", entry_line, question)
                    source = None
                translations[lang] = Translation(entry["text"], source)
            else:
                self.add("I104", f"{what} in '{lang}' must be text or {{text, source}}",
                         entry_line, question)
        if "en" not in translations or not translations["en"].text.strip():
            self.add("I203", f"{what} has no English ('en') text", line, question)
            return None
        return Text(translations, line)

    def code(self, value: Any, line: int, what: str, question: str | None = None) -> str | None:
        if not isinstance(value, str) or not CODE_PATTERN.match(value):
            self.add("I109", f"{what} '{value}' is not a valid code", line, question)
            return None
        return value

    def boolean(self, node: LineDict, key: str, default: bool, question: str | None) -> bool:
        value = node.get(key, default)
        if not isinstance(value, bool):
            self.add("I104", f"'{key}' must be true or false", node.line_of(key), question)
            return default
        return value

    def integer(self, node: LineDict, key: str, question: str | None) -> int | None:
        value = node.get(key)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            self.add("I104", f"'{key}' must be a whole number", node.line_of(key), question)
            return None
        return value

    def number(self, node: LineDict, key: str, question: str | None) -> float | None:
        value = node.get(key)
        if value is None:
            return None
        if not isinstance(value, int | float) or isinstance(value, bool):
            self.add("I104", f"'{key}' must be a number", node.line_of(key), question)
            return None
        return float(value)

    def unknown_fields(self, node: LineDict, allowed: set[str], what: str,
                       question: str | None = None) -> None:
        for key in node:
            if key not in allowed:
                self.add("I106", f"{what} has unknown field '{key}'", node.line_of(key), question)

    # -- parts -----------------------------------------------------------
    def option(self, node: Any, line: int, question: str) -> Option | None:
        if isinstance(node, str):
            self.add("I104", f"option '{node}' must be a mapping with 'code' and 'label'", line,
                     question)
            return None
        if not isinstance(node, LineDict):
            self.add("I104", "an option must be a mapping with 'code' and 'label'", line,
                     question)
            return None
        self.unknown_fields(node, _OPTION_FIELDS, "option", question)
        if "code" not in node:
            self.add("I103", "option has no 'code'", node.line, question)
            return None
        code = self.code(node["code"], node.line_of("code"), "option code", question)
        if "label" not in node:
            self.add("I103", f"option '{node['code']}' has no 'label'", node.line, question)
            return None
        label = self.text(node["label"], node.line_of("label"), f"option '{node['code']}' label",
                          question)
        concept = node.get("concept")
        if concept is not None:
            concept = self.code(concept, node.line_of("concept"), "concept", question)
        if code is None or label is None:
            return None
        return Option(code=code, label=label, concept=concept, line=node.line)

    def ranking_rule(self, node: Any, line: int, question: str, n_options: int) -> RankingRule:
        if node is None:
            return RankingRule()
        if not isinstance(node, LineDict):
            self.add("I211", "'ranking' must be a mapping with 'mode' and 'ties'", line, question)
            return RankingRule()
        mode = node.get("mode", "full")
        ties = node.get("ties", "forbid")
        k = self.integer(node, "k", question)
        if mode not in ("full", "top_k"):
            self.add("I211", f"ranking mode '{mode}' is not 'full' or 'top_k'",
                     node.line_of("mode"), question)
            mode = "full"
        if ties not in ("forbid", "allow"):
            self.add("I211", f"ranking ties '{ties}' is not 'forbid' or 'allow'",
                     node.line_of("ties"), question)
            ties = "forbid"
        if mode == "top_k" and (k is None or not 1 <= k <= max(n_options, 1)):
            self.add("I211", f"top_k ranking needs k between 1 and {n_options}, got {k}",
                     node.line_of("k"), question)
            k = n_options
        if mode == "full" and k is not None:
            self.add("I211", "a full ranking takes no 'k'", node.line_of("k"), question)
            k = None
        return RankingRule(mode=mode, k=k, ties=ties)

    def scale(self, node: Any, line: int, question: str) -> Scale | None:
        if not isinstance(node, LineDict):
            self.add("I216", "a rating needs 'scale: {min, max, labels}'", line, question)
            return None
        lo, hi = self.integer(node, "min", question), self.integer(node, "max", question)
        if lo is None or hi is None or lo >= hi:
            self.add("I216", f"scale min {lo} must be below max {hi}", node.line, question)
            return None
        labels: dict[int, Text] = {}
        raw = node.get("labels") or {}
        if isinstance(raw, LineDict):
            for key, value in raw.items():
                try:
                    point = int(key)
                except ValueError:
                    point = lo - 1
                if not lo <= point <= hi:
                    self.add("I216", f"scale label for point {key} is outside {lo}..{hi}",
                             raw.line_of(key), question)
                    continue
                text = self.text(value, raw.line_of(key), f"scale label {key}", question)
                if text is not None:
                    labels[point] = text
        return Scale(min=lo, max=hi, labels=labels)

    def options(self, node: LineDict, qtype: QuestionType, qname: str | None) -> list[Option]:
        """A question's options (``I212`` when a choice or ranking question has none)."""
        options: list[Option] = []
        raw_options = node.get("options")
        if raw_options is not None:
            if not isinstance(raw_options, list):
                self.add("I104", "'options' must be a list", node.line_of("options"), qname)
            else:
                lines = getattr(raw_options, "item_lines", [node.line] * len(raw_options))
                for item, item_line in zip(raw_options, lines, strict=True):
                    opt = self.option(item, item_line, qname or "?")
                    if opt is not None:
                        options.append(opt)
        if qtype in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE,
                     QuestionType.RANKING) and raw_options is None:
            self.add("I212", f"a {qtype} question needs 'options'", node.line, qname)
        return options

    def place_level(self, node: LineDict, qname: str | None) -> str:
        """A place question's level: 'nation' or 'region' (the default)."""
        level = node.get("level") or "region"
        if level not in ("nation", "region"):
            self.add("I104", f"place level '{level}' is not 'nation' or 'region'",
                     node.line_of("level"), qname)
            level = "region"
        return str(level)

    def optional_code(self, node: LineDict, key: str, qname: str | None) -> str | None:
        """The code under ``key`` (e.g. ``path``, ``concept``), checked, or None."""
        value = node.get(key)
        return None if value is None else self.code(value, node.line_of(key), key, qname)

    def question(self, node: Any, line: int) -> Question | None:
        if not isinstance(node, LineDict):
            self.add("I104", "a question must be a mapping", line)
            return None
        raw_code = node.get("code")
        qname = raw_code if isinstance(raw_code, str) else None
        self.unknown_fields(node, _QUESTION_FIELDS, "question", qname)
        if "code" not in node:
            self.add("I103", "question has no 'code'", node.line)
            return None
        code = self.code(raw_code, node.line_of("code"), "question code")
        if "type" not in node:
            self.add("I103", "question has no 'type'", node.line, qname)
            return None
        try:
            qtype = QuestionType(node["type"])
        except ValueError:
            self.add("I105", f"'{node['type']}' is not a question type", node.line_of("type"),
                     qname)
            return None
        if "label" not in node:
            self.add("I103", "question has no 'label'", node.line, qname)
            return None
        label = self.text(node["label"], node.line_of("label"), "label", qname)
        hint = None
        if "hint" in node:
            hint = self.text(node["hint"], node.line_of("hint"), "hint", qname)
        options = self.options(node, qtype, qname)
        ranking = None
        if qtype is QuestionType.RANKING:
            ranking = self.ranking_rule(node.get("ranking"), node.line_of("ranking"),
                                        qname or "?", len(options))
        scale = None
        if qtype is QuestionType.RATING:
            scale = self.scale(node.get("scale"), node.line_of("scale"), qname or "?")
        level = self.place_level(node, qname) if qtype is QuestionType.PLACE else None
        relevant = node.get("relevant")
        if relevant is not None and not isinstance(relevant, str):
            self.add("I104", "'relevant' must be an expression in quotes",
                     node.line_of("relevant"), qname)
            relevant = None
        path = self.optional_code(node, "path", qname)
        concept = self.optional_code(node, "concept", qname)
        section = node.get("section")
        required = self.boolean(node, "required", qtype is QuestionType.CONSENT, qname)
        other = self.boolean(node, "other", False, qname)
        if code is None or label is None:
            return None
        return Question(
            code=code,
            type=qtype,
            label=label,
            line=node.line,
            hint=hint,
            required=required,
            section=None if section is None else str(section),
            path=path,
            relevant=relevant,
            relevant_line=node.line_of("relevant") if relevant else 0,
            concept=concept,
            options=tuple(options),
            other=other,
            ranking=ranking,
            scale=scale,
            minimum=self.number(node, "min", qname),
            maximum=self.number(node, "max", qname),
            integer=self.boolean(node, "integer", False, qname),
            place_level=level,
            max_length=self.integer(node, "max_length", qname),
        )

    def languages(self, data: LineDict) -> list[str]:
        """The instrument's languages (``I215`` unless supported and including 'en')."""
        languages = data.get("languages", ["en"])
        if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
            self.add("I104", "'languages' must be a list such as [en, cy]",
                     data.line_of("languages"))
            languages = ["en"]
        for lang in languages:
            if lang not in LANGUAGES:
                self.add("I215", f"language '{lang}' is not supported", data.line_of("languages"))
        if "en" not in languages:
            self.add("I215", "'languages' must include 'en'", data.line_of("languages"))
        return [str(lang) for lang in languages]

    def paths(self, data: LineDict) -> list[PathRule]:
        """The instrument's paths (a mapping of path code to {label, when})."""
        paths: list[PathRule] = []
        raw_paths = data.get("paths")
        if raw_paths is not None and not isinstance(raw_paths, LineDict):
            self.add("I104", "'paths' must be a mapping of path code to {label, when}",
                     data.line_of("paths"))
        elif raw_paths is not None:
            for pcode, pnode in raw_paths.items():
                rule = self.path_rule(pcode, pnode, raw_paths.line_of(pcode))
                if rule is not None:
                    paths.append(rule)
        return paths

    def questions(self, data: LineDict) -> list[Question]:
        """The instrument's questions (a non-empty list)."""
        questions: list[Question] = []
        raw_questions = data["questions"]
        if not isinstance(raw_questions, LineList) or not raw_questions:
            self.add("I104", "'questions' must be a non-empty list", data.line_of("questions"))
        else:
            for item, line in zip(raw_questions, raw_questions.item_lines, strict=True):
                q = self.question(item, line)
                if q is not None:
                    questions.append(q)
        return questions

    def path_rule(self, code: str, node: Any, line: int) -> PathRule | None:
        if not isinstance(node, LineDict) or "when" not in node:
            self.add("I103", f"path '{code}' needs 'label' and 'when'", line)
            return None
        label = self.text(node.get("label", code), node.line_of("label"), f"path '{code}' label")
        when = node["when"]
        if not isinstance(when, str):
            self.add("I104", f"path '{code}' 'when' must be an expression", node.line_of("when"))
            return None
        if self.code(code, line, "path code") is None or label is None:
            return None
        return PathRule(code=code, label=label, when=when, line=node.line_of("when"))


def parse_instrument(data: Any, file: str = "<string>") -> InstrumentVersion:
    """Build an :class:`InstrumentVersion` from parsed YAML, or raise every structural issue.

    Examples
    --------
    >>> iv = parse_instrument_text('''
    ... instrument: demo
    ... version: 1.0.0
    ... title: Demo
    ... questions:
    ...   - {code: name, type: free_text, label: 'Your name?'}
    ... ''')
    >>> iv.ref, iv.questions[0].type.value
    ('demo@1.0.0', 'free_text')
    """
    r = _Reader(file)
    if not isinstance(data, LineDict):
        raise LandscapeError.of("I102", "the file is not a YAML mapping", Location(file=file,
                                                                                   line=1))
    missing = [k for k in ("instrument", "version", "title", "questions") if k not in data]
    if missing:
        raise LandscapeError.of("I102", f"missing {', '.join(repr(m) for m in missing)}",
                                Location(file=file, line=data.line))
    r.unknown_fields(data, _TOP_FIELDS, "instrument")
    instrument = r.code(data["instrument"], data.line_of("instrument"), "instrument id")
    try:
        version = Version.parse(str(data["version"]))
    except ValueError as exc:
        r.add("I107", str(exc), data.line_of("version"))
        version = Version(0, 0, 0)
    title = r.text(data["title"], data.line_of("title"), "title")
    description = None
    if "description" in data:
        description = r.text(data["description"], data.line_of("description"), "description")
    status = data.get("status", "draft")
    if status not in ("draft", "published"):
        r.add("I104", f"status '{status}' is not 'draft' or 'published'", data.line_of("status"))
    languages = r.languages(data)
    paths = r.paths(data)
    questions = r.questions(data)
    if r.issues:
        raise LandscapeError(r.issues)
    assert instrument is not None and title is not None
    return InstrumentVersion(
        instrument=instrument,
        version=version,
        title=title,
        description=description,
        languages=tuple(languages),
        questions=tuple(questions),
        paths=tuple(paths),
        status=str(status),
        source_file=file,
        content_hash=canonical_hash(data),
        data=dict(data),
    )


def parse_instrument_text(text: str, file: str = "<string>") -> InstrumentVersion:
    """Parse instrument YAML text (see :func:`parse_instrument`)."""
    return parse_instrument(parse_yaml(text, file), file)


def load_instrument(path: Path) -> InstrumentVersion:
    """Load one instrument file and check its name matches its content (``I108``)."""
    iv = parse_instrument(load_yaml(path), str(path))
    expected = (iv.instrument, f"{iv.version}.yaml")
    if (path.parent.name, path.name) != expected:
        raise LandscapeError.of(
            "I108",
            f"the file says {iv.ref}, so it belongs at {iv.instrument}/{iv.version}.yaml "
            "in an instruments directory",
            Location(file=str(path), line=1),
        )
    return iv
