"""Which generating models could have printed a band table, and the fewest wrong cells.

Two questions a methodologist asks of a printed band table that its stated
design cannot give (see :mod:`survey.ranking.audit`):

1. **The fewest cells that must be wrong** under the stated design (``n``
   complete rankings, common base ``n``, the stated rounding): found exactly by
   :func:`survey.ranking.misprints.fewest_wrong`, with one smallest set of cells
   and a table of counts that keeps every other cell.
2. **Which models could have printed it.** Each model below gets a verdict: it
   can give the printed table (no cell need be wrong) or it cannot, and then the
   fewest cells that must be wrong under it. Free parameters are searched
   exhaustively inside the exact programme or by enumeration:

   * ``complete``: complete rankings, common base ``n`` (the stated design);
   * ``per-option``: partial rankings (each respondent ranks their top ``t``,
     any ``t``), each option's shares over the respondents who ranked it at all;
     every mix of lengths ``1..K`` among up to ``n`` respondents is searched;
   * ``top-k``: ``n`` respondents, some of whom rank only their first ``k``,
     shares of ``n``; every ``k`` in ``1..K-1`` and every number of such
     respondents ``0..n``;
   * ``rounding-*``: complete rankings, common base, rounding half-up,
     half-even, down (floor) or up (ceiling), whichever the table did not state;
   * ``duplicated-row``: one row is a copy of another identical printed row (its
     true values unknown, so its cells are not counted); every identical pair,
     either way round;
   * ``transposed-row``: one row's values printed in another band order; every
     row and every other order of its values.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from survey.ranking.audit import table_design
from survey.ranking.bands import band_label
from survey.ranking.misprints import SEARCH_SECONDS, Misprints, SearchLimit, fewest_wrong
from survey.ranking.published import PublishedTable

__all__ = ["ModelAudit", "Verdict", "audit_models"]

_ROUNDINGS = ("half-up", "half-even", "down", "up")
_ROUNDING_WORDS = {"half-up": "half-up", "half-even": "round-half-even", "down": "floor",
                   "up": "ceiling"}


@dataclass(frozen=True)
class Verdict:
    """One generating model's answer: ``fewest`` cells must be wrong (0: it can)."""

    model: str
    title: str
    searched: str
    fewest: int | None
    cells: int
    wrong: tuple[tuple[int, int], ...]
    detail: str = ""
    misprints: Misprints | None = None
    printed: tuple[tuple[Fraction, ...], ...] | None = None

    @property
    def can(self) -> bool | None:
        """Whether the model can print the table (``None``: does not apply)."""
        return None if self.fewest is None else self.fewest == 0


