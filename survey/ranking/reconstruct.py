"""Reconstruct respondent-level rankings from a published band table.

The demo data shipped in ``survey/data/demo_rankings.csv`` is built by this
module, not by hand; run ``python -m survey.ranking.reconstruct`` to rebuild it
(the build is deterministic). It is **reconstructed to match published
aggregates, not the real responses**, and says so in its ``data_status`` column.

Method
------
1. **Target counts.** For each published table, the count table nearest to the
   printed percentages that complete strict rankings can produce
   (:func:`survey.ranking.audit.nearest_table`, an exact min-cost flow). For
   Table 2 (n = 17) that table prints exactly as published; Table 1 (n = 35)
   cannot be printed by any complete ranking data (see the audit), so the nearest
   table is used.
2. **Decomposition.** A count table ``C`` (options x bands) with row sums ``n``
   and band sums ``w_b * n`` is split into ``n`` respondents, each placing every
   option in exactly one band and exactly ``w_b`` options in band ``b``. Split
   each band into ``w_b`` *slots*, sharing the band's counts out so that every
   slot totals ``n``: the option x slot matrix is then ``n``-regular, i.e. a
   regular bipartite multigraph, which by König's theorem is a union of ``n``
   perfect matchings. Each perfect matching (found with Hopcroft-Karp in
   networkx on the remaining support, then removed) is one respondent.
3. **Order within bands.** Positions inside a band are shuffled with a seeded
   generator, and so is the order of respondents; the seed makes it repeatable.

By construction ``band_table`` of the result equals the target counts exactly.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from survey.files import atomic_write
from survey.instrument.model import RankingRule
from survey.ranking.audit import nearest_table
from survey.ranking.bands import RankingData
from survey.ranking.published import PublishedTable, load_tables

__all__ = [
    "DATA_STATUS",
    "DEMO_QUESTION",
    "TABLE_INSTRUMENTS",
    "build_demo_rankings",
    "decompose",
    "demo_path",
    "demo_ranking_data",
    "load_demo_rankings",
    "reconstruct_table",
    "target_counts",
]

#: The label every reconstructed row carries, in the data and on screen.
DATA_STATUS = "reconstructed to match published aggregates, not the real responses"

#: The ranking question the demo data answers (in both instruments).
DEMO_QUESTION = "evidence_priorities"

#: Which instrument each published table describes.
TABLE_INSTRUMENTS: dict[str, str] = {
    "table_1_local_government": "local_government",
    "table_2_researcher": "researcher",
}

_SEED = 2022
_PREFIX = {"local_government": "lg", "researcher": "res"}


def demo_path() -> Path:
    """Where the shipped demo rankings live (inside the installed package)."""
    return Path(str(resources.files("survey") / "data" / "demo_rankings.csv"))


def target_counts(table: PublishedTable) -> np.ndarray:
    """The count table to reconstruct: nearest to the print that complete rankings allow.

    Examples
    --------
    >>> t2 = load_tables()["table_2_researcher"]
    >>> target_counts(t2)[0].tolist()   # 10/17 = 59%, 4/17 = 24%, 3/17 = 18%
    [10, 4, 3]
    """
    widths = [hi - lo + 1 for lo, hi in table.bands]
    return nearest_table(table.pcts, table.n, widths, table.precision, table.rounding)


def decompose(
    counts: np.ndarray,
    bands: tuple[tuple[int, int], ...],
    seed: int = _SEED,
) -> np.ndarray:
    """Split a band count table into complete strict rankings (see the module docstring).

    Parameters
    ----------
    counts
        Integer (options x bands) table; every row sums to ``n`` and band ``b``'s
        column to ``width_b * n``; bands cover positions 1..K exactly.
    bands
        The bands as (first, last) positions.
    seed
        Seed for the order within bands and of respondents.

    Returns
    -------
    numpy.ndarray
        ``(n, K)`` positions: row = respondent, column = option, values 1..K.

    Examples
    --------
    >>> ranks = decompose(np.array([[2, 1], [1, 2]]), ((1, 1), (2, 2)))
    >>> sorted(map(tuple, ranks.tolist()))
    [(1, 2), (1, 2), (2, 1)]
    """
    counts = np.asarray(counts, dtype=np.int64)
    k, n_bands = counts.shape
    widths = [hi - lo + 1 for lo, hi in bands]
    n = int(counts[0].sum())
    if (counts < 0).any() or (counts.sum(axis=1) != n).any():
        raise ValueError("every option's counts must add up to the same n")
    if list(counts.sum(axis=0)) != [w * n for w in widths] or sum(widths) != k:
        raise ValueError("band b's counts must add up to width_b * n, widths summing to K")

    # Slots: band b becomes widths[b] columns, each filled to exactly n.
    slot_band: list[int] = []
    slots = np.zeros((k, k), dtype=np.int64)
    column = 0
    for b, w in enumerate(widths):
        first = column
        room = n
        for i in range(k):
            left = int(counts[i, b])
            while left:
                take = min(left, room)
                slots[i, column] += take
                left -= take
                room -= take
                if room == 0:  # slot full: move to the band's next slot
                    column += 1
                    room = n
        slot_band.extend([b] * w)
        column = first + w
    assert (slots.sum(axis=0) == n).all() and (slots.sum(axis=1) == n).all()

    rng = np.random.default_rng(seed)
    respondents = np.zeros((n, k), dtype=np.int64)
    for r in range(n):
        # Integer nodes (options 0..k-1, slots k..2k-1): their hashes do not vary
        # between runs, so the matchings, and the shipped file, are reproducible.
        graph = nx.Graph()
        graph.add_nodes_from(range(k), bipartite=0)
        graph.add_nodes_from(range(k, 2 * k), bipartite=1)
        graph.add_edges_from((i, k + s) for i in range(k) for s in range(k) if slots[i, s] > 0)
        matching = nx.bipartite.hopcroft_karp_matching(graph, top_nodes=range(k))
        in_band: list[list[int]] = [[] for _ in range(n_bands)]
        for i in range(k):
            s = matching[i] - k
            slots[i, s] -= 1
            in_band[slot_band[s]].append(i)
        for b, (lo, hi) in enumerate(bands):
            order = rng.permutation(len(in_band[b]))
            for position, idx in zip(range(lo, hi + 1), order, strict=True):
                respondents[r, in_band[b][idx]] = position
    return respondents[rng.permutation(n)]


def reconstruct_table(table: PublishedTable, instrument: str, seed: int = _SEED
                      ) -> pd.DataFrame:
    """Demo rankings for one published table, as rows of the demo CSV.

    Columns: ``respondent_id``, ``instrument``, ``data_status`` and one column per
    option code (the table's rows, which follow the instrument's option order).
    """
    ranks = decompose(target_counts(table), table.bands, seed)
    prefix = _PREFIX.get(instrument, instrument)
    frame = pd.DataFrame(ranks, columns=list(table.codes)).astype("Int64")
    frame.insert(0, "data_status", DATA_STATUS)
    frame.insert(0, "instrument", instrument)
    frame.insert(0, "respondent_id", [f"{prefix}-demo-{i + 1:03d}" for i in range(len(ranks))])
    return frame


def build_demo_rankings(seed: int = _SEED) -> pd.DataFrame:
    """Both instruments' demo rankings in one frame (blank where an option is not asked).

    Examples
    --------
    >>> demo = build_demo_rankings()
    >>> demo.groupby("instrument").size().to_dict()
    {'local_government': 35, 'researcher': 17}
    """
    parts = [reconstruct_table(table, TABLE_INSTRUMENTS[name], seed)
             for name, table in load_tables().items()]
    columns: list[str] = []
    for part in parts:
        columns.extend(c for c in part.columns if c not in columns)
    return pd.concat(parts, ignore_index=True)[columns]


def load_demo_rankings(path: Path | None = None) -> pd.DataFrame:
    """Read the shipped demo rankings CSV (ranks as nullable ``Int64``).

    Examples
    --------
    >>> load_demo_rankings()["data_status"].unique().tolist() == [DATA_STATUS]
    True
    """
    frame = pd.read_csv(path or demo_path(), dtype={"respondent_id": str, "instrument": str,
                                                     "data_status": str},
                        encoding="utf-8-sig")
    for column in frame.columns[3:]:
        frame[column] = frame[column].astype("Int64")
    return frame


def demo_ranking_data(instrument: str, path: Path | None = None) -> RankingData:
    """One instrument's demo rankings as :class:`RankingData` (question evidence_priorities).

    Examples
    --------
    >>> data = demo_ranking_data("researcher")
    >>> len(data.ranks), data.options[2]
    (17, 'support_from_policy_organisations')
    """
    demo = load_demo_rankings(path)
    table = next(t for name, t in load_tables().items() if TABLE_INSTRUMENTS[name] == instrument)
    rows = demo[demo["instrument"] == instrument].set_index("respondent_id")
    options = table.codes
    return RankingData(
        ranks=rows[list(options)],
        options=options,
        labels=table.labels,
        groups=None,
        rule=RankingRule(mode="full", ties="forbid"),
        question=DEMO_QUESTION,
    )


def _main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent / "data" / (
        "demo_rankings.csv")
    frame = build_demo_rankings()
    atomic_write(target, lambda temporary: frame.to_csv(
        temporary, index=False, encoding="utf-8", lineterminator="\n"))
    print(f"wrote {len(frame)} reconstructed rankings to {target}")
    return 0


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    raise SystemExit(_main(sys.argv[1:]))
