"""Semantic validation of instrument versions: what the loader's structure check cannot see.

:func:`validate` checks one loaded :class:`~survey.instrument.model.InstrumentVersion`:
duplicate codes, fields that do not apply to a question's type, paths, skip
logic (syntax, references, types; via :mod:`survey.instrument.logic`),
translations (missing and stale, per language) and reachability.
:func:`validate_targets` is what ``landscape instrument validate`` runs over
files and ``ID@VERSION`` refs; it also calls the version checks of
``survey.instrument.lock`` and ``survey.instrument.diff`` when those exist.

Reachability (``I210``) is decided exactly over a finite abstraction of the
answers: each question a condition depends on (directly, or through the
conditions of the questions it depends on) takes every value that can change
the outcome of a condition, plus "unanswered". A question that is not shown has
no answer, and a required question that is shown has one. The search is
bounded; when a condition is too large to decide, the question is assumed
reachable rather than reported.
"""

from __future__ import annotations

import importlib
import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from survey.errors import Issue, LandscapeError, Location, Severity, issue
from survey.instrument.harmonise import HARMONISATION_FILE, load_harmonisation
from survey.instrument.loader import parse_instrument
from survey.instrument.logic import (
    BoolOp,
    Call,
    Compare,
    Expr,
    ListLiteral,
    Literal,
    Not,
    check_expression,
    evaluate,
    option_codes,
    parse_expression,
    references,
    unparse,
)
from survey.instrument.model import (
    LANGUAGES,
    InstrumentVersion,
    Question,
    QuestionType,
    Text,
    text_stamp,
)
from survey.instrument.registry import Catalogue
from survey.instrument.yamlsource import LineDict, load_yaml

__all__ = ["validate", "validate_targets"]

# Fields the loader accepts on any question but that mean something only for
# some types; a misplaced one is almost always a mistake worth reporting.
_FIELD_TYPES: dict[str, frozenset[QuestionType]] = {
    "options": frozenset({QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE,
                          QuestionType.RANKING}),
    "other": frozenset({QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE}),
    "ranking": frozenset({QuestionType.RANKING}),
    "scale": frozenset({QuestionType.RATING}),
    "min": frozenset({QuestionType.NUMBER}),
    "max": frozenset({QuestionType.NUMBER}),
    "integer": frozenset({QuestionType.NUMBER}),
    "level": frozenset({QuestionType.PLACE}),
    "max_length": frozenset({QuestionType.FREE_TEXT, QuestionType.ORGANISATION}),
}

# Bounds on the reachability search: values per question and nodes visited.
_SMALL_RANGE = 20
_MAX_SUBSET_OPTIONS = 10
_SEARCH_BUDGET = 50_000


class _Absent:
    def __repr__(self) -> str:
        return "<unanswered>"


_ABSENT = _Absent()


# -- one instrument ------------------------------------------------------------------


@dataclass
class _Context:
    iv: InstrumentVersion
    issues: list[Issue]

    def at(self, line: int | None, question: str | None = None) -> Location:
        return Location(file=self.iv.source_file, line=line or None, question=question)

    def add(self, code: str, message: str, line: int | None, question: str | None = None,
            severity: Severity = Severity.ERROR) -> None:
        self.issues.append(issue(code, message, self.at(line, question), severity))

    def raw_question(self, index: int) -> LineDict | None:
        raw = self.iv.data.get("questions")
        if isinstance(raw, list) and index < len(raw) and isinstance(raw[index], LineDict):
            return raw[index]
        return None


def _check_codes(ctx: _Context) -> None:
    first_line: dict[str, int] = {}
    for q in ctx.iv.questions:
        if q.code in first_line:
            ctx.add("I201", f"question code '{q.code}' is used again here; it was first used at "
                    f"line {first_line[q.code]}", q.line, q.code)
        else:
            first_line[q.code] = q.line
        seen: dict[str, int] = {}
        for option in q.options:
            if option.code in seen:
                ctx.add("I202", f"option code '{option.code}' of question '{q.code}' is used "
                        f"again here; it was first used at line {seen[option.code]}",
                        option.line, q.code)
            else:
                seen[option.code] = option.line


