"""Semantic diff of two instrument versions, classified the way version numbers are.

A change is one of three kinds, and the diff's :attr:`InstrumentDiff.kind` is the
largest of its changes:

``patch``
    wording only: labels, hints, titles and translations reworded, questions or
    options reordered. Answers collected before and after mean the same thing.
``minor``
    additive: a new optional question, a new option, a new language, a question
    made optional, a wider number range. Old answers remain valid answers.
``major``
    breaking: a question or option removed, an option recoded (same label, new
    code), a type or ranking-rule change, skip logic that changes who is asked,
    an optional question made required. Old answers may no longer fit.

:func:`check_version_bump` reports ``I303`` when a version number understates
the change from the version before it. ``landscape instrument diff A B`` prints
:meth:`InstrumentDiff.render_text` (or :meth:`InstrumentDiff.to_json`).
"""

from __future__ import annotations

import difflib
import json
import re
import textwrap
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from survey.errors import Issue, LandscapeError, Location, issue
from survey.instrument.model import (
    LANGUAGES,
    InstrumentVersion,
    Option,
    PathRule,
    Question,
    RankingRule,
    Scale,
    Text,
    Version,
)
from survey.instrument.registry import Catalogue

__all__ = ["KINDS", "Change", "InstrumentDiff", "check_version_bump", "diff_versions"]

#: Change kinds from smallest to largest; "none" means no change at all.
KINDS: tuple[str, ...] = ("none", "patch", "minor", "major")

_KIND_TITLES = {
    "major": "MAJOR - breaking",
    "minor": "MINOR - additive",
    "patch": "PATCH - wording only",
}


