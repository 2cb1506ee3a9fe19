"""From a typed organisation name to a canonical organisation: one resolver for every path.

Used by ``landscape network resolve NAME``, by the import of survey answers that name
partner organisations, and by the demo.

1. **Exact and alias match** on the normalised name (:func:`survey.landscape.names.normalise`:
   case, diacritics, punctuation, "The", "&"/"and", "University of X"/"X University", Welsh
   words). One organisation -> linked (``exact`` or ``alias``). An alias the registry marks
   as possibly ambiguous (the DfE list's *suggestion synonyms*, e.g. ``UEA``), or a name
   several organisations share, goes to review instead.
2. **Fuzzy match** on normalised names: the mean of rapidfuzz's ``token_sort_ratio`` of the
   whole names and ``ratio`` of their *distinctive* words (without the :data:`GENERIC_WORDS`
   every council or university shares, which otherwise make "Wrexham Council" look like
   "Wyre Council"). Both are Indel similarities of whole strings (after sorting words): they
   forgive typos and word order (Welsh puts the noun first) but, unlike ``partial_ratio``,
   ``token_set_ratio`` or ``WRatio``, they do not score a name highly because it is
   *contained* in a longer one ("Sheffield" is not "Sheffield Hallam University").
   Two thresholds (settings ``resolver_auto_link`` and ``resolver_review_floor``):

   * score >= auto-link, and ahead of the best *other* organisation by at least
     :data:`MARGIN` points -> linked automatically (``auto``);
   * review floor <= score (or a near tie) -> the review queue (``review``);
   * below the review floor -> a new, unresolved organisation (``new``): never a guess.

Examples
--------
>>> from survey.landscape.registry import load_registry
>>> resolver = Resolver(load_registry().organisations)
>>> r = resolver.resolve("Uni of Sheffield")
>>> r.outcome, r.key
('exact', 'university-of-sheffield')
>>> print(r.reason)  # doctest: +NORMALIZE_WHITESPACE
'Uni of Sheffield' reads 'sheffield university' once normalised: the name of
'The University of Sheffield'
>>> resolver.resolve("Univeristy of Sheffeld").outcome
'auto'
>>> resolver.resolve("Totally Unknown Research Co-op").outcome
'new'
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from survey.errors import LandscapeError
from survey.landscape.names import normalise
from survey.landscape.records import Organisation
from survey.settings import resolve

__all__ = ["GENERIC_WORDS", "MARGIN", "OUTCOMES", "Candidate", "Resolution", "Resolver"]

#: What happened to a name.
OUTCOMES: dict[str, str] = {
    "exact": "matches the organisation's name",
    "alias": "matches a known alias of the organisation",
    "auto": "close enough to link automatically",
    "review": "needs a reviewer: close to an organisation, but not close enough to be sure",
    "new": "matches no organisation closely: a new, unresolved organisation",
}
#: Points by which an automatic link must beat the best other organisation.
MARGIN = 3.0
_UNSAFE_DETAIL = "suggestion synonym"  # the DfE list's possibly ambiguous synonyms
_CANDIDATES = 5
#: Words every council or university name shares; they say little about which body it is.
GENERIC_WORDS = frozenset({"university", "college", "council", "city", "county", "borough",
                           "district", "metropolitan", "unitary", "ua", "authority", "of",
                           "and", "at", "upon", "on"})


_DIFFERENT_NUMBERS = 50.0


def _numbers(normalised: str) -> tuple[str, ...]:
    return tuple(w for w in normalised.split() if w.isdigit())


_INSTITUTION_WORDS = frozenset({"university", "college"})
_AUTHORITY_WORDS = frozenset({"council", "borough", "district", "county", "metropolitan"})


def _kind_of(normalised: str) -> str | None:
    """``institution`` or ``authority`` when the name's generic words say so."""
    words = set(normalised.split())
    if words & _INSTITUTION_WORDS:
        return None if words & _AUTHORITY_WORDS else "institution"
    return "authority" if words & _AUTHORITY_WORDS else None


def _generic(text: str) -> list[str]:
    return [w for w in normalise(text).split() if w in GENERIC_WORDS]


def _distinct(normalised: str) -> str:
    """The distinctive words of a normalised name, sorted."""
    return " ".join(sorted(w for w in normalised.split() if w not in GENERIC_WORDS))


