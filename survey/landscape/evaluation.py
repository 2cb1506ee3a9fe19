"""How well the resolver links names it has not seen: precision and recall on held-out synonyms.

The labelled set is built from the registries' own synonyms (mySociety's name variants of
local authorities, the DfE list's match and suggestion synonyms of institutions):

* each organisation's synonyms are split by a stable hash of (organisation, normalised
  synonym): a share (default 30%) is **held out**, the rest stay in the resolver's alias
  table. The resolver under test is built from the registry *without* the held-out ones;
* **positives** are the held-out synonyms whose normalised form the resolver cannot look up
  (not the normalised form of the organisation's name or of a kept alias): a lookup would
  only test the normaliser. How many were trivial is reported too;
* **negatives** are the names and aliases of bodies the 2022 dataset adds by hand (LEPs,
  research centres, national bodies, public services), which are *not* in the registry:
  any link of one of them is a false link.

Reported: precision of automatic links (correct links / all links, negatives included),
recall (correct links / positives), and how many names went to review or became new. Names
of former authorities are not used (their successor's name differs entirely).

Examples
--------
>>> report = evaluate_resolver()
>>> report.precision >= 0.95
True
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

from survey.landscape.dataset import load_dataset
from survey.landscape.names import normalise
from survey.landscape.records import Organisation
from survey.landscape.registry import Registry, load_registry
from survey.landscape.resolver import Resolution, Resolver

__all__ = ["EvaluationReport", "evaluate_resolver", "labelled_variants"]

_SYNONYMS = ("name variant", "match synonym", "suggestion synonym")


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    """The resolver's outcomes on the labelled set."""

    holdout_share: float
    positives: int
    trivial: int  # held-out synonyms the normaliser alone maps to a kept name
    negatives: int
    correct: int  # positives linked to the right organisation
    wrong: int  # positives linked to another organisation
    false_links: int  # negatives linked to any organisation
    review: int  # positives and negatives sent to review
    review_right: int  # positives in review whose top candidate is right
    new: int  # positives and negatives left as new
    auto_link: float
    review_floor: float
    errors: tuple[tuple[str, str, str], ...] = field(default=())  # text, expected, got

    @property
    def precision(self) -> float:
        linked = self.correct + self.wrong + self.false_links
        return self.correct / linked if linked else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.positives if self.positives else 0.0

    @property
    def review_rate(self) -> float:
        return self.review / (self.positives + self.negatives)

    def lines(self) -> list[str]:
        """The report as text lines."""
        return [
            f"thresholds: auto-link >= {self.auto_link:.0f}, review >= {self.review_floor:.0f};"
            f" held-out share {self.holdout_share:.0%}",
            f"positives (held-out synonyms, not a lookup): {self.positives} "
            f"(+{self.trivial} the normaliser alone maps, not counted)",
            f"negatives (hand-added bodies not in the registry): {self.negatives}",
            f"automatic links: {self.correct} correct, {self.wrong} to the wrong body, "
            f"{self.false_links} of negatives",
            f"precision {self.precision:.3f}  recall {self.recall:.3f}  review rate "
            f"{self.review_rate:.3f} ({self.review} names; {self.review_right} positives with "
            f"the right top candidate)  new {self.new}",
        ]


def _held_out(key: str, normalised: str, share: float) -> bool:
    digest = hashlib.sha256(f"{key}|{normalised}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


def labelled_variants(registry: Registry, share: float = 0.3
                      ) -> tuple[tuple[Organisation, ...], list[tuple[str, str]], int]:
    """The registry without held-out synonyms, the positives (text, key), and how many
    held-out synonyms were trivial."""
    kept: list[Organisation] = []
    positives: list[tuple[str, str]] = []
    trivial = 0
    for org in registry.organisations:
        keep = [a for a in org.aliases if a.provenance.detail not in _SYNONYMS
                or not _held_out(org.key, normalise(a.text), share)]
        held = [a for a in org.aliases if a not in keep]
        kept.append(replace(org, aliases=tuple(keep)))
        known = {normalise(org.name), *(normalise(a.text) for a in keep)}
        seen: set[str] = set()
        for alias in held:
            form = normalise(alias.text)
            if form in seen:
                continue
            seen.add(form)
            if form in known:
                trivial += 1
            else:
                positives.append((alias.text, org.key))
    return tuple(kept), positives, trivial


def evaluate_resolver(share: float = 0.3, *, auto_link: float | None = None,
                      review_floor: float | None = None) -> EvaluationReport:
    """Evaluate the resolver on held-out registry synonyms and non-registry bodies."""
    registry = load_registry()
    organisations, positives, trivial = labelled_variants(registry, share)
    resolver = Resolver(organisations, auto_link=auto_link, review_floor=review_floor)
    hand_added = [o for o in load_dataset(registry=registry).organisations
                  if o.key not in registry.by_key and not any(
                      p.kind == "registry" for p in o.provenance)]
    negatives = sorted({text for o in hand_added for text in (o.name, *(
        a.text for a in o.aliases)) if len(normalise(text)) > 3})
    correct = wrong = false_links = review = review_right = new = 0
    errors: list[tuple[str, str, str]] = []

    def count(result: Resolution, expected: str | None) -> None:
        nonlocal correct, wrong, false_links, review, review_right, new
        if result.linked:
            if expected is None:
                false_links += 1
                errors.append((result.text, "(not in the registry)", str(result.key)))
            elif result.key == expected:
                correct += 1
            else:
                wrong += 1
                errors.append((result.text, expected, str(result.key)))
        elif result.outcome == "review":
            review += 1
            review_right += int(expected is not None and result.key == expected)
        else:
            new += 1

    for text, key in positives:
        count(resolver.resolve(text), key)
    for text in negatives:
        count(resolver.resolve(text), None)
    return EvaluationReport(share, len(positives), trivial, len(negatives), correct, wrong,
                            false_links, review, review_right, new, resolver.auto_link,
                            resolver.review_floor, tuple(errors))
