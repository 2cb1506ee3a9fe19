"""Benchmark: band tables for 1,000,000 respondents x 9 options.

Compares ``survey.ranking.band_table`` with DuckDB (one SQL scan of the wide
table, 27 conditional counts) and ``pandas.crosstab`` (melt to long, then
crosstab option x band) on the same random complete rankings, in one run, and
checks all three agree. Peak memory is measured with ``tracemalloc`` in a
separate pass (it sees Python/NumPy allocations, not DuckDB's own allocator)
plus the process's maximum resident size.

Run: ``python benchmarks/bench_bands.py [--respondents N] [--repeat R]``
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable

import numpy as np
import pandas as pd

from survey.ranking import band_table

BANDS = ((1, 3), (4, 6), (7, 9))
LABELS = ["1-3", "4-6", "7-9"]


def make_rankings(respondents: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    positions = np.argsort(rng.random((respondents, 9)), axis=1).argsort(axis=1) + 1
    return pd.DataFrame(positions, columns=[f"o{i}" for i in range(9)]).astype("Int64")


def with_band_table(frame: pd.DataFrame) -> np.ndarray:
    return band_table(frame, bands=BANDS).counts[0]


def with_duckdb(frame: pd.DataFrame) -> np.ndarray:
    import duckdb

    con = duckdb.connect()
    con.register("ranks", frame)
    cells = ", ".join(
        f"count(*) FILTER (WHERE {c} BETWEEN {lo} AND {hi})"
        for c in frame.columns for lo, hi in BANDS)
    row = con.execute(f"SELECT {cells} FROM ranks").fetchone()  # noqa: S608 - fixed names
    con.close()
    assert row is not None
    return np.array(row, dtype=np.int64).reshape(len(frame.columns), len(BANDS))


def with_crosstab(frame: pd.DataFrame) -> np.ndarray:
    long = frame.melt(var_name="option", value_name="rank").dropna()
    band = pd.cut(long["rank"].astype("int64"), [0, 3, 6, 9], labels=LABELS)
    table = pd.crosstab(long["option"], band)
    return table.reindex(index=frame.columns, columns=LABELS).to_numpy(dtype=np.int64)


def time_it(function: Callable[[pd.DataFrame], np.ndarray], frame: pd.DataFrame,
            repeat: int) -> tuple[float, np.ndarray]:
    result = function(frame)  # warm-up (imports, caches)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function(frame)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def peak_traced(function: Callable[[pd.DataFrame], np.ndarray], frame: pd.DataFrame) -> float:
    tracemalloc.start()
    function(frame)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    frame = make_rankings(args.respondents)
    print(f"built {args.respondents:,} complete rankings x 9 options (nullable Int64) in "
          f"{time.perf_counter() - start:.2f} s; data {frame.memory_usage().sum() / 2**20:.0f} MiB")

    contenders = {"band_table": with_band_table, "duckdb": with_duckdb,
                  "pandas.crosstab": with_crosstab}
    results: dict[str, tuple[float, np.ndarray]] = {
        name: time_it(function, frame, args.repeat) for name, function in contenders.items()}
    reference = results["band_table"][1]
    for name, (_, counts) in results.items():
        assert np.array_equal(counts, reference), f"{name} disagrees with band_table"
    peaks = {name: peak_traced(function, frame) for name, function in contenders.items()}

    base = results["band_table"][0]
    print(f"\n{'method':<16} {'median s':>9} {'x band_table':>13} {'peak traced MiB':>16}")
    for name, (seconds, _) in results.items():
        print(f"{name:<16} {seconds:>9.3f} {seconds / base:>13.2f} {peaks[name]:>16.0f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"\nall three agree on every count; median of {args.repeat} runs; "
          f"process max RSS {rss:.0f} MiB (duckdb memory is not traced)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