def _rank(kind: str) -> int:
    return KINDS.index(kind)


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between two versions.

    ``change`` is a stable machine-readable name (``question_added``,
    ``option_recoded``, ...); ``message`` is the sentence a person reads.
    ``old``/``new`` carry the wording or value before and after, when there is one.
    """

    kind: str
    change: str
    message: str
    question: str | None = None
    option: str | None = None
    path: str | None = None
    language: str | None = None
    old: str | None = None
    new: str | None = None

    @property
    def subject(self) -> str:
        """What changed, as a short heading: a question code, a path or the instrument."""
        if self.question is not None:
            return self.question
        if self.path is not None:
            return f"path {self.path}"
        return "(instrument)"


@dataclass(frozen=True)
class InstrumentDiff:
    """Every change from ``old`` to ``new`` (both ``ID@VERSION``), with notes.

    ``bump`` is how the version number changed (``Version.bump_kind``), or
    ``None`` when the two versions belong to different instruments or ``new`` is
    the older one.
    """

    old: str
    new: str
    changes: tuple[Change, ...]
    notes: tuple[str, ...] = ()
    bump: str | None = None

    @property
    def kind(self) -> str:
        """The largest change: 'none', 'patch', 'minor' or 'major'."""
        return max((c.kind for c in self.changes), key=_rank, default="none")

    def of_kind(self, kind: str) -> tuple[Change, ...]:
        """The changes of one kind, in the order found."""
        return tuple(c for c in self.changes if c.kind == kind)

    @property
    def bump_is_enough(self) -> bool | None:
        """Whether the version bump covers the change (None across instruments)."""
        if self.bump is None:
            return None
        return _rank(self.bump) >= _rank(self.kind)

    def render_text(self) -> str:
        """A plain-text report for a terminal, grouped by kind, largest first.

        Labels are instrument input, so control characters in them are shown
        escaped rather than sent to the terminal.

        Examples
        --------
        >>> from survey.instrument.loader import parse_instrument_text
        >>> base = "instrument: demo\\ntitle: Demo\\nquestions:\\n"
        >>> a = parse_instrument_text(base.replace("\\n", "\\nversion: 1.0.0\\n", 1)
        ...     + "  - {code: q, type: free_text, label: Name}\\n")
        >>> b = parse_instrument_text(base.replace("\\n", "\\nversion: 1.0.1\\n", 1)
        ...     + "  - {code: q, type: free_text, label: Your name}\\n")
        >>> print(diff_versions(a, b).render_text())  # doctest: +NORMALIZE_WHITESPACE
        demo@1.0.0 -> demo@1.0.1
        Classification: PATCH (wording only), 1 change
        Version number: 1.0.0 -> 1.0.1 is a patch bump, enough for this change.
        <BLANKLINE>
        PATCH - wording only (1)
          q: label reworded (en)
              old: "Name"
              new: "Your name"
        """
        lines = [f"{_safe(self.old)} -> {_safe(self.new)}"]
        for note in self.notes:
            lines.append(f"Note: {_safe(note)}")
        if not self.changes:
            lines.append("Classification: none - the two versions have the same content.")
            return "\n".join(lines)
        count = len(self.changes)
        lines.append(f"Classification: {self.kind.upper()} ({_KIND_WORDS[self.kind]}), "
                     f"{count} change{'s' if count != 1 else ''}")
        if self.bump == "none":
            lines.append("Version number: unchanged, but the content differs.")
        elif self.bump is not None:
            old_v, new_v = self.old.partition("@")[2], self.new.partition("@")[2]
            verdict = ("enough for this change" if self.bump_is_enough
                       else f"too small: this change needs a {self.kind} bump")
            lines.append(f"Version number: {old_v} -> {new_v} is a {self.bump} bump, {verdict}.")
        for kind in ("major", "minor", "patch"):
            group = self.of_kind(kind)
            if not group:
                continue
            lines.append("")
            lines.append(f"{_KIND_TITLES[kind]} ({len(group)})")
            for change in group:
                lines.append(f"  {_safe(change.subject)}: {_safe(change.message)}")
                for label, value in (("old", change.old), ("new", change.new)):
                    if value is not None:
                        lines.append(textwrap.fill(
                            f'"{_safe(value)}"', width=96, initial_indent=f"      {label}: ",
                            subsequent_indent=" " * 12, break_long_words=False,
                        ))
        return "\n".join(lines)

    def to_json(self) -> str:
        """The diff as JSON: refs, kind, version bump, notes, counts and every change.

        Examples
        --------
        >>> d = InstrumentDiff("demo@1.0.0", "demo@1.1.0", (), bump="minor")
        >>> json.loads(d.to_json())["kind"]
        'none'
        """
        payload: dict[str, Any] = {
            "old": self.old,
            "new": self.new,
            "kind": self.kind,
            "version_bump": self.bump,
            "bump_is_enough": self.bump_is_enough,
            "notes": list(self.notes),
            "counts": {k: len(self.of_kind(k)) for k in ("major", "minor", "patch")},
            "changes": [asdict(c) for c in self.changes],
        }
        text = json.dumps(payload, indent=2, ensure_ascii=False)
        # json escapes only C0 controls; escape the rest (C1, bidi overrides) too,
        # which stays valid JSON because such characters can only occur in strings.
        return "".join(f"\\u{ord(ch):04x}" if _is_control(ch) and ch != "\n" else ch
                       for ch in text)


_KIND_WORDS = {"major": "breaking", "minor": "additive", "patch": "wording only"}


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") and ch not in "\t"


def _safe(text: str) -> str:
    """Text with control and formatting characters shown as escapes, for a terminal."""
    return "".join(
        (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        if _is_control(ch) or ch == "\t" else ch
        for ch in text
    )


# -- building the diff -------------------------------------------------------


class _Collector:
    """Accumulates changes for one diff."""

    def __init__(self) -> None:
        self.changes: list[Change] = []

    def add(self, kind: str, change: str, message: str, **where: Any) -> None:
        self.changes.append(Change(kind=kind, change=change, message=message, **where))

    def texts(self, what: str, old: Text | None, new: Text | None, **where: Any) -> None:
        """Wording changes of one text, per language (all patch)."""
        if old is None and new is None:
            return
        if old is None or new is None:
            present = new if old is None else old
            assert present is not None
            verb = "added" if old is None else "removed"
            self.add("patch", f"{what}_{verb}".replace(" ", "_"), f"{what} {verb}",
                     old=None if old is None else old.en, new=None if new is None else new.en,
                     **where)
            return
        name = what.replace(" ", "_")
        for lang in _languages_in_order(old.languages() | new.languages()):
            before, after = old.translations.get(lang), new.translations.get(lang)
            if before is not None and after is not None:
                if before.text != after.text:
                    self.add("patch", f"{name}_reworded", f"{what} reworded ({lang})",
                             language=lang, old=before.text, new=after.text, **where)
                elif before.source != after.source:
                    self.add("patch", f"{name}_restamped",
                             f"{what}: {LANGUAGES.get(lang, lang)} translation stamp updated",
                             language=lang, old=before.source, new=after.source, **where)
            elif after is not None:
                self.add("patch", f"{name}_translation_added",
                         f"{what}: {LANGUAGES.get(lang, lang)} translation added",
                         language=lang, new=after.text, **where)
            elif before is not None:
                self.add("patch", f"{name}_translation_removed",
                         f"{what}: {LANGUAGES.get(lang, lang)} translation removed",
                         language=lang, old=before.text, **where)


def _languages_in_order(languages: set[str]) -> list[str]:
    return sorted(languages, key=lambda lang: (lang != "en", lang))


_TOKEN = re.compile(
    r"""\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(\d+(?:\.\d*)?|\.\d+)"""
    r"""|([A-Za-z_]\w*)|(==|!=|<=|>=|[<>(),\[\]])|(\S))"""
)


def _normalise_condition(expression: str | None) -> str | None:
    """A condition with layout and quote style folded away, for comparison.

    Two conditions with the same tokens mean the same thing; anything else is
    treated as a change in who is asked.
    """
    if expression is None:
        return None
    tokens: list[str] = []
    for m in _TOKEN.finditer(expression):
        single, double, number, name, op, other = m.groups()
        if single is not None or double is not None:
            tokens.append(repr(single if single is not None else double))
        else:
            tokens.append(number or name or op or other or "")
    return " ".join(t for t in tokens if t)


def _diff_condition(c: _Collector, what: str, old: str | None, new: str | None,
                    **where: Any) -> None:
    if old == new:
        return
    if _normalise_condition(old) == _normalise_condition(new):
        c.add("patch", "logic_reformatted", f"{what} rewritten without changing its meaning",
              old=old, new=new, **where)
        return
    if old is None:
        message = f"{what} added (changes who is asked)"
    elif new is None:
        message = f"{what} removed (changes who is asked)"
    else:
        message = f"{what} changed (changes who is asked)"
    c.add("major", "logic_changed", message, old=old, new=new, **where)


def _rule_text(rule: RankingRule | None) -> str:
    if rule is None:
        return "none"
    mode = f"top_k (k={rule.k})" if rule.mode == "top_k" else "full"
    return f"{mode}, ties {rule.ties}"


def _scale_text(scale: Scale | None) -> str:
    return "none" if scale is None else f"{scale.min}..{scale.max}"


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _diff_options(c: _Collector, old: Question, new: Question) -> None:
    q = old.code
    old_codes, new_codes = old.option_codes, new.option_codes
    removed = [code for code in old_codes if code not in new_codes]
    added = [code for code in new_codes if code not in old_codes]
    # An option whose label is unchanged but whose code changed was recoded:
    # old answers carry a code that no longer exists.
    added_labels = {code: _fold(option.label.en) for option in new.options
                    if (code := option.code) in added}
    for code in list(removed):
        before = old.option(code)
        assert before is not None
        match = next((a for a in added if added_labels[a] == _fold(before.label.en)), None)
        if match is not None:
            removed.remove(code)
            added.remove(match)
            c.add("major", "option_recoded", f"option '{code}' recoded as '{match}'",
                  question=q, option=code, old=code, new=match)
    for code in removed:
        before = old.option(code)
        assert before is not None
        c.add("major", "option_removed", f"option '{code}' removed", question=q, option=code,
              old=before.label.en)
    for code in added:
        after = new.option(code)
        assert after is not None
        c.add("minor", "option_added", f"option '{code}' added", question=q, option=code,
              new=after.label.en)
    for code in old_codes:
        before, after = old.option(code), new.option(code)
        if before is None or after is None:
            continue
        c.texts(f"option '{code}' label", before.label, after.label, question=q, option=code)
        _diff_concept(c, f"option '{code}'", before, after, question=q, option=code)
    common_old = [code for code in old_codes if code in new_codes]
    common_new = [code for code in new_codes if code in old_codes]
    if common_old != common_new:
        c.add("patch", "options_reordered", "options reordered", question=q,
              old=", ".join(common_old), new=", ".join(common_new))
    if old.other != new.other:
        if new.other:
            c.add("minor", "other_added", "'other, please specify' added", question=q)
        else:
            c.add("major", "other_removed", "'other, please specify' removed", question=q)


def _diff_concept(c: _Collector, what: str, old: Question | Option, new: Question | Option,
                  **where: Any) -> None:
    if old.concept == new.concept:
        return
    if old.concept is None:
        c.add("minor", "concept_added", f"{what} given concept '{new.concept}'",
              new=new.concept, **where)
    else:
        # The concept says what a question measures across versions and instruments;
        # changing it changes how existing answers line up in analysis.
        c.add("major", "concept_changed",
              f"{what} concept changed (changes how answers line up across versions)",
              old=old.concept, new=new.concept, **where)


def _diff_bound(c: _Collector, q: str, what: str, old: float | None, new: float | None,
                wider_if_lower: bool) -> None:
    if old == new:
        return

    def show(v: float | None) -> str:
        return "none" if v is None else f"{v:g}"

    if new is None:
        wider = True
    elif old is None:
        wider = False
    else:
        wider = new < old if wider_if_lower else new > old
    if wider:
        c.add("minor", f"{what}_widened", f"{what} relaxed from {show(old)} to {show(new)}",
              question=q, old=show(old), new=show(new))
    else:
        c.add("major", f"{what}_narrowed",
              f"{what} tightened from {show(old)} to {show(new)} (old answers may not fit)",
              question=q, old=show(old), new=show(new))


def _diff_question(c: _Collector, old: Question, new: Question) -> None:
    q = old.code
    if old.type != new.type:
        c.add("major", "type_changed", f"type changed from {old.type} to {new.type}",
              question=q, old=old.type.value, new=new.type.value)
    c.texts("label", old.label, new.label, question=q)
    c.texts("hint", old.hint, new.hint, question=q)
    if old.required != new.required:
        if new.required:
            c.add("major", "made_required", "made required (was optional)", question=q)
        else:
            c.add("minor", "made_optional", "made optional (was required)", question=q)
    if old.section != new.section:
        c.add("patch", "section_changed", "section heading changed", question=q,
              old=old.section, new=new.section)
    if old.path != new.path:
        c.add("major", "path_changed",
              f"moved from path {old.path or '(none)'} to {new.path or '(none)'} "
              "(changes who is asked)", question=q, old=old.path, new=new.path)
    _diff_condition(c, "condition 'relevant'", old.relevant, new.relevant, question=q)
    _diff_concept(c, "question", old, new, question=q)
    if old.options or new.options or old.other != new.other:
        _diff_options(c, old, new)
    if old.ranking != new.ranking and (old.ranking is not None or new.ranking is not None):
        c.add("major", "ranking_rule_changed", "ranking rule changed", question=q,
              old=_rule_text(old.ranking), new=_rule_text(new.ranking))
    if old.scale != new.scale:
        if (old.scale is None or new.scale is None
                or (old.scale.min, old.scale.max) != (new.scale.min, new.scale.max)):
            c.add("major", "scale_changed", "rating scale changed", question=q,
                  old=_scale_text(old.scale), new=_scale_text(new.scale))
        else:
            for point in sorted(set(old.scale.labels) | set(new.scale.labels)):
                c.texts(f"scale label {point}", old.scale.labels.get(point),
                        new.scale.labels.get(point), question=q)
    _diff_bound(c, q, "minimum", old.minimum, new.minimum, wider_if_lower=True)
    _diff_bound(c, q, "maximum", old.maximum, new.maximum, wider_if_lower=False)
    if old.integer != new.integer:
        if new.integer:
            c.add("major", "made_integer", "now accepts whole numbers only", question=q)
        else:
            c.add("minor", "made_decimal", "now accepts decimal numbers", question=q)
    _diff_bound(c, q, "max_length",
                None if old.max_length is None else float(old.max_length),
                None if new.max_length is None else float(new.max_length),
                wider_if_lower=False)
    if old.place_level != new.place_level:
        c.add("major", "place_level_changed", "place level changed", question=q,
              old=old.place_level, new=new.place_level)


def _diff_paths(c: _Collector, old: tuple[PathRule, ...], new: tuple[PathRule, ...]) -> None:
    old_by, new_by = {p.code: p for p in old}, {p.code: p for p in new}
    for code, rule in old_by.items():
        if code not in new_by:
            c.add("major", "path_removed", "path removed", path=code, old=rule.when)
    for code, rule in new_by.items():
        if code not in old_by:
            c.add("minor", "path_added", "path added", path=code, new=rule.when)
    for code, before in old_by.items():
        after = new_by.get(code)
        if after is None:
            continue
        c.texts("path label", before.label, after.label, path=code)
        _diff_condition(c, "path condition 'when'", before.when, after.when, path=code)


def _diff_question_order(c: _Collector, old: InstrumentVersion, new: InstrumentVersion) -> None:
    new_codes = {q.code for q in new.questions}
    old_codes = {q.code for q in old.questions}
    before = [q.code for q in old.questions if q.code in new_codes]
    after = [q.code for q in new.questions if q.code in old_codes]
    if before == after:
        return
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    kept = {code for block in matcher.get_matching_blocks()
            for code in before[block.a:block.a + block.size]}
    for code in after:
        if code not in kept:
            c.add("patch", "question_moved", "question moved", question=code,
                  old=f"position {before.index(code) + 1}", new=f"position {after.index(code) + 1}")


def diff_versions(old: InstrumentVersion, new: InstrumentVersion) -> InstrumentDiff:
    """Compare two versions question by question (matched by code) and classify the change.

    Versions of different instruments may be compared (for example the mirrored
    local-government and researcher instruments); the diff then carries a note
    and no version-bump verdict.

    Examples
    --------
    >>> from survey.instrument.loader import parse_instrument_text
    >>> def demo(version, options):
    ...     return parse_instrument_text(
    ...         f"instrument: demo\\nversion: {version}\\ntitle: Demo\\nquestions:\\n"
    ...         f"  - code: pick\\n    type: single_choice\\n    label: Pick one\\n"
    ...         f"    options: {options}\\n")
    >>> d = diff_versions(demo("1.0.0", "[{code: a, label: A}, {code: b, label: B}]"),
    ...                   demo("1.1.0", "[{code: a, label: A}, {code: b, label: B},"
    ...                                 " {code: c, label: C}]"))
    >>> d.kind, [ch.change for ch in d.changes]
    ('minor', ['option_added'])
    """
    c = _Collector()
    notes: list[str] = []
    same_instrument = old.instrument == new.instrument
    if not same_instrument:
        notes.append(f"these are different instruments ({old.instrument} and "
                     f"{new.instrument}): questions are matched by code only, and the "
                     "classification says how far apart they are, not how to number a version")
    elif new.version < old.version:
        notes.append(f"the second version ({new.version}) is older than the first "
                     f"({old.version}): the diff reads backwards")
    c.texts("title", old.title, new.title)
    c.texts("description", old.description, new.description)
    for lang in _languages_in_order(set(new.languages) - set(old.languages)):
        c.add("minor", "language_added", f"language added: {LANGUAGES.get(lang, lang)}",
              language=lang, new=lang)
    for lang in _languages_in_order(set(old.languages) - set(new.languages)):
        c.add("major", "language_removed",
              f"language removed: {LANGUAGES.get(lang, lang)} (respondents lose that version)",
              language=lang, old=lang)
    _diff_paths(c, old.paths, new.paths)
    new_codes = {q.code for q in new.questions}
    old_codes = {q.code for q in old.questions}
    for q in old.questions:
        if q.code not in new_codes:
            c.add("major", "question_removed", f"question removed ({q.type})",
                  question=q.code, old=q.label.en)
    for q in new.questions:
        if q.code in old_codes:
            continue
        if q.required:
            c.add("major", "question_added",
                  f"required question added ({q.type}): earlier responses lack it",
                  question=q.code, new=q.label.en)
        else:
            c.add("minor", "question_added", f"optional question added ({q.type})",
                  question=q.code, new=q.label.en)
    for q in old.questions:
        counterpart = new.question(q.code)
        if counterpart is not None:
            _diff_question(c, q, counterpart)
    _diff_question_order(c, old, new)
    if not c.changes and old.content_hash != new.content_hash and same_instrument:
        c.add("patch", "layout_only",
              "no change in meaning (fields written differently, e.g. defaults spelled out)")
    # Across instruments, or read backwards, a version number says nothing about the change.
    forwards = same_instrument and not new.version < old.version
    bump = old.version.bump_kind(new.version) if forwards else None
    return InstrumentDiff(old=old.ref, new=new.ref, changes=tuple(c.changes),
                          notes=tuple(notes), bump=bump)


# -- version numbers --------------------------------------------------------


def _needed_version(previous: Version, kind: str) -> Version:
    if kind == "major":
        return Version(previous.major + 1, 0, 0)
    if kind == "minor":
        return Version(previous.major, previous.minor + 1, 0)
    return Version(previous.major, previous.minor, previous.patch + 1)


def _top_level_line(source_file: str | None, key: str) -> int | None:
    """The line of a top-level ``key:`` in an instrument file, for messages."""
    if not source_file:
        return None
    try:
        text = Path(source_file).read_text(encoding="utf-8-sig")
    except OSError:
        return None
    pattern = re.compile(rf"^{re.escape(key)}\s*:")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None


def check_version_bump(catalogue: Catalogue, iv: InstrumentVersion) -> list[Issue]:
    """``I303`` when ``iv``'s version number understates its change from the version before.

    The version before is the highest version of the same instrument in the
    catalogue that is lower than ``iv``'s. A version with no predecessor, or
    whose predecessor does not load (reported when that file is validated), is
    not checked.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "demo").mkdir()
    >>> head = "instrument: demo\\ntitle: Demo\\nquestions:\\n"
    >>> _ = (root / "demo/1.0.0.yaml").write_text(
    ...     "version: 1.0.0\\n" + head + "  - {code: a, type: free_text, label: A}\\n"
    ...     "  - {code: b, type: free_text, label: B}\\n")
    >>> _ = (root / "demo/1.0.1.yaml").write_text(
    ...     "version: 1.0.1\\n" + head + "  - {code: a, type: free_text, label: A}\\n")
    >>> cat = Catalogue(root)
    >>> [i.code for i in check_version_bump(cat, cat.load("demo@1.0.1"))]
    ['I303']
    """
    versions = catalogue.refs().get(iv.instrument, [])
    earlier = [v for v in versions if v < iv.version]
    if not earlier:
        return []
    previous_version = max(earlier)
    try:
        previous = catalogue.load(f"{iv.instrument}@{previous_version}")
    except LandscapeError:
        return []
    result = diff_versions(previous, iv)
    if result.bump_is_enough is not False:
        return []
    needed = _needed_version(previous_version, result.kind)
    reasons = [f"{ch.subject}: {ch.message}" for ch in result.of_kind(result.kind)]
    shown = "; ".join(_safe(r) for r in reasons[:3])
    if len(reasons) > 3:
        shown += f"; and {len(reasons) - 3} more"
    message = (
        f"{iv.ref} makes a {result.kind} change from {previous.ref} ({shown}) but its "
        f"version number is a {result.bump} bump; call it {needed} (or higher). "
        f"See: landscape instrument diff {previous.ref} {iv.ref}"
    )
    where = Location(file=iv.source_file, line=_top_level_line(iv.source_file, "version"))
    return [issue("I303", message, where)]