@dataclass(frozen=True)
class ModelAudit:
    """Both answers for one table: the fewest wrong cells and the model verdicts."""

    table: str
    n: int
    bands: tuple[tuple[int, int], ...]
    options: tuple[str, ...]
    printed: tuple[tuple[Fraction, ...], ...]
    rounding: str
    verdicts: tuple[Verdict, ...]

    @property
    def stated(self) -> Verdict:
        """The stated design's verdict (part 1)."""
        return self.verdicts[0]

    @property
    def cells(self) -> int:
        return len(self.options) * len(self.bands)

    def cell_name(self, cell: tuple[int, int]) -> str:
        return f"{self.options[cell[0]]} ({band_label(self.bands[cell[1]])})"

    def _cells(self, verdict: Verdict) -> list[dict[str, Any]]:
        result = verdict.misprints
        printed = verdict.printed or self.printed
        out = []
        for i, j in verdict.wrong:
            entry: dict[str, Any] = {"option": self.options[i],
                                     "band": band_label(self.bands[j]),
                                     "printed": _num(printed[i][j])}
            if result is not None:
                entry.update(count=int(result.counts[i, j]), base=result.bases[i],
                             prints_as=_num(result.reprinted[i][j]))
            out.append(entry)
        return out

    def sentence(self) -> str:
        """Part 1 in words."""
        v = self.stated
        fewest = v.fewest or 0
        if fewest == 0:
            return (f"No printed cell need be wrong: {self.n} complete rankings can give "
                    f"all {v.cells} printed cells.")
        return (f"At least {fewest} of the {v.cells} printed cells must be wrong; no table "
                f"that {self.n} complete rankings can give agrees with more than "
                f"{v.cells} - {fewest} = {v.cells - fewest} of them.")

    def summary(self) -> str:
        """One line for ``landscape reproduce``."""
        others = sorted((v for v in self.verdicts[1:] if v.fewest is not None),
                        key=lambda v: v.fewest or 0)
        can = [v.model for v in others if v.can]
        if self.stated.fewest == 0:
            text = (f"{self.table}: no printed cell need be wrong under {self.n} complete "
                    "rankings")
        else:
            text = (f"{self.table}: at least {self.stated.fewest} of {self.stated.cells} "
                    f"printed cells must be wrong under {self.n} complete rankings")
        if can:
            text += f"; models that can print it: {', '.join(can)}"
        elif others:
            text += ("; no other model tested prints it (fewest wrong: "
                     + ", ".join(f"{v.fewest} {v.model}" for v in others) + ")")
        return text + f" (landscape audit-table --table {self.table})."

    def to_text(self) -> str:
        lines = [f"The fewest cells that must be wrong ({self.table}, n={self.n}, complete "
                 f"rankings, rounding {self.rounding}):", "  " + self.sentence()]
        if self.stated.wrong:
            lines.append("  One smallest set, with a table the design can give that keeps "
                         "every other cell:")
            lines.extend(f"    {self.cell_name((c['option_index'], c['band_index']))}: "
                         f"printed {c['printed']}%, the table has {c['count']}/{c['base']} "
                         f"= {c['exact']:.1f}% (prints {c['prints_as']}%)"
                         for c in self._cell_lines(self.stated))
        lines.append("\nGenerating models (can it print the table? if not, the fewest cells "
                     "that must be wrong under it):")
        for v in self.verdicts:
            if v.fewest is None:
                verdict = ("not settled" if v.detail.startswith("not settled")
                           else "does not apply")
            elif v.can:
                verdict = "CAN print it"
            else:
                verdict = f"cannot: at least {v.fewest} of {v.cells} cells wrong"
            lines.append(f"  - {v.title}: {verdict}")
            lines.append(f"      searched: {v.searched}")
            if v.detail:
                lines.append(f"      {v.detail}")
            if v.wrong and v is not self.stated:
                lines.append("      wrong cells: "
                             + "; ".join(self.cell_name(c) for c in v.wrong))
        return "\n".join(lines)

    def _cell_lines(self, verdict: Verdict) -> list[dict[str, Any]]:
        result = verdict.misprints
        assert result is not None
        return [{"option_index": i, "band_index": j, "printed": _fmt(self.printed[i][j]),
                 "count": int(result.counts[i, j]), "base": result.bases[i],
                 "exact": float(Fraction(100 * int(result.counts[i, j]), result.bases[i])),
                 "prints_as": _fmt(result.reprinted[i][j])} for i, j in verdict.wrong]

    def to_dict(self) -> dict[str, Any]:
        stated = self.stated
        assert stated.misprints is not None
        return {
            "fewest_wrong": {
                "design": f"{self.n} complete rankings, common base, rounding "
                          f"{self.rounding}",
                "cells": stated.cells, "fewest": stated.fewest,
                "most_kept": stated.cells - (stated.fewest or 0),
                "statement": self.sentence(),
                "wrong_cells": self._cells(stated),
                "table": {o: [int(c) for c in stated.misprints.counts[i]]
                          for i, o in enumerate(self.options)},
            },
            "models": [{
                "model": v.model, "title": v.title, "searched": v.searched,
                "can_print": v.can, "fewest_wrong": v.fewest, "cells": v.cells,
                "detail": v.detail, "wrong_cells": self._cells(v),
                **({"respondents_by_length": {str(t): c for t, c in
                                              v.misprints.respondents.items() if c},
                    "bases": dict(zip(self.options, v.misprints.bases, strict=True))}
                   if v.misprints is not None else {}),
            } for v in self.verdicts],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)


def _num(value: Fraction) -> int | float:
    return int(value) if value.denominator == 1 else float(value)


def _fmt(value: Fraction) -> str:
    return str(int(value)) if value.denominator == 1 else f"{float(value):g}"


def audit_models(
    table: PublishedTable | Sequence[Sequence[int | float | Fraction]],
    n: int | None = None,
    bands: Sequence[tuple[int, int]] | None = None,
    *,
    precision: int | None = None,
    rounding: str | None = None,
    options: Sequence[str] | None = None,
    name: str = "table",
) -> ModelAudit:
    """The fewest wrong cells of a band table and each generating model's verdict.

    Parameters
    ----------
    table
        A :class:`~survey.ranking.published.PublishedTable`, or rows of printed
        percentages (then give ``n`` and ``bands``).
    n, bands, precision, rounding
        The stated design (override a PublishedTable's when given; precision
        default 0, rounding ``half-up``).
    options
        Row names for bare rows (default ``row 1`` ...).
    name
        Table name for the report.

    Returns
    -------
    ModelAudit

    Examples
    --------
    >>> result = audit_models([[60, 40], [60, 40]], n=5, bands=[(1, 1), (2, 2)])
    >>> result.sentence()[:47]
    'At least 2 of the 4 printed cells must be wrong'
    >>> [(v.model, v.fewest) for v in result.verdicts]  # doctest: +NORMALIZE_WHITESPACE
    [('complete', 2), ('per-option', 2), ('top-k', 1), ('rounding-half-even', 2),
     ('rounding-down', 2), ('rounding-up', 2), ('duplicated-row', 0), ('transposed-row', 0)]
    """
    design = table_design(table, n, bands, precision, rounding, options, name)
    printed = tuple(tuple(row) for row in design.printed)
    option_names = tuple(design.options)
    n, bands, name = design.n, design.bands, design.name
    verdicts = _verdicts(printed, option_names, n, tuple(hi - lo + 1 for lo, hi in bands),
                         design.precision, design.rounding)
    return ModelAudit(table=name, n=n, bands=bands, options=option_names, printed=printed,
                      rounding=design.rounding, verdicts=verdicts)


