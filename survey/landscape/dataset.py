"""The 2022 landscape dataset: hand-built data files, validated and merged with the registry.

The files (``survey/data/landscape/2022/*.yaml``, format in the README there) list themes and
barriers, organisations (new bodies, or amendments of registry bodies) and partnerships,
each with its sources in the report. :func:`load_dataset` reads every file, checks every
entry and reports **all** problems as coded ``L1xx`` issues with ``file:line``; if there is
any problem nothing is returned (the caller stores nothing). The result is one
:class:`~survey.landscape.records.LandscapeData`: the registry's organisations, amended and
extended by the dataset, and the dataset's partnerships, themes and barriers.

Examples
--------
>>> data = load_dataset()
>>> wrexham = next(o for o in data.organisations if o.key == "wrexham-university")
>>> wrexham.name, "Wrexham Glyndwr University" in [a.text for a in wrexham.aliases]
('Wrexham University', True)
>>> joint = next(p for p in data.partnerships if p.key == "city-redi-wmca-joint-post")
>>> joint.kind, joint.members, joint.provenance[0].reference
('joint_post', ('city-redi', 'west-midlands-combined-authority'), 'report 3.37')
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from survey.errors import Issue, LandscapeError, Location, issue
from survey.instrument.places import NATIONS, REGIONS, nation_of
from survey.instrument.yamlsource import LineDict, load_yaml
from survey.landscape.records import (
    ORGANISATION_TYPES,
    PARTNERSHIP_KINDS,
    PLACE_TYPES,
    PROVENANCE_KINDS,
    Alias,
    Barrier,
    LandscapeData,
    Organisation,
    Partnership,
    Provenance,
    Theme,
)
from survey.landscape.registry import Registry, load_registry

__all__ = ["DATASET", "DATASET_LABEL", "dataset_dir", "load_dataset", "source_provenance"]

#: The dataset's name, as written in every file's ``dataset:`` key.
DATASET = "landscape_2022"
DATASET_LABEL = ("hand-built from the 2022 landscape report (Metro Dynamics for ESRC); "
                 "'inferred' in a source's detail marks what the report does not say")
_TOP = {"dataset", "themes", "barriers", "organisations", "partnerships"}
_SOURCE_FIELDS = {"kind", "reference", "detail"}
_ORG_FIELDS = {"key", "registry", "name", "type", "nation", "region", "place_type", "aliases",
               "themes", "barriers", "identifiers", "part_of", "note", "sources", "detail"}
_PARTNERSHIP_FIELDS = {"key", "name", "kind", "members", "themes", "barriers", "start_year",
                       "funding", "outcomes", "sources", "detail"}
_CODE_FIELDS = {"code", "label", "sources", "detail"}
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_PARAGRAPH = re.compile(r"^\d\.\d{1,2}$")


def dataset_dir() -> Path:
    """The folder of the shipped 2022 dataset files."""
    return Path(str(resources.files("survey") / "data" / "landscape" / "2022"))


def source_provenance(source: str, detail: str = "") -> Provenance:
    """The provenance of a source written in a data file.

    ``"3.37"`` is a report paragraph, ``"fn 10"`` a footnote, ``"Case Study 1"`` a case
    study, ``"Table 1 (Wrexham)"`` an interview area of the report's Table 1.

    Examples
    --------
    >>> source_provenance("Table 1 (Wrexham)")
    Provenance(kind='interview_area', reference='report Table 1 (Wrexham)', detail='', \
recorded_by=None, recorded_at=None)
    """
    text = source.strip()
    kind = ("case_study" if text.lower().startswith("case study") else
            "interview_area" if text.lower().startswith("table 1") else "report")
    return Provenance(kind, f"report {text}", detail)


@dataclass
class _Reader:
    """Collects issues while reading one file."""

    file: str
    issues: list[Issue]

    def add(self, code: str, message: str, line: int) -> None:
        self.issues.append(issue(code, message, Location(file=self.file, line=line)))

    def text(self, entry: LineDict, key: str, *, required: bool = False) -> str | None:
        value = entry.get(key)
        if value is None:
            if required:
                self.add("L103", f"'{key}' is missing", entry.line)
            return None
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.add("L108", f"'{key}' must be text", entry.line_of(key))
            return None
        return str(value)

    def texts(self, entry: LineDict, key: str) -> list[str]:
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.add("L108", f"'{key}' must be a list of codes or keys", entry.line_of(key))
            return []
        return list(value)

    def code(self, entry: LineDict, key: str, allowed: Iterable[str], *,
             required: bool = False) -> str | None:
        value = self.text(entry, key, required=required)
        if value is not None and value not in allowed:
            self.add("L104", f"{key} '{value}' is not one of: {_closest(value, allowed)}",
                     entry.line_of(key))
            return None
        return value

    def fields(self, entry: Any, allowed: set[str], what: str, line: int) -> bool:
        if not isinstance(entry, LineDict):
            self.add("L108", f"each {what} must be a mapping of fields", line)
            return False
        for key in entry:
            if key not in allowed:
                self.add("L107", f"unknown field '{key}' in {what}; fields are: "
                         f"{', '.join(sorted(allowed))}", entry.line_of(key))
        return True

    def sources(self, entry: LineDict) -> tuple[Provenance, ...]:
        detail = self.text(entry, "detail") or ""
        raw = entry.get("sources")
        if raw is None:
            self.add("L103", "'sources' is missing: give the report paragraph(s) it comes "
                     "from, e.g. [\"3.37\"]", entry.line)
            return ()
        if not isinstance(raw, list) or not raw:
            self.add("L108", "'sources' must be a non-empty list", entry.line_of("sources"))
            return ()
        out: list[Provenance] = []
        for item, line in zip(raw, getattr(raw, "item_lines", [entry.line] * len(raw)),
                              strict=False):
            if isinstance(item, str):
                if not (_PARAGRAPH.match(item) or re.match(
                        r"^(fn \d+|Case Study \d|Table 1( \(.+\))?|\d\.\d{1,2}-\d\.\d{1,2})$",
                        item)):
                    self.add("L108", f"source '{item}' is not a paragraph (3.37), a footnote "
                             "(fn 10), a case study (Case Study 1) or Table 1 (AREA)", line)
                    continue
                out.append(source_provenance(item, detail))
            elif isinstance(item, LineDict) and self.fields(item, _SOURCE_FIELDS, "source",
                                                            line):
                kind = self.code(item, "kind", PROVENANCE_KINDS, required=True)
                reference = self.text(item, "reference", required=True)
                if kind and reference:
                    out.append(Provenance(kind, reference, self.text(item, "detail") or detail))
            else:
                self.add("L108", "a source is a text such as \"3.37\" or a mapping with "
                         "kind and reference", line)
        return tuple(out)


def _closest(value: str, allowed: Iterable[str]) -> str:
    options = sorted(allowed)
    near = difflib.get_close_matches(value, options, n=3, cutoff=0.5)
    shown = ", ".join(options) if len(options) <= 16 else ", ".join(options[:16]) + ", ..."
    return (f"{shown} (closest: {', '.join(near)})" if near else shown)


_PLACES = {p.code for p in (*REGIONS, *NATIONS)}
_NATION_CODES = {p.code for p in NATIONS}


def _read_file(path: Path, issues: list[Issue]) -> LineDict | None:
    try:
        document = load_yaml(path)
    except LandscapeError as exc:
        for problem in exc.issues:  # YAML syntax: the same place, the landscape's own code
            issues.append(issue("L101", problem.message, problem.location))
        return None
    if not isinstance(document, LineDict) or document.get("dataset") != DATASET:
        issues.append(issue("L102", f"expected a mapping with 'dataset: {DATASET}'",
                            Location(file=str(path), line=getattr(document, "line", 1))))
        return None
    reader = _Reader(str(path), issues)
    reader.fields(document, _TOP, "data file", 1)
    return document


def _entries(document: LineDict, key: str, reader: _Reader) -> list[LineDict]:
    value = document.get(key, [])
    if not isinstance(value, list):
        reader.add("L108", f"'{key}' must be a list", document.line_of(key))
        return []
    lines = getattr(value, "item_lines", [document.line_of(key)] * len(value))
    return [entry for entry, line in zip(value, lines, strict=False)
            if reader.fields(entry, {"themes": _CODE_FIELDS, "barriers": _CODE_FIELDS,
                                     "organisations": _ORG_FIELDS,
                                     "partnerships": _PARTNERSHIP_FIELDS}[key],
                             key[:-1], line)]


def _aliases(reader: _Reader, entry: LineDict, sources: Sequence[Provenance]) -> list[Alias]:
    raw = entry.get("aliases", [])
    if not isinstance(raw, list):
        reader.add("L108", "'aliases' must be a list", entry.line_of("aliases"))
        return []
    base = sources[0] if sources else Provenance("report", "report")
    out = []
    for item in raw:
        if isinstance(item, str):
            out.append(Alias(item, base))
        elif isinstance(item, LineDict) and isinstance(item.get("text"), str):
            reader.fields(item, {"text", "detail"}, "alias", item.line)
            out.append(Alias(item["text"], replace(base, detail=str(item.get("detail", "")))))
        else:
            reader.add("L108", "an alias is a name, or a mapping with text and detail",
                       entry.line_of("aliases"))
    return out


def _organisation(reader: _Reader, entry: LineDict, registry: Registry,
                  themes: set[str], barriers: set[str]) -> Organisation | None:
    sources = reader.sources(entry)
    base: Organisation | None = None
    registry_key = reader.text(entry, "registry")
    if registry_key is not None:
        base = registry.by_key.get(registry_key)
        if base is None:
            reader.add("L105", f"'{registry_key}' is not a registry key; closest: "
                       f"{_closest(registry_key, registry.by_key)}", entry.line_of("registry"))
            return None
    key = reader.text(entry, "key", required=base is None) or (base.key if base else None)
    if key is not None and not _KEY.match(key):
        reader.add("L108", f"key '{key}' must be lower-case letters, digits and '-'",
                   entry.line_of("key"))
    name = reader.text(entry, "name", required=base is None) or (base.name if base else None)
    kind = reader.code(entry, "type", ORGANISATION_TYPES, required=base is None) or (
        base.type if base else None)
    region = reader.code(entry, "region", _PLACES) or (base.region if base else None)
    nation = reader.code(entry, "nation", _NATION_CODES) or (base.nation if base else None)
    if region is not None and nation is None:
        nation = nation_of(region)
    if region is not None and nation is not None and nation_of(region) != nation:
        reader.add("L104", f"region '{region}' is not in nation '{nation}'",
                   entry.line_of("region"))
    place_type = reader.code(entry, "place_type", PLACE_TYPES) or (
        base.place_type if base else None)
    own_themes = reader.texts(entry, "themes")
    own_barriers = reader.texts(entry, "barriers")
    for code in own_themes:
        if code not in themes:
            reader.add("L104", f"theme '{code}' is not defined; closest: "
                       f"{_closest(code, themes)}", entry.line_of("themes"))
    for code in own_barriers:
        if code not in barriers:
            reader.add("L104", f"barrier '{code}' is not a barrier codebook code: "
                       f"{_closest(code, barriers)}", entry.line_of("barriers"))
    aliases = _aliases(reader, entry, sources)
    identifiers = dict(base.identifiers) if base else {}
    part_of = reader.text(entry, "part_of")
    if part_of:
        identifiers["part_of"] = part_of
    if key is None or name is None or kind is None:
        return None
    if base is not None:
        renamed = [Alias(base.name, base.provenance[0])] if name != base.name else []
        aliases = [*base.aliases, *renamed, *aliases]
    return Organisation(
        key=key, name=name, type=kind, nation=nation, region=region, place_type=place_type,
        identifiers=identifiers, aliases=tuple(aliases),
        themes=tuple(dict.fromkeys([*(base.themes if base else ()), *own_themes])),
        barriers=tuple(dict.fromkeys(own_barriers)),
        provenance=(*(base.provenance if base else ()), *sources),
        note=reader.text(entry, "note") or (base.note if base else ""))


def _partnership(reader: _Reader, entry: LineDict, themes: set[str],
                 barriers: set[str]) -> tuple[Partnership, list[str]] | None:
    sources = reader.sources(entry)
    key = reader.text(entry, "key", required=True)
    name = reader.text(entry, "name", required=True)
    kind = reader.code(entry, "kind", PARTNERSHIP_KINDS, required=True)
    members = reader.texts(entry, "members")
    if "members" not in entry:
        reader.add("L103", "'members' is missing", entry.line)
    elif len(set(members)) < 2:
        reader.add("L108", "a partnership needs two or more different members",
                   entry.line_of("members"))
    start = entry.get("start_year")
    if start is not None and (not isinstance(start, int) or not 1900 <= start <= 2100):
        reader.add("L108", "'start_year' must be a year such as 2020", entry.line_of("start_year"))
        start = None
    own_themes, own_barriers = reader.texts(entry, "themes"), reader.texts(entry, "barriers")
    for code in own_themes:
        if code not in themes:
            reader.add("L104", f"theme '{code}' is not defined; closest: "
                       f"{_closest(code, themes)}", entry.line_of("themes"))
    for code in own_barriers:
        if code not in barriers:
            reader.add("L104", f"barrier '{code}' is not a barrier codebook code: "
                       f"{_closest(code, barriers)}", entry.line_of("barriers"))
    if key is None or name is None or kind is None:
        return None
    return Partnership(key=key, name=name, kind=kind, members=tuple(members),
                       themes=tuple(own_themes), barriers=tuple(own_barriers),
                       start_year=start, funding=reader.text(entry, "funding"),
                       outcomes=reader.text(entry, "outcomes"),
                       provenance=sources), members


_Unique = Callable[[str, str, "_Reader", int], bool]


def _read_codes(documents: list[tuple[Path, LineDict]], issues: list[Issue],
                labels: Mapping[str, str] | None, unique: _Unique
                ) -> tuple[list[Theme], list[Barrier]]:
    themes: list[Theme] = []
    barriers: list[Barrier] = []
    for path, doc in documents:
        reader = _Reader(str(path), issues)
        for entry in _entries(doc, "themes", reader):
            code, label = reader.text(entry, "code", required=True), reader.text(
                entry, "label", required=True)
            sources = reader.sources(entry)
            if code and label and unique("theme", code, reader, entry.line):
                themes.append(Theme(code, label, sources))
        for entry in _entries(doc, "barriers", reader):
            code = (reader.code(entry, "code", labels, required=True) if labels is not None
                    else reader.text(entry, "code", required=True))
            label = reader.text(entry, "label", required=labels is None)
            sources = reader.sources(entry)
            if code and unique("barrier", code, reader, entry.line):
                shown = labels[code] if labels is not None else label
                barriers.append(Barrier(code, shown or code, (*sources, Provenance(
                    "report", "barrier codebook instruments/codebooks/barriers.yaml"))))
    return themes, barriers


def _read_organisations(documents: list[tuple[Path, LineDict]], issues: list[Issue],
                        registry: Registry, themes: set[str], barriers: set[str],
                        unique: _Unique) -> dict[str, Organisation]:
    organisations: dict[str, Organisation] = dict(registry.by_key)
    replaced: set[str] = set()
    for path, doc in documents:
        reader = _Reader(str(path), issues)
        for entry in _entries(doc, "organisations", reader):
            org = _organisation(reader, entry, registry, themes, barriers)
            if org is None or not unique("organisation", org.key, reader, entry.line):
                continue
            base_key = entry.get("registry")
            if base_key and base_key != org.key:
                replaced.add(str(base_key))
            elif org.key in registry.by_key and not base_key:
                reader.add("L106", f"'{org.key}' is a registry key: amend it with "
                           f"'registry: {org.key}'", entry.line_of("key"))
                continue
            organisations[org.key] = org
    for key in replaced:
        organisations.pop(key, None)
    for org in organisations.values():
        part_of = org.identifiers.get("part_of")
        if part_of and part_of not in organisations:
            issues.append(issue("L105", f"{org.key}: part_of '{part_of}' is not an "
                                "organisation key"))
    return organisations


def _read_partnerships(documents: list[tuple[Path, LineDict]], issues: list[Issue],
                       organisations: Mapping[str, Organisation], themes: set[str],
                       barriers: set[str], unique: _Unique) -> list[Partnership]:
    partnerships: list[Partnership] = []
    for path, doc in documents:
        reader = _Reader(str(path), issues)
        for entry in _entries(doc, "partnerships", reader):
            made = _partnership(reader, entry, themes, barriers)
            if made is None or not unique("partnership", made[0].key, reader, entry.line):
                continue
            partnerships.append(made[0])
            for member in made[1]:
                if member not in organisations:
                    reader.add("L105", f"member '{member}' is not an organisation key; "
                               f"closest: {_closest(member, organisations)}",
                               entry.line_of("members"))
    return partnerships


def load_dataset(paths: Sequence[Path] | None = None, *, registry: Registry | None = None,
                 barrier_labels: Mapping[str, str] | None = None) -> LandscapeData:
    """Read, check and merge the dataset files with the registry (all or nothing).

    Parameters
    ----------
    paths : sequence of Path, optional
        The data files; default every ``*.yaml`` in :func:`dataset_dir`.
    registry : Registry, optional
        Default: :func:`survey.landscape.registry.load_registry`.
    barrier_labels : mapping, optional
        The barrier codebook's codes and labels: barrier codes must be among them and
        their labels are used (callers above ``survey.coding`` pass them). Without it,
        the files' own labels are used.

    Raises
    ------
    LandscapeError
        Every problem found, each ``L1xx`` with ``file:line``.
    """
    registry = registry or load_registry()
    files = sorted(paths) if paths is not None else sorted(dataset_dir().glob("*.yaml"))
    issues: list[Issue] = []
    documents = [(path, doc) for path in files
                 if (doc := _read_file(path, issues)) is not None]
    seen: dict[str, str] = {}

    def unique(kind: str, key: str, reader: _Reader, line: int) -> bool:
        where = seen.get(f"{kind}:{key}")
        if where is not None:
            reader.add("L106", f"{kind} '{key}' is given twice (first at {where})", line)
            return False
        seen[f"{kind}:{key}"] = f"{reader.file}:{line}"
        return True

    theme_list, barrier_list = _read_codes(documents, issues, barrier_labels, unique)
    themes = {t.code for t in theme_list}
    barriers = {b.code for b in barrier_list}
    organisations = _read_organisations(documents, issues, registry, themes, barriers, unique)
    partnerships = _read_partnerships(documents, issues, organisations, themes, barriers,
                                      unique)
    if issues:
        raise LandscapeError(issues)
    return LandscapeData(tuple(sorted(organisations.values(), key=lambda o: o.key)),
                         tuple(sorted(partnerships, key=lambda p: p.key)),
                         tuple(sorted(theme_list, key=lambda t: t.code)),
                         tuple(sorted(barrier_list, key=lambda b: b.code)))
