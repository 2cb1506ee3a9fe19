"""Reading YAML while remembering where each value came from.

Error messages must name file:line, so the loader keeps the line of every
mapping and of every key inside it.

YAML files are input a person writes or is sent, so the reader bounds what it
builds: mappings and lists nest at most :data:`MAX_DEPTH` deep (``I111``; a
file nested thousands deep would otherwise exhaust Python's recursion limit)
and a number is at most :data:`MAX_NUMBER_CHARS` characters long (``I112``;
Python refuses to convert integers of more than 4,300 digits, and a float that
long is silently infinite).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from survey.errors import LandscapeError, Location
from survey.text import control_name, first_control

__all__ = ["MAX_DEPTH", "MAX_NUMBER_CHARS", "LineDict", "LineList", "load_yaml", "parse_yaml",
           "with_lines"]

#: The deepest nesting of mappings and lists a YAML file may have (the shipped
#: instruments, codebooks and maps need fewer than ten levels).
MAX_DEPTH = 32

#: The longest number, in characters, a YAML file may hold.
MAX_NUMBER_CHARS = 40


class LineDict(dict[str, Any]):
    """A mapping that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A sequence that knows its own line and the line of each item (1-based)."""

    line: int = 0
    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    """A safe loader that records lines and bounds nesting depth and number size."""

    def __init__(self, stream: str, file: str) -> None:
        super().__init__(stream)
        self.file = file
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if not self.check_event(yaml.CollectionStartEvent):
            return super().compose_node(parent, index)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                line = self.peek_event().start_mark.line + 1
                raise LandscapeError.of(
                    "I111", f"a mapping or list is nested more than {MAX_DEPTH} levels deep",
                    Location(file=self.file, line=line))
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _bounded_number(construct: Any) -> Any:
    """A number constructor that first refuses numbers over :data:`MAX_NUMBER_CHARS`."""

    def bounded(loader: _LineLoader, node: yaml.ScalarNode) -> Any:
        if len(node.value) > MAX_NUMBER_CHARS:
            raise LandscapeError.of(
                "I112", f"a number {len(node.value):,} characters long (at most "
                f"{MAX_NUMBER_CHARS} are allowed)",
                Location(file=loader.file, line=node.start_mark.line + 1))
        return construct(loader, node)

    return bounded


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            # YAML 1.1 turns bare yes/no/on/off keys into booleans; codes are strings.
            key = str(key).lower() if isinstance(key, bool) else str(key)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_LineLoader.add_constructor("tag:yaml.org,2002:int",
                            _bounded_number(yaml.SafeLoader.construct_yaml_int))
_LineLoader.add_constructor("tag:yaml.org,2002:float",
                            _bounded_number(yaml.SafeLoader.construct_yaml_float))
# Keep yes/no/on/off as text: option codes such as `yes` must not become booleans.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    __import__("re").compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def with_lines(value: Any, line: int = 1) -> Any:
    """Plain parsed data (from JSON, say) as :func:`parse_yaml` gives it: every mapping a
    :class:`LineDict` and every list a :class:`LineList`, all at ``line``.

    Examples
    --------
    >>> data = with_lines({"a": [1, {"b": None}]})
    >>> type(data).__name__, type(data["a"]).__name__, data.line_of("a")
    ('LineDict', 'LineList', 1)
    """
    if isinstance(value, dict):
        mapping = LineDict((str(k), with_lines(v, line)) for k, v in value.items())
        mapping.line = line
        mapping.key_lines = {k: line for k in mapping}
        return mapping
    if isinstance(value, list):
        items = LineList(with_lines(v, line) for v in value)
        items.line = line
        items.item_lines = [line] * len(items)
        return items
    return value


def parse_yaml(text: str, file: str = "<string>") -> Any:
    """Parse YAML text, raising ``I101`` with the file and line on bad syntax.

    Raises
    ------
    LandscapeError
        ``I101`` bad syntax, ``I111`` nested too deep, ``I112`` a number too long.

    Examples
    --------
    >>> parse_yaml("a: [1, 2.5, yes]")
    {'a': [1, 2.5, 'yes']}
    >>> parse_yaml("a: " + "[" * 40 + "]" * 40, "deep.yaml")
    Traceback (most recent call last):
    survey.errors.LandscapeError: deep.yaml:1: error I111 ...
    """
    where = first_control(text)
    if where is not None:
        at = text.count("\n", 0, where - 1) + 1
        raise LandscapeError.of("I101", f"line {at} holds the control character "
                                f"{control_name(text)}; text may hold tabs and line breaks "
                                "only", Location(file=file, line=at))
    try:
        loader = _LineLoader(text, file)
    except yaml.reader.ReaderError as exc:
        # Characters YAML refuses beyond the C0 controls (DEL, C1 controls, U+FFFE).
        at = text.count("\n", 0, exc.position) + 1
        raise LandscapeError.of("I101", f"line {at} holds the character U+{exc.character:04X},"
                                " which YAML does not allow", Location(file=file, line=at)
                                ) from None
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        detail = exc.problem or exc.context or str(exc)
        raise LandscapeError.of("I101", str(detail), Location(file=file, line=line)) from None
    except yaml.YAMLError as exc:
        raise LandscapeError.of("I101", str(exc), Location(file=file)) from None
    finally:
        loader.dispose()


def load_yaml(path: Path) -> Any:
    """Read and parse a YAML file (UTF-8, with or without BOM)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LandscapeError.of(
            "I101", f"not UTF-8 text ({exc.reason} at byte {exc.start})", Location(file=str(path))
        ) from None
    return parse_yaml(text, str(path))