@functools.lru_cache(maxsize=16)
def _verdicts(printed: tuple[tuple[Fraction, ...], ...], names: tuple[str, ...], n: int,
              widths: tuple[int, ...], precision: int, rounding: str
              ) -> tuple[Verdict, ...]:
    # Cached: ``reproduce`` and ``audit-table`` ask for the same tables in one process.
    k = len(printed)
    rows = [list(r) for r in printed]

    def solve(table: list[list[Fraction]] = rows, rule: str = rounding,
              **kw: Any) -> Misprints:
        # Only the stated design's table is shown, so only it gets the second,
        # spreading search (which costs more than the first); the others list
        # one smallest set of wrong cells.
        return fewest_wrong(table, n, widths, precision=precision, rounding=rule,
                            **{"spread": False, **kw})

    def verdict(model: str, title: str, searched: str, result: Misprints,
                detail: str = "", table: list[list[Fraction]] | None = None) -> Verdict:
        return Verdict(model, title, searched, result.fewest, result.cells, result.wrong,
                       detail, result,
                       None if table is None else tuple(tuple(r) for r in table))

    out: list[Verdict] = []
    stated = solve(spread=True)
    out.append(verdict("complete", f"complete rankings, common base n={n} (the stated "
                       "design)", f"every table of counts {n} complete rankings can give "
                       "(exact integer programme)", stated))

    try:
        per_option: Misprints | None = solve(base="per-option", tops=range(1, k + 1))
    except SearchLimit:
        per_option = None
    title = ("per-option bases: partial rankings, each option's shares over those who "
             "ranked it")
    searched = f"every mix of ranking lengths 1-{k} among 1-{n} respondents (bases 1-{n})"
    if per_option is None:
        out.append(Verdict("per-option", title, searched, None, k * len(widths), (),
                           f"not settled: the exact search hit its {SEARCH_SECONDS} s limit"))
    else:
        lengths = ", ".join(f"{c} ranked top {t}" for t, c in per_option.respondents.items()
                            if c)
        out.append(verdict(
            "per-option", title, searched, per_option,
            f"a best table: {lengths}; bases {', '.join(map(str, per_option.bases))}"))

    by_k = {t: solve(tops=[t, k]) for t in range(1, k)}
    best_k = min(by_k, key=lambda t: (by_k[t].fewest, t))
    best = by_k[best_k]
    out.append(verdict(
        "top-k", f"top-k partial rankings, common base n={n}",
        f"k = 1-{k - 1} with 0-{n} of the {n} respondents ranking only their first k "
        f"(fewest wrong per k: {', '.join(f'k={t}: {r.fewest}' for t, r in by_k.items())})",
        best, f"a best choice: k={best_k}, {best.respondents[best_k]} respondents stop at k"
        if best.respondents[best_k] else "no k and no number of respondents stopping at k "
        "does better than complete rankings"))

    for rule in _ROUNDINGS:
        if rule == rounding:
            continue
        out.append(verdict(f"rounding-{rule}", f"complete rankings, common base, "
                           f"{_ROUNDING_WORDS[rule]} rounding", "as the stated design, with "
                           "this rounding rule", solve(rule=rule)))

    pairs = [(i, j) for i, j in itertools.permutations(range(k), 2) if rows[i] == rows[j]]
    if pairs:
        results = {(i, j): solve(free=[(i, b) for b in range(len(widths))])
                   for i, j in pairs}
        (i, j), result = min(results.items(), key=lambda kv: (kv[1].fewest, kv[0]))
        out.append(verdict(
            "duplicated-row", "one row printed as a copy of an identical row (its own "
            "values unknown)", f"each of the {len(pairs)} (copy, original) orderings of "
            "identical rows, complete rankings, common base", result,
            f"best: {names[i]} taken as the copy of {names[j]}; its {len(widths)} cells "
            "are not counted"))
    else:
        out.append(Verdict("duplicated-row", "one row printed as a copy of an identical "
                           "row", "pairs of identical printed rows: there are none", None,
                           k * len(widths), ()))

    tried: dict[tuple[int, tuple[int, ...]], Misprints] = {}
    for i in range(k):
        seen = {tuple(rows[i])}
        for order in itertools.permutations(range(len(widths))):
            values = tuple(rows[i][b] for b in order)
            if values in seen:
                continue
            seen.add(values)
            table = [list(r) for r in rows]
            table[i] = list(values)
            tried[i, order] = solve(table=table)
    if tried:
        (i, order), result = min(tried.items(), key=lambda kv: (kv[1].fewest, kv[0]))
        ties = sum(1 for r in tried.values() if r.fewest == result.fewest)
        values_text = "/".join(_fmt(rows[i][b]) for b in order)
        out.append(verdict(
            "transposed-row", "one row's values printed in the wrong band order",
            f"all {len(tried)} other orders of the values of each row, complete rankings, "
            "common base", result,
            f"a best one: {names[i]} read as {values_text} ({ties} of {len(tried)} "
            f"tie)", table=[[rows[r][b] for b in (order if r == i else range(len(widths)))]
                            for r in range(k)]))
    return tuple(out)
