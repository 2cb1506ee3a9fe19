"""The harmonisation map: how answers from different versions line up for analysis.

Answers collected with ``local_government@1.0.0`` and ``local_government@1.1.0``,
or with the mirrored ``local_government`` and ``researcher`` instruments, are
compared question by question and option by option. :func:`harmonise` says which
question (and option) in one version corresponds to which in another.

Default rules, which need no entry in the map:

1. a question (or option) lines up with the one carrying the same ``concept`` in
   the other version; when several share it (the challenges question is asked on
   both paths), with the one of them that has the same code;
2. otherwise, within one instrument, a question with the same code lines up;
   within two aligned questions, an option with the same code lines up;
3. rule 2 does not apply when both sides carry a concept and the concepts differ
   (the files say they measure different things).

``instruments/harmonisation.yaml`` adds what the defaults cannot know::

    mirrors:                       # instrument pairs whose answers are compared
      - [local_government, researcher]
    links:
      - from: local_government@1.0.0
        to: local_government@1.1.0
        note: why the versions differ (free text, optional)
        questions:                 # from-code: to-code (renamed), or null (no counterpart)
          old_code: new_code
        options:                   # per from-question: from-option: to-option, or null
          priorities:
            grants: funding        # two options may map to one (a merge)

A link also serves the reverse direction; alignment across versions with no
direct link follows a chain of links (1.0.0 -> 1.1.0 -> 1.2.0) when there is
one, and otherwise uses the default rules alone. Different instruments are
aligned only when the map declares them mirrors.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from survey.errors import Issue, LandscapeError, Location, issue
from survey.instrument.model import InstrumentVersion, Option, Question, Version
from survey.instrument.registry import Catalogue, parse_ref
from survey.instrument.yamlsource import LineDict, LineList, load_yaml

__all__ = [
    "HARMONISATION_FILE",
    "HarmonisationMap",
    "QuestionAlignment",
    "VersionLink",
    "common_concepts",
    "harmonise",
    "load_harmonisation",
]

#: The map's file name inside the instruments directory.
HARMONISATION_FILE = "harmonisation.yaml"

#: A key of an alignment: (question code, option code), option None for the question itself.
AlignmentKey = tuple[str, str | None]


@dataclass(frozen=True)
class VersionLink:
    """Explicit overrides from one version to another (``from`` -> ``to`` in the file).

    ``questions`` maps a question code in ``source`` to its code in ``target``
    (``None``: no counterpart); ``options`` maps, per question code in
    ``source``, an option code to the option code in the aligned target question.
    """

    source: str
    target: str
    questions: dict[str, str | None] = field(default_factory=dict)
    options: dict[str, dict[str, str | None]] = field(default_factory=dict)
    note: str | None = None
    line: int = 0


@dataclass(frozen=True)
class HarmonisationMap:
    """Declared mirror pairs and per-version-pair overrides (see the module docs)."""

    mirrors: frozenset[frozenset[str]] = frozenset()
    links: tuple[VersionLink, ...] = ()
    source_file: str | None = None

    def are_mirrors(self, a: str, b: str) -> bool:
        """True for the same instrument or a declared mirror pair."""
        return a == b or frozenset((a, b)) in self.mirrors

    def link(self, source: str, target: str) -> VersionLink | None:
        """The link declared from ``source`` to ``target`` (both ``ID@VERSION``), if any."""
        return next((k for k in self.links if (k.source, k.target) == (source, target)), None)


@dataclass(frozen=True)
class QuestionAlignment(Mapping[AlignmentKey, AlignmentKey | None]):
    """How one version's answers map onto another's.

    A mapping from ``(question, None)`` and ``(question, option)`` in ``source``
    to the corresponding key in ``target``, or ``None`` where there is no
    counterpart. ``unmatched`` lists the target's questions and options that
    nothing in ``source`` maps to (new in ``target``).
    """

    source: str
    target: str
    pairs: dict[AlignmentKey, AlignmentKey | None]
    unmatched: tuple[AlignmentKey, ...] = ()

    def __getitem__(self, key: AlignmentKey) -> AlignmentKey | None:
        return self.pairs[key]

    def __iter__(self) -> Iterator[AlignmentKey]:
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    def question(self, code: str) -> str | None:
        """The target question that ``code`` lines up with, or None."""
        hit = self.pairs.get((code, None))
        return None if hit is None else hit[0]

    def option(self, question: str, option: str) -> AlignmentKey | None:
        """The target (question, option) that an answer option lines up with, or None."""
        return self.pairs.get((question, option))


# -- default matching ---------------------------------------------------------


_Item = TypeVar("_Item", Question, Option)


def _default_match(item: _Item, target_items: Sequence[_Item], by_code: bool) -> _Item | None:
    """Rules 1-3 of the module docs for one question or option."""
    same_code = next((t for t in target_items if t.code == item.code), None)
    if item.concept is not None:
        by_concept = [t for t in target_items if t.concept == item.concept]
        if len(by_concept) == 1:
            return by_concept[0]
        if same_code is not None and same_code in by_concept:
            return same_code  # a concept asked twice (e.g. on both paths): prefer the code
    if not by_code or same_code is None:
        return None
    if item.concept is not None and same_code.concept is not None:
        return None  # both say what they measure, and it differs (or is ambiguous)
    return same_code


def _target_question(question: Question, source: InstrumentVersion, target: InstrumentVersion,
                     overrides: dict[str, str | None]) -> Question | None:
    if question.code in overrides:
        code = overrides[question.code]
        return None if code is None else target.question(code)
    return _default_match(question, target.questions,
                          by_code=source.instrument == target.instrument)


def _align_forward(source: InstrumentVersion, target: InstrumentVersion,
                   q_over: dict[str, str | None],
                   o_over: dict[str, dict[str, str | None]]) -> QuestionAlignment:
    pairs: dict[AlignmentKey, AlignmentKey | None] = {}
    for q in source.questions:
        tq = _target_question(q, source, target, q_over)
        pairs[(q.code, None)] = None if tq is None else (tq.code, None)
        for o in q.options:
            hit = None
            if tq is not None:
                if o.code in o_over.get(q.code, {}):
                    code = o_over[q.code][o.code]
                    hit = None if code is None else tq.option(code)
                else:
                    hit = _default_match(o, tq.options, by_code=True)
            pairs[(q.code, o.code)] = None if tq is None or hit is None else (tq.code, hit.code)
    reached = {v for v in pairs.values() if v is not None}
    unmatched: list[AlignmentKey] = []
    for tq in target.questions:
        for key in [(tq.code, None), *((tq.code, o.code) for o in tq.options)]:
            if key not in reached:
                unmatched.append(key)
    return QuestionAlignment(source.ref, target.ref, pairs, tuple(unmatched))


def _invert(forward: QuestionAlignment, source: InstrumentVersion,
            target: InstrumentVersion) -> QuestionAlignment:
    """Reverse an alignment; a target reached from several sources (a merge) maps to none."""
    back: dict[AlignmentKey, list[AlignmentKey]] = {}
    for key, value in forward.pairs.items():
        if value is not None:
            back.setdefault(value, []).append(key)
    pairs: dict[AlignmentKey, AlignmentKey | None] = {}
    for q in source.questions:
        for key in [(q.code, None), *((q.code, o.code) for o in q.options)]:
            hits = back.get(key, [])
            pairs[key] = hits[0] if len(hits) == 1 else None
    reached = {v for v in pairs.values() if v is not None}
    unmatched = tuple(k for k in forward.pairs if k not in reached)
    return QuestionAlignment(source.ref, target.ref, pairs, unmatched)


def _chain(hmap: HarmonisationMap, instrument: str, start: Version,
           end: Version) -> list[VersionLink] | None:
    """Links of one instrument leading from ``start`` up to ``end``, taking the longest
    step each time; None when they do not reach."""
    steps: list[VersionLink] = []
    current = start
    while current != end:
        candidates = []
        for link in hmap.links:
            src_name, src_v = parse_ref(link.source)
            dst_name, dst_v = parse_ref(link.target)
            if (src_name == dst_name == instrument and src_v == current and dst_v is not None
                    and current < dst_v <= end):
                candidates.append((dst_v, link))
        if not candidates:
            return None
        current, link = max(candidates, key=lambda pair: pair[0])
        steps.append(link)
    return steps


def _compose(steps: list[VersionLink]) -> tuple[dict[str, str | None],
                                                dict[str, dict[str, str | None]]]:
    """Follow each explicit rename through a chain of links.

    Only codes some link mentions are followed; the rest are left to the default
    rules between the two end versions.
    """
    q_over: dict[str, str | None] = {}
    o_over: dict[str, dict[str, str | None]] = {}
    # current code of each followed question (None once it has no counterpart)
    followed: dict[str, str | None] = {}
    followed_opts: dict[tuple[str, str], str | None] = {}
    for link in steps:
        for origin, now in list(followed.items()):
            if now is not None and now in link.questions:
                followed[origin] = link.questions[now]
        for code, to in link.questions.items():
            if code not in followed.values() and code not in followed:
                followed[code] = to
        for (origin_q, origin_o), now_o in list(followed_opts.items()):
            now_q = followed.get(origin_q, origin_q)
            if now_o is not None and now_q is not None and now_o in link.options.get(now_q, {}):
                followed_opts[(origin_q, origin_o)] = link.options[now_q][now_o]
        for qcode, mapping in link.options.items():
            origin_q = next((o for o, n in followed.items() if n == qcode), qcode)
            for ocode, to in mapping.items():
                if (origin_q, ocode) not in followed_opts:
                    followed_opts[(origin_q, ocode)] = to
    q_over.update(followed)
    for (qcode, ocode), to in followed_opts.items():
        o_over.setdefault(qcode, {})[ocode] = to
    return q_over, o_over


def harmonise(source: InstrumentVersion, target: InstrumentVersion,
              hmap: HarmonisationMap | None = None) -> QuestionAlignment:
    """Line up the questions and options of ``source`` with those of ``target``.

    Raises ``I304`` when the two belong to different instruments that the map
    does not declare mirrors.

    Examples
    --------
    >>> from survey.instrument.loader import parse_instrument_text
    >>> def demo(version, extra=""):
    ...     return parse_instrument_text(
    ...         f"instrument: demo\\nversion: {version}\\ntitle: Demo\\nquestions:\\n"
    ...         "  - code: pick\\n    type: single_choice\\n    label: Pick\\n"
    ...         f"    options: [{{code: a, label: A}}, {{code: b, label: B}}{extra}]\\n")
    >>> al = harmonise(demo("1.0.0"), demo("1.1.0", ", {code: c, label: C}"))
    >>> al[("pick", "a")], al.unmatched
    (('pick', 'a'), (('pick', 'c'),))
    """
    hmap = hmap or HarmonisationMap()
    if not hmap.are_mirrors(source.instrument, target.instrument):
        raise LandscapeError.of(
            "I304",
            f"{source.instrument} and {target.instrument} are not declared mirrors; add "
            f"[{source.instrument}, {target.instrument}] under 'mirrors' in "
            f"{hmap.source_file or HARMONISATION_FILE} to compare them",
        )
    direct = hmap.link(source.ref, target.ref)
    if direct is not None:
        return _align_forward(source, target, direct.questions, direct.options)
    reverse = hmap.link(target.ref, source.ref)
    if reverse is not None:
        forward = _align_forward(target, source, reverse.questions, reverse.options)
        return _invert(forward, source, target)
    if source.instrument == target.instrument and source.version != target.version:
        if source.version < target.version:
            steps = _chain(hmap, source.instrument, source.version, target.version)
            if steps is not None:
                return _align_forward(source, target, *_compose(steps))
        else:
            steps = _chain(hmap, source.instrument, target.version, source.version)
            if steps is not None:
                return _invert(_align_forward(target, source, *_compose(steps)),
                               source, target)
    return _align_forward(source, target, {}, {})


def common_concepts(ivs: Sequence[InstrumentVersion]) -> list[str]:
    """Concept codes (of questions and options) present in every version given.

    In the order they first appear in the first version; these are what the
    local-government and researcher instruments can be compared on.

    Examples
    --------
    >>> from survey.instrument.loader import parse_instrument_text
    >>> def demo(name, concepts):
    ...     return parse_instrument_text(
    ...         f"instrument: {name}\\nversion: 1.0.0\\ntitle: T\\nquestions:\\n" + "".join(
    ...         f"  - {{code: q{i}, type: free_text, label: L, concept: {c}}}\\n"
    ...         for i, c in enumerate(concepts)))
    >>> common_concepts([demo("a", ["x", "y", "z"]), demo("b", ["z", "x"])])
    ['x', 'z']
    """
    def concepts(iv: InstrumentVersion) -> list[str]:
        out: list[str] = []
        for q in iv.questions:
            for concept in (q.concept, *(o.concept for o in q.options)):
                if concept is not None and concept not in out:
                    out.append(concept)
        return out

    if not ivs:
        return []
    others = [set(concepts(iv)) for iv in ivs[1:]]
    return [c for c in concepts(ivs[0]) if all(c in other for other in others)]


# -- loading and validating the map ------------------------------------------

_TOP_FIELDS = {"mirrors", "links"}
_LINK_FIELDS = {"from", "to", "note", "questions", "options"}


class _MapReader:
    def __init__(self, catalogue: Catalogue, file: str) -> None:
        self.catalogue = catalogue
        self.file = file
        self.issues: list[Issue] = []
        self._versions: dict[str, InstrumentVersion | None] = {}

    def add(self, message: str, line: int | None, question: str | None = None) -> None:
        self.issues.append(issue("I304", message, Location(file=self.file, line=line or None,
                                                           question=question)))

    def version(self, ref: Any, line: int, what: str) -> InstrumentVersion | None:
        if not isinstance(ref, str) or "@" not in ref:
            self.add(f"'{what}' must be ID@VERSION, e.g. local_government@1.0.0", line)
            return None
        if ref not in self._versions:
            try:
                self._versions[ref] = self.catalogue.load(ref)
            except LandscapeError as exc:
                self._versions[ref] = None
                self.add(f"'{what}: {ref}' does not load: {exc.issues[0].message}", line)
                return None
        loaded = self._versions[ref]
        if loaded is None:
            self.add(f"'{what}: {ref}' does not load", line)
        return loaded

    def code_map(self, node: Any, line: int, what: str) -> dict[str, str | None] | None:
        if node is None:
            return {}
        if not isinstance(node, LineDict):
            self.add(f"'{what}' must map codes to codes (or null)", line)
            return None
        out: dict[str, str | None] = {}
        for key, value in node.items():
            if value is not None and not isinstance(value, str):
                self.add(f"'{what}': '{key}' must map to a code or null, not {value!r}",
                         node.line_of(key))
                continue
            out[key] = value
        return out

    def mirrors(self, node: Any, line: int) -> set[frozenset[str]]:
        known = set(self.catalogue.refs())
        out: set[frozenset[str]] = set()
        if node is None:
            return out
        if not isinstance(node, LineList):
            self.add("'mirrors' must be a list of instrument pairs, e.g. "
                     "[local_government, researcher]", line)
            return out
        for item, item_line in zip(node, node.item_lines, strict=True):
            if (not isinstance(item, list) or len(item) != 2
                    or not all(isinstance(x, str) for x in item) or item[0] == item[1]):
                self.add("each mirror must be a pair of two different instrument ids", item_line)
                continue
            unknown = [x for x in item if x not in known]
            if unknown:
                self.add(f"mirror names unknown instrument(s) {', '.join(unknown)} (known: "
                         f"{', '.join(sorted(known)) or 'none'})", item_line)
                continue
            out.add(frozenset(item))
        return out

    def link(self, node: Any, line: int, mirrors: set[frozenset[str]]) -> VersionLink | None:
        if not isinstance(node, LineDict):
            self.add("a link must be a mapping with 'from' and 'to'", line)
            return None
        for key in node:
            if key not in _LINK_FIELDS:
                self.add(f"link has unknown field '{key}' (expected: from, to, note, "
                         "questions, options)", node.line_of(key))
        if "from" not in node or "to" not in node:
            self.add("a link needs both 'from' and 'to'", node.line)
            return None
        source = self.version(node["from"], node.line_of("from"), "from")
        target = self.version(node["to"], node.line_of("to"), "to")
        questions = self.code_map(node.get("questions"), node.line_of("questions"), "questions")
        raw_options = node.get("options")
        options: dict[str, dict[str, str | None]] = {}
        if raw_options is not None and not isinstance(raw_options, LineDict):
            self.add("'options' must map a question code to {option: option}",
                     node.line_of("options"))
        elif raw_options is not None:
            for qcode, mapping in raw_options.items():
                parsed = self.code_map(mapping, raw_options.line_of(qcode), f"options.{qcode}")
                if parsed is not None:
                    options[qcode] = parsed
        note = node.get("note")
        if source is None or target is None or questions is None:
            return None
        if source.ref == target.ref:
            self.add(f"a link from {source.ref} to itself says nothing", node.line)
            return None
        if (source.instrument != target.instrument
                and frozenset((source.instrument, target.instrument)) not in mirrors):
            self.add(f"{source.instrument} and {target.instrument} are not declared mirrors; "
                     "add the pair under 'mirrors'", node.line)
            return None
        self._check_codes(node, source, target, questions, options)
        return VersionLink(source=source.ref, target=target.ref, questions=questions,
                           options=options, note=None if note is None else str(note),
                           line=node.line)

    def _check_codes(self, node: LineDict, source: InstrumentVersion,
                     target: InstrumentVersion, questions: dict[str, str | None],
                     options: dict[str, dict[str, str | None]]) -> None:
        qnode = node.get("questions")
        for code, to in questions.items():
            at = qnode.line_of(code) if isinstance(qnode, LineDict) else node.line
            if source.question(code) is None:
                self.add(f"question '{code}' is not in {source.ref}", at, code)
            if to is not None and target.question(to) is None:
                self.add(f"question '{to}' is not in {target.ref}", at, code)
        onode = node.get("options")
        for qcode, mapping in options.items():
            at = onode.line_of(qcode) if isinstance(onode, LineDict) else node.line
            inner = onode.get(qcode) if isinstance(onode, LineDict) else None
            sq = source.question(qcode)
            if sq is None:
                self.add(f"question '{qcode}' is not in {source.ref}", at, qcode)
                continue
            tq = _target_question(sq, source, target, questions)
            if tq is None:
                self.add(f"question '{qcode}' has no counterpart in {target.ref}, so its "
                         "options cannot be mapped; map the question under 'questions' first",
                         at, qcode)
                continue
            for ocode, to in mapping.items():
                oat = inner.line_of(ocode) if isinstance(inner, LineDict) else at
                if sq.option(ocode) is None:
                    self.add(f"option '{ocode}' is not an option of '{qcode}' in {source.ref} "
                             f"(options: {', '.join(sq.option_codes)})", oat, qcode)
                if to is not None and tq.option(to) is None:
                    self.add(f"option '{to}' is not an option of '{tq.code}' in {target.ref} "
                             f"(options: {', '.join(tq.option_codes)})", oat, qcode)


def load_harmonisation(root: Path | Catalogue) -> HarmonisationMap:
    """Read and check ``<root>/harmonisation.yaml`` (an empty map when there is none).

    Every reference must exist: instruments in ``mirrors``; versions, questions
    and options in ``links``. Problems are raised together as ``I304`` with
    file:line.

    Examples
    --------
    >>> import tempfile
    >>> load_harmonisation(Path(tempfile.mkdtemp())).links
    ()
    """
    catalogue = root if isinstance(root, Catalogue) else Catalogue(Path(root))
    path = catalogue.root / HARMONISATION_FILE
    if not path.exists():
        return HarmonisationMap()
    data = load_yaml(path)
    reader = _MapReader(catalogue, str(path))
    if data is None:
        return HarmonisationMap(source_file=str(path))
    if not isinstance(data, LineDict):
        raise LandscapeError.of("I304", "the map must be a mapping with 'mirrors' and 'links'",
                                Location(file=str(path), line=1))
    for key in data:
        if key not in _TOP_FIELDS:
            reader.add(f"unknown field '{key}' (expected: mirrors, links)", data.line_of(key))
    mirrors = reader.mirrors(data.get("mirrors"), data.line_of("mirrors"))
    links: list[VersionLink] = []
    raw_links = data.get("links")
    if raw_links is not None and not isinstance(raw_links, LineList):
        reader.add("'links' must be a list of {from, to, questions, options}",
                   data.line_of("links"))
    elif raw_links is not None:
        seen: dict[tuple[str, str], int] = {}
        for item, line in zip(raw_links, raw_links.item_lines, strict=True):
            link = reader.link(item, line, mirrors)
            if link is None:
                continue
            pair = (link.source, link.target)
            if pair in seen:
                reader.add(f"a second link from {link.source} to {link.target} (the first is "
                           f"at line {seen[pair]}); merge them", line)
                continue
            seen[pair] = line
            links.append(link)
    if reader.issues:
        raise LandscapeError(reader.issues)
    return HarmonisationMap(mirrors=frozenset(mirrors), links=tuple(links),
                            source_file=str(path))