@dataclass(frozen=True, slots=True)
class Candidate:
    """An organisation a name may be, with the best-scoring of its names."""

    key: str
    name: str
    score: float
    matched: str  # the name or alias that scored best


@dataclass(frozen=True, slots=True)
class Resolution:
    """What the resolver made of one typed name, and why."""

    text: str
    normalised: str
    outcome: str
    key: str | None
    name: str | None
    score: float
    reason: str
    candidates: tuple[Candidate, ...] = field(default=())

    @property
    def linked(self) -> bool:
        """True when the name was linked to an organisation without a reviewer."""
        return self.outcome in ("exact", "alias", "auto")


class Resolver:
    """Resolve typed names against a set of organisations and their aliases.

    Parameters
    ----------
    organisations : iterable of Organisation
        Their names and aliases are the index.
    auto_link, review_floor : float, optional
        The two thresholds (0-100); default: the ``resolver_auto_link`` and
        ``resolver_review_floor`` settings.
    """

    def __init__(self, organisations: Iterable[Organisation], *,
                 auto_link: float | None = None, review_floor: float | None = None) -> None:
        self.auto_link = float(resolve("resolver_auto_link", auto_link))
        self.review_floor = float(resolve("resolver_review_floor", review_floor))
        if not 0 <= self.review_floor <= self.auto_link <= 100:
            raise LandscapeError.of("S108", f"the review floor ({self.review_floor}) must "
                                    f"not exceed the auto-link threshold ({self.auto_link})")
        self.names: dict[str, str] = {}
        # normalised text -> {key: (shown text, safe for automatic linking)}
        self._index: dict[str, dict[str, tuple[str, bool]]] = defaultdict(dict)
        self._choices: list[str] | None = None
        self._by_distinct: dict[str, dict[str, tuple[str, str | None]]] = defaultdict(dict)
        self._distinct: list[str] = []
        self._numbered: list[tuple[str, ...]] = []
        for org in organisations:
            self.add(org.key, org.name, name=org.name)
            for alias in org.aliases:
                self.add(org.key, alias.text,
                         safe=alias.provenance.detail != _UNSAFE_DETAIL)

    def add(self, key: str, text: str, *, safe: bool = True, name: str | None = None) -> None:
        """Index ``text`` as a name of organisation ``key`` (``name`` sets its display name)."""
        if name is not None:
            self.names[key] = name
        normalised = normalise(text)
        if not normalised:
            return
        known = self._index[normalised].get(key)
        if known is None or (safe and not known[1]):
            self._index[normalised][key] = (text, safe)
        distinct = _distinct(normalised)
        if safe and distinct:
            self._by_distinct[distinct].setdefault(key, (text, _kind_of(normalised)))
        self._choices = None

    def _fuzzy(self, normalised: str) -> list[Candidate]:
        if self._choices is None:
            self._choices = list(self._index)
            self._distinct = [_distinct(c) for c in self._choices]
            self._numbered = [_numbers(c) for c in self._choices]
        if not self._choices:
            return []
        full = process.cdist([normalised], self._choices, scorer=fuzz.token_sort_ratio,
                             workers=1)[0]
        mine = _distinct(normalised)
        distinct = process.cdist([mine], self._distinct, scorer=fuzz.ratio, workers=1)[0]
        # Where either side is all generic words, the full score stands for both halves.
        empty = np.array([not d for d in self._distinct]) | (not mine)
        scores = (full + np.where(empty, full, distinct)) / 2
        # Numbers identify ("Synthetic council 012" is not "... 013"): names whose numbers
        # differ are never close.
        numbers = _numbers(normalised)
        differ = np.array([n != numbers for n in self._numbered])
        scores = np.where(differ, np.minimum(scores, _DIFFERENT_NUMBERS), scores)
        best: dict[str, Candidate] = {}
        for i in np.argsort(-scores, kind="stable")[:_CANDIDATES * 4]:
            choice, score = self._choices[int(i)], round(float(scores[i]), 1)
            for key, (shown, _safe) in self._index[choice].items():
                if key not in best or score > best[key].score:
                    best[key] = Candidate(key, self.names.get(key, key), score, shown)
        return sorted(best.values(), key=lambda c: (-c.score, c.name))[:_CANDIDATES]

    def _same_but_generic(self, normalised: str) -> dict[str, str]:
        """Organisations whose name equals ``normalised`` but for generic words, where the
        words that say what kind of body it is do not conflict (key -> matched name)."""
        distinct = _distinct(normalised)
        if not distinct:
            return {}
        kind = _kind_of(normalised)
        return {key: shown for key, (shown, other) in self._by_distinct.get(distinct, {}).items()
                if kind is None or other is None or kind == other}

    def resolve(self, text: str) -> Resolution:
        """Resolve one typed name (``L114`` for a name with no letters or digits)."""
        normalised = normalise(text)
        if not normalised:
            raise LandscapeError.of("L114", "the name is empty or has no letters or digits")
        exact = self._index.get(normalised, {})
        candidates = self._fuzzy(normalised)
        if len(exact) == 1:
            ((key, (shown, safe)),) = exact.items()
            name = self.names.get(key, key)
            if safe:
                outcome = "exact" if normalise(name) == normalised else "alias"
                reads = (f"'{text}' is" if text.strip() == shown else
                         f"'{text}' reads '{normalised}' once normalised:")
                reason = (f"{reads} the name of '{name}'" if outcome == "exact" else
                          f"{reads} a known name of '{name}' (as '{shown}')")
                return Resolution(text, normalised, outcome, key, name, 100.0, reason,
                                  tuple(candidates))
            return Resolution(text, normalised, "review", key, name, 100.0,
                              f"'{text}' matches '{shown}', a name the registry marks as "
                              f"possibly ambiguous, of '{name}': a reviewer should confirm",
                              tuple(candidates))
        if len(exact) > 1:
            shared = sorted(self.names.get(k, k) for k in exact)
            first = min(exact, key=lambda k: self.names.get(k, k))
            return Resolution(text, normalised, "review", first, self.names.get(first, first),
                              100.0, f"'{text}' is a name of {len(exact)} organisations ("
                              f"{'; '.join(shared[:4])}): a reviewer should choose",
                              tuple(candidates))
        same = self._same_but_generic(normalised)
        if len(same) == 1:
            ((key, shown),) = same.items()
            name = self.names.get(key, key)
            return Resolution(text, normalised, "auto", key, name, 100.0,
                              f"'{text}' is '{shown}' but for words every council or "
                              f"university name has ({', '.join(_generic(shown))}), and no "
                              f"other organisation's name reduces to it", tuple(candidates))
        if len(same) > 1:
            first = min(same, key=lambda k: self.names.get(k, k))
            return Resolution(text, normalised, "review", first, self.names.get(first, first),
                              100.0, f"'{text}' reduces to the names of {len(same)} "
                              f"organisations once generic words are set aside ("
                              f"{'; '.join(sorted(self.names.get(k, k) for k in same)[:4])})"
                              ": a reviewer should choose", tuple(candidates))
        if not candidates or candidates[0].score < self.review_floor:
            closest = candidates[0] if candidates else None
            near = (f"; the closest is '{closest.name}' (score {closest.score:.0f})"
                    if closest else "")
            return Resolution(text, normalised, "new", None, None,
                              closest.score if closest else 0.0,
                              f"'{text}' scores below the review floor "
                              f"({self.review_floor:.0f}) against every organisation{near}",
                              tuple(candidates))
        top = candidates[0]
        runner_up = next((c for c in candidates[1:] if c.key != top.key), None)
        gap = top.score - runner_up.score if runner_up else 100.0
        if top.score >= self.auto_link and gap >= MARGIN:
            return Resolution(text, normalised, "auto", top.key, top.name, top.score,
                              f"'{text}' is close to '{top.matched}' (score {top.score:.0f} "
                              f">= {self.auto_link:.0f}) and ahead of any other organisation",
                              tuple(candidates))
        why = (f"score {top.score:.0f} is between the review floor ({self.review_floor:.0f}) "
               f"and the auto-link threshold ({self.auto_link:.0f})"
               if top.score < self.auto_link else
               f"'{runner_up.name if runner_up else ''}' scores within {MARGIN:.0f} points")
        return Resolution(text, normalised, "review", top.key, top.name, top.score,
                          f"'{text}' may be '{top.name}' (as '{top.matched}'), but {why}",
                          tuple(candidates))