def _check_fields(ctx: _Context) -> None:
    for index, q in enumerate(ctx.iv.questions):
        raw = ctx.raw_question(index)
        if raw is not None:
            for key, types in _FIELD_TYPES.items():
                if key in raw and q.type not in types:
                    kinds = ", ".join(sorted(t.value for t in types))
                    ctx.add("I106", f"field '{key}' does not apply to a {q.type.value} question "
                            f"(only to {kinds})", raw.line_of(key), q.code)
        if q.type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE,
                      QuestionType.RANKING) and len(q.options) < 2:
            ctx.add("I212", f"a {q.type.value} question needs at least two options, "
                    f"'{q.code}' has {len(q.options)}", q.line, q.code)
        rule = q.ranking
        if rule is not None and rule.mode == "top_k" and rule.k == len(q.options):
            line = raw.line_of("ranking") if raw is not None else q.line
            ctx.add("I211", f"top_k with k = {rule.k} ranks every option of '{q.code}'; write "
                    "'mode: full' instead", line, q.code, Severity.WARNING)
        if (q.type is QuestionType.NUMBER and q.minimum is not None and q.maximum is not None
                and q.minimum > q.maximum):
            line = raw.line_of("min") if raw is not None else q.line
            ctx.add("I104", f"min {q.minimum:g} is above max {q.maximum:g}", line, q.code)


def _texts(iv: InstrumentVersion) -> Iterator[tuple[Text, str, str | None, int]]:
    """Every text of the instrument: (text, what it is, question code, fallback line)."""
    yield iv.title, "the title", None, 1
    if iv.description is not None:
        yield iv.description, "the description", None, 1
    for path in iv.paths:
        yield path.label, f"the label of path '{path.code}'", None, path.line
    for q in iv.questions:
        yield q.label, f"the label of question '{q.code}'", q.code, q.line
        if q.hint is not None:
            yield q.hint, f"the hint of question '{q.code}'", q.code, q.line
        for option in q.options:
            yield (option.label, f"the label of option '{option.code}' of question '{q.code}'",
                   q.code, option.line)
        if q.scale is not None:
            for point, text in sorted(q.scale.labels.items()):
                yield (text, f"the label of scale point {point} of question '{q.code}'", q.code,
                       q.line)


def _check_translations(ctx: _Context) -> None:
    others = [lang for lang in ctx.iv.languages if lang != "en" and lang in LANGUAGES]
    for text, what, code, line in _texts(ctx.iv):
        for lang in others:
            name = f"{LANGUAGES[lang]} ('{lang}')"
            if text.get(lang, fallback=False) is None:
                ctx.add("I204", f"{what} has no {name} text; English: \"{_short(text.en)}\"",
                        text.line or line, code, Severity.WARNING)
            elif text.is_stale(lang):
                stamp = text.translations[lang].source
                ctx.add("I205", f"the {name} text of {what} was made from different English "
                        f"(source {stamp}); the English now stamps as {text_stamp(text.en)}: "
                        f"\"{_short(text.en)}\"", text.line or line, code, Severity.WARNING)


def _short(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _relocate(problem: Issue, location: Location, prefix: str) -> Issue:
    return replace(problem, message=f"{prefix}: {problem.message}",
                   location=replace(location, column=problem.location.column))


def _check_logic(ctx: _Context) -> tuple[dict[str, list[Expr]], set[str]]:
    """Check every condition.

    Returns each question's well-formed conditions (path ``when`` and
    ``relevant``) and the codes of questions with a faulty condition or path.
    """
    iv = ctx.iv
    first_on_path: dict[str, int] = {}
    for i, q in enumerate(iv.questions):
        if q.path is not None:
            first_on_path.setdefault(q.path, i)
    path_exprs: dict[str, Expr] = {}
    for path in iv.paths:
        where = ctx.at(path.line)
        expr = _checked(ctx, path.when, first_on_path.get(path.code, len(iv.questions)), where,
                        f"the 'when' of path '{path.code}'")
        if expr is not None:
            path_exprs[path.code] = expr
    declared = {p.code for p in iv.paths}
    conditions: dict[str, list[Expr]] = {}
    faulty: set[str] = set()
    for i, q in enumerate(iv.questions):
        usable: list[Expr] = []
        if q.path is not None:
            if q.path not in declared:
                known = ", ".join(sorted(declared)) or "none declared"
                ctx.add("I213", f"question '{q.code}' is on path '{q.path}', which is not "
                        f"declared under 'paths' (paths: {known})", q.line, q.code)
                faulty.add(q.code)
            elif q.path in path_exprs:
                usable.append(path_exprs[q.path])
            else:
                faulty.add(q.code)
        if q.relevant is not None:
            expr = _checked(ctx, q.relevant, i, ctx.at(q.relevant_line or q.line, q.code),
                            f"the 'relevant' of question '{q.code}'")
            if expr is None:
                faulty.add(q.code)
            else:
                usable.append(expr)
        conditions.setdefault(q.code, usable)
    return conditions, faulty


def _checked(ctx: _Context, text: str, before: int, where: Location, what: str) -> Expr | None:
    """Parse and check one condition; None (with issues added) when it is faulty."""
    try:
        expr = parse_expression(text)
    except LandscapeError as exc:
        ctx.issues.extend(_relocate(p, where, what) for p in exc.issues)
        return None
    found = check_expression(expr, ctx.iv, before, where)
    ctx.issues.extend(_relocate(p, where, what) for p in found)
    return None if found else expr


# -- reachability --------------------------------------------------------------------


def _nodes(expr: Expr) -> Iterator[Expr]:
    yield expr
    if isinstance(expr, Compare):
        yield from _nodes(expr.left)
        yield from _nodes(expr.right)
    elif isinstance(expr, Not):
        yield from _nodes(expr.operand)
    elif isinstance(expr, BoolOp):
        for operand in expr.operands:
            yield from _nodes(operand)
    elif isinstance(expr, ListLiteral):
        yield from expr.items


@dataclass
class _Literals:
    numbers: set[float]
    strings: set[str]
    options: dict[str, set[str]]  # question -> options named in selected()/rank()

    @classmethod
    def of(cls, exprs: list[Expr]) -> _Literals:
        found = cls(set(), set(), {})
        for expr in exprs:
            for node in _nodes(expr):
                if isinstance(node, Literal) and not isinstance(node.value, bool):
                    if isinstance(node.value, str):
                        found.strings.add(node.value)
                    else:
                        found.numbers.add(float(node.value))
                elif isinstance(node, Call) and node.option is not None:
                    found.options.setdefault(node.question.code, set()).add(
                        str(node.option.value))
        return found

    def boundaries(self, lo: float | None, hi: float | None, integer: bool) -> list[float]:
        """Numbers that separate every outcome of the comparisons, within [lo, hi]."""
        base = {0.0} | {float(b) for b in (lo, hi) if b is not None}
        for n in self.numbers:
            base |= {n - 1, n, n + 1}
        points = sorted(base)
        if integer:
            points = sorted({float(f(p)) for p in points for f in (math.floor, math.ceil)})
        else:
            points = sorted(set(points) | {(a + b) / 2 for a, b in itertools.pairwise(points)})
        inside = [p for p in points if (lo is None or p >= lo) and (hi is None or p <= hi)]
        return inside or [float(lo if lo is not None else hi if hi is not None else 0)]


def _number(value: float) -> int | float:
    return int(value) if value.is_integer() else value


def _domain(q: Question, lits: _Literals) -> list[object] | None:
    """The answers of ``q`` worth trying, or None when there are too many."""
    values: list[Any]
    t = q.type
    if t in (QuestionType.SINGLE_CHOICE, QuestionType.PLACE):
        values = list(option_codes(q)) + (["__other__"] if q.other else [])
    elif t is QuestionType.CONSENT:
        values = [True, False]
    elif t in (QuestionType.FREE_TEXT, QuestionType.ORGANISATION):
        values = [*sorted(lits.strings), "__some_text__"]
    elif t is QuestionType.NUMBER:
        values = [_number(v) for v in lits.boundaries(q.minimum, q.maximum, q.integer)]
    elif t is QuestionType.RATING:
        lo, hi = (q.scale.min, q.scale.max) if q.scale else (1, 5)
        if hi - lo <= _SMALL_RANGE:
            values = list(range(lo, hi + 1))
        else:
            values = [_number(v) for v in lits.boundaries(lo, hi, True)]
    elif t is QuestionType.MULTIPLE_CHOICE:
        found = _multiple_choice_domain(q, lits)
        if found is None:
            return None
        values = found
    else:
        found = _ranking_domain(q, lits)
        if found is None:
            return None
        values = found
    return [*values, _ABSENT]


def _count_values(total: int, lits: _Literals) -> list[int]:
    if total <= _SMALL_RANGE:
        return list(range(total + 1))
    return sorted({int(v) for v in lits.boundaries(0, total, True)})


def _multiple_choice_domain(q: Question, lits: _Literals) -> list[object] | None:
    named = [c for c in q.option_codes if c in lits.options.get(q.code, set())]
    if len(named) > _MAX_SUBSET_OPTIONS:
        return None
    rest = [c for c in q.option_codes if c not in named] + (["__other__"] if q.other else [])
    values: list[object] = []
    for size in range(len(named) + 1):
        for chosen in itertools.combinations(named, size):
            for count in _count_values(len(named) + len(rest), lits):
                if size <= count <= size + len(rest):
                    values.append(frozenset(chosen) | frozenset(rest[: count - size]))
    return values


def _ranking_domain(q: Question, lits: _Literals) -> list[object] | None:
    rule = q.ranking
    codes = q.option_codes
    named = [c for c in codes if c in lits.options.get(q.code, set())]
    rest = [c for c in codes if c not in named]
    top_k = rule is not None and rule.mode == "top_k"
    positions = rule.positions(len(codes)) if rule is not None else len(codes)
    forbid_ties = rule is None or rule.ties == "forbid"
    ranks: list[int | None] = []
    if positions <= _SMALL_RANGE:
        ranks.extend(range(1, positions + 1))
    else:
        ranks.extend(sorted({int(v) for v in lits.boundaries(1, positions, True)}))
    if top_k:
        ranks.append(None)
    if len(ranks) ** len(named) > _SEARCH_BUDGET:
        return None
    values: list[object] = []
    for combo in itertools.product(ranks, repeat=len(named)):
        used = [r for r in combo if r is not None]
        if forbid_ties and len(set(used)) != len(used):
            continue
        answer = {c: r for c, r in zip(named, combo, strict=True) if r is not None}
        if forbid_ties:
            free = [p for p in range(1, positions + 1) if p not in used]
            if len(free) > len(rest):
                continue  # the other options cannot fill the remaining positions
            answer.update(zip(rest, free, strict=False))
        elif not top_k:
            answer.update(dict.fromkeys(rest, 1))
        values.append(answer)
    return values


def _reachable(iv: InstrumentVersion, q: Question, conditions: dict[str, list[Expr]]
               ) -> bool | None:
    """Whether some answers show ``q``; None when the search is too large to decide."""
    target = conditions.get(q.code, [])
    if not target:
        return True
    closure: set[str] = set()
    pending = [code for expr in target for code in references(expr)]
    while pending:
        code = pending.pop()
        if code not in closure:
            closure.add(code)
            pending += [c for expr in conditions.get(code, []) for c in references(expr)]
    order = sorted(closure, key=iv.index_of)
    involved = [e for code in [*order, q.code] for e in conditions.get(code, [])]
    lits = _Literals.of(involved)
    domains: list[list[object]] = []
    for code in order:
        question = iv.question(code)
        domain = _domain(question, lits) if question is not None else None
        if domain is None:
            return None
        domains.append(domain)
    questions = [iv.question(code) for code in order]
    budget = [_SEARCH_BUDGET]
    answers: dict[str, object] = {}

    def search(depth: int) -> bool | None:
        budget[0] -= 1
        if budget[0] < 0:
            return None
        if depth == len(order):
            return all(evaluate(e, answers) for e in target)
        code, question = order[depth], questions[depth]
        assert question is not None
        # Conditions use only earlier questions, all assigned already: prune here.
        shown = all(evaluate(e, answers) for e in conditions.get(code, []))
        unknown = False
        for value in domains[depth]:
            if value is _ABSENT:
                if shown and question.required:
                    continue
                answers.pop(code, None)
            else:
                if not shown:
                    continue
                answers[code] = value
            result = search(depth + 1)
            if result:
                return True
            unknown = unknown or result is None
        answers.pop(code, None)
        return None if unknown else False

    return search(0)


def _check_reachability(ctx: _Context, conditions: dict[str, list[Expr]],
                        faulty: set[str]) -> None:
    seen: set[str] = set()
    for q in ctx.iv.questions:
        if q.code in seen or q.code in faulty:
            continue
        seen.add(q.code)
        if _reachable(ctx.iv, q, conditions) is False:
            parts = []
            if q.path is not None:
                path = ctx.iv.path(q.path)
                parts.append(f"its path '{q.path}' (when: {path.when if path else '?'})")
            if q.relevant is not None:
                parts.append(f"its condition `{unparse(parse_expression(q.relevant))}`")
            ctx.add("I210", f"no answers to the earlier questions make {' and '.join(parts)} "
                    f"true, so question '{q.code}' is never asked", q.relevant_line or q.line,
                    q.code)


def validate(iv: InstrumentVersion) -> list[Issue]:
    """Check one instrument version's meaning; return every issue found.

    Structure was checked when ``iv`` was loaded. Errors and warnings come back
    together (see ``Issue.severity``); an empty list means the version is sound.

    Examples
    --------
    >>> from survey.instrument.loader import parse_instrument_text
    >>> iv = parse_instrument_text('''
    ... instrument: demo
    ... version: 1.0.0
    ... title: Demo
    ... questions:
    ...   - code: colour
    ...     type: single_choice
    ...     label: Colour
    ...     options: [{code: red, label: Red}, {code: blue, label: Blue}]
    ...   - code: why
    ...     type: free_text
    ...     label: Why
    ...     relevant: "colour == 'red' and colour == 'blue'"
    ... ''')
    >>> [(i.code, i.location.line) for i in validate(iv)]
    [('I210', 13)]
    """
    ctx = _Context(iv, [])
    _check_codes(ctx)
    _check_fields(ctx)
    conditions, faulty = _check_logic(ctx)
    _check_reachability(ctx, conditions, faulty)
    _check_translations(ctx)
    return ctx.issues


# -- many files ------------------------------------------------------------------------

_Check = Callable[[Catalogue, InstrumentVersion], list[Issue]]


def _optional_check(module: str, function: str) -> _Check | None:
    """A check from a module that may not exist yet; any other import failure is real."""
    try:
        found = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise
    check: Any = getattr(found, function, None)
    return check if callable(check) else None


def _load_file(path: Path) -> tuple[InstrumentVersion | None, list[Issue]]:
    try:
        iv = parse_instrument(load_yaml(path), str(path))
    except LandscapeError as exc:
        return None, exc.issues
    problems: list[Issue] = []
    if (path.parent.name, path.name) != (iv.instrument, f"{iv.version}.yaml"):
        problems.append(issue("I108", f"the file says {iv.ref}, so it belongs at "
                              f"{iv.instrument}/{iv.version}.yaml in an instruments directory",
                              Location(file=str(path), line=1)))
    return iv, problems


def _target_paths(catalogue: Catalogue, targets: list[str]) -> Iterator[tuple[str, Path | None,
                                                                          list[Issue]]]:
    if not targets:
        for path in catalogue.files():
            yield str(path), path, []
        return
    for target in targets:
        candidate = Path(target)
        if candidate.is_file():
            yield target, candidate, []
        elif candidate.suffix in (".yaml", ".yml") or candidate.is_dir():
            yield target, None, [issue("I110", f"'{target}' is not an instrument file",
                                       Location(file=target))]
        else:
            try:
                yield target, catalogue.path_of(target), []
            except LandscapeError as exc:
                yield target, None, exc.issues


def validate_targets(catalogue: Catalogue, targets: list[str]) -> dict[str, list[Issue]]:
    """Validate instrument files; the report maps each version (or bad target) to its issues.

    With no ``targets`` every version file of ``catalogue`` is checked; otherwise
    each target is an ``ID@VERSION`` ref (or ``ID`` for the latest) or the path of
    a YAML file. A file that does not load is reported under its path, with its
    structural issues, and the others are still checked. Loaded versions are keyed
    by ``ID@VERSION``. When ``survey.instrument.lock`` and ``survey.instrument.diff``
    exist, their ``check_lock`` and ``check_version_bump`` run on each version.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "demo").mkdir()
    >>> _ = (root / "demo" / "1.0.0.yaml").write_text(
    ...     "instrument: demo\\nversion: 1.0.0\\ntitle: Demo\\n"
    ...     "questions:\\n  - {code: q, type: free_text, label: Q}\\n")
    >>> validate_targets(Catalogue(root), [])
    {'demo@1.0.0': []}
    """
    checks = [check for check in (_optional_check("survey.instrument.lock", "check_lock"),
                                  _optional_check("survey.instrument.diff", "check_version_bump"))
              if check is not None]
    report: dict[str, list[Issue]] = {}
    for key, path, problems in _target_paths(catalogue, targets):
        if path is None:
            report[key] = problems
            continue
        iv, problems = _load_file(path)
        if iv is None:
            report[str(path)] = problems
            continue
        problems += validate(iv)
        for check in checks:
            try:
                problems += check(catalogue, iv)
            except LandscapeError as exc:
                problems += exc.issues
        report[iv.ref if iv.ref not in report else str(path)] = problems
    if not targets:
        report.update(_harmonisation_report(catalogue))
    return report


def _harmonisation_report(catalogue: Catalogue) -> dict[str, list[Issue]]:
    """Check the harmonisation map, when the catalogue has one, as part of a full validate."""
    path = catalogue.root / HARMONISATION_FILE
    if not path.is_file():
        return {}
    try:
        load_harmonisation(catalogue)
    except LandscapeError as exc:
        return {str(path): exc.issues}
    return {str(path): []}
