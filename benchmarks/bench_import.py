"""Benchmark: importing respondents on the full local-government instrument.

Generates a realistic SYNTHETIC export (every question answered consistently with
the skip logic: both paths, follow-on questions only when shown, labels and codes
mixed as other tools write them, Welsh organisation names, the ranking question
as one rank column per option) and times ``landscape responses import`` on it -
file read, checks and validation included - into SQLite and into PostgreSQL. In
the same run, the very rows the import stored (responses, respondents, answers,
ranking answers) are read back and inserted into a freshly migrated, empty copy of
the same tables with the driver's plain ``cursor.executemany`` (no validation),
one transaction per backend, on a connection of the store's own engine (so the
same settings apply: on SQLite foreign keys on, WAL, synchronous=NORMAL). The
goal is an import at least half that fast.

PostgreSQL: 127.0.0.1:5432, trust auth, database ``test``; a scratch database is
created per measurement and dropped afterwards. Skipped with a note if unreachable.

Run: ``python benchmarks/bench_import.py [--rows N] [--backend sqlite|postgresql]``
(``--profile`` writes a cProfile of the first backend's import to ``bench_import.prof``).
"""

from __future__ import annotations

import argparse
import csv
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from survey.instrument.model import InstrumentVersion, Question
from survey.instrument.places import REGIONS
from survey.instrument.registry import Catalogue
from survey.store import Store, record_instrument
from survey.store.imports import import_responses

PG_ADMIN = "postgresql+psycopg://{user}@127.0.0.1:5432/test"
TABLES = ("respondents", "responses", "answers", "ranking_answers")
ORGANISATIONS = ("Wrexham County Borough Council", "Cyngor Gwynedd",
                 "Isle of Anglesey County Council (Cyngor Sir Ynys Môn)",
                 "Greater Manchester Combined Authority", "Glasgow City Council",
                 "Belfast City Council", "Cheshire and Warrington LEP",
                 "Rhondda Cynon Taf County Borough Council")
PARTNERS = ("Wrexham Glyndŵr University", "Prifysgol Bangor", "Cardiff University",
            "University of Manchester", "Ulster University", "University of Strathclyde",
            "Aberystwyth University (Prifysgol Aberystwyth)")
TEXTS = ("Better use of local data for the economic strategy and skills plan.",
         "A shared observatory with the university; joint analysis of the labour market.",
         "Capacity is short on both sides; timescales differ; funding is piecemeal.",
         "Mwy o gydweithio rhwng y cyngor a'r brifysgol ar dystiolaeth leol - ŵ ŷ ô â.",
         "Small grants for quick, policy-relevant projects would help us most.")


def _choose(rng: random.Random, q: Question, k: int, labels: bool) -> list[str]:
    picked = rng.sample(list(q.options), k)
    return [o.label.en if labels else o.code for o in picked]


def generate_rows(iv: InstrumentVersion, rows: int, seed: int = 7) -> tuple[list[str],
                                                                              Iterator[list[Any]]]:
    """A header and rows of a synthetic export of ``iv`` (local_government@1.0.0)."""
    q = iv.question
    ranking = q("evidence_priorities")
    assert ranking is not None
    multi = ("evidence_sources", "motivations", "partnership_origin", "central_initiative",
             "themes", "what_would_help")
    header = ["external_id", "consent", "organisation", "organisation_type", "role", "nation",
              "region", "in_partnership", "evidence_sources", "evidence_sources_named",
              "motivations", "partnership_origin", "central_initiative", "focus", "themes",
              "formality", "partner_organisation_1", "partner_organisation_2",
              "partner_organisation_3", "outcomes", "success", "challenges", "funder_ideas",
              "partnership_intention", "openness", "what_would_help",
              "challenges_no_partnership",
              *(f"evidence_priorities.{o}" for o in ranking.option_codes),
              "follow_up_interview", "anything_else"]
    english = [r.en for r in REGIONS if r.nation == "england"]

    def body() -> Iterator[list[Any]]:
        rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
        for n in range(rows):
            labels = rng.random() < 0.5  # half the rows as a labelled export
            a: dict[str, Any] = {"external_id": f"R_{n:07d}", "consent": "Yes",
                                 "organisation": rng.choice(ORGANISATIONS),
                                 "role": "Head of Economic Development"}
            org = q("organisation_type")
            assert org is not None
            a["organisation_type"] = _choose(rng, org, 1, labels)[0]
            nation = rng.choices(["England", "Scotland", "Wales", "Northern Ireland"],
                                 [193, 32, 21, 10])[0]
            a["nation"] = nation
            if nation == "England":
                a["region"] = rng.choice(english)
            partnership = rng.random() < 0.7
            a["in_partnership"] = "yes" if partnership else "No"
            if partnership:
                for code in multi[:3]:
                    question = q(code)
                    assert question is not None
                    a[code] = ";".join(_choose(rng, question, rng.randint(1, 3), labels))
                a["evidence_sources_named"] = "ONS; Nomis; the local observatory"
                if "central_government_initiative" in a["partnership_origin"] or \
                        "central government initiative" in a["partnership_origin"]:
                    question = q("central_initiative")
                    assert question is not None
                    a["central_initiative"] = " ".join(_choose(rng, question, 2, False))
                focus = q("focus")
                assert focus is not None
                a["focus"] = rng.choice(focus.option_codes)
                if a["focus"] in ("inclusive_economy", "specific_themes"):
                    themes = q("themes")
                    assert themes is not None
                    a["themes"] = ";".join(_choose(rng, themes, rng.randint(1, 4), labels))
                formality = q("formality")
                assert formality is not None
                a["formality"] = _choose(rng, formality, 1, labels)[0]
                partners = rng.sample(PARTNERS, rng.randint(1, 3))
                for i, name in enumerate(partners, start=1):
                    a[f"partner_organisation_{i}"] = name
                a["outcomes"] = rng.choice(TEXTS)
                a["success"] = rng.randint(1, 5)
                a["challenges"] = rng.choice(TEXTS)
                a["funder_ideas"] = rng.choice(TEXTS)
            else:
                intention = q("partnership_intention")
                help_q = q("what_would_help")
                assert intention is not None and help_q is not None
                a["partnership_intention"] = _choose(rng, intention, 1, labels)[0]
                a["openness"] = rng.randint(1, 5)
                a["what_would_help"] = ";".join(_choose(rng, help_q, 2, labels))
                a["challenges_no_partnership"] = rng.choice(TEXTS)
            order = list(ranking.option_codes)
            rng.shuffle(order)
            for position, code in enumerate(order, start=1):
                a[f"evidence_priorities.{code}"] = position
            a["follow_up_interview"] = rng.choice(["yes", "no", ""])
            a["anything_else"] = rng.choice(("", *TEXTS))
            yield [a.get(h, "") for h in header]

    return header, body()


def write_csv(path: Path, iv: InstrumentVersion, rows: int) -> Path:
    header, body = generate_rows(iv, rows)
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(body)
    return path


# -- databases ---------------------------------------------------------------------------


@contextmanager
def scratch_url(backend: str, folder: Path) -> Iterator[str]:
    """A brand-new migrated store URL; dropped (PostgreSQL) afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / ('bench_' + secrets.token_hex(4) + '.db')}"
        with Store.open(url, check=False, create=True) as store:
            store.upgrade()
        yield url
        return
    admin = create_engine(PG_ADMIN.format(user="postgres"), isolation_level="AUTOCOMMIT")
    name = "landscape_bench_" + secrets.token_hex(6)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.format(user="postgres").rsplit("/", 1)[0] + "/" + name
    try:
        with Store.open(url, check=False) as store:
            store.upgrade()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pg_available() -> bool:
    engine = create_engine(PG_ADMIN.format(user="postgres"))
    try:
        with engine.connect():
            return True
    except Exception:  # any failure means "not here"
        return False
    finally:
        engine.dispose()


def _stored_rows(url: str) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    engine = create_engine(url)
    out: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
    with engine.connect() as conn:
        for table in TABLES:
            result = conn.exec_driver_sql(f"SELECT * FROM {table}")  # noqa: S608 - fixed
            out[table] = (list(result.keys()), [tuple(r) for r in result])
    engine.dispose()
    return out


def plain_executemany(url: str, rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]]
                      ) -> float:
    """Seconds to insert ``rows`` with the driver's cursor.executemany, one transaction."""
    # The store's own engine, so the connection settings match the import's (on
    # SQLite: foreign keys enforced, WAL, synchronous=NORMAL).
    store = Store.open(url)
    engine = store.engine
    marker = "?" if engine.dialect.name == "sqlite" else "%s"
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        start = time.perf_counter()
        if engine.dialect.name == "sqlite":
            # The store's SQLite connections leave BEGIN to the caller (as the store does).
            cursor.execute("BEGIN IMMEDIATE")
        for table in TABLES:
            columns, values = rows[table]
            sql = (f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - fixed names
                   f"VALUES ({', '.join([marker] * len(columns))})")
            if values:
                cursor.executemany(sql, values)
        raw.commit()
        elapsed = time.perf_counter() - start
        cursor.close()
    finally:
        raw.close()
        store.close()
    return elapsed


def measure(backend: str, csv_path: Path, iv: InstrumentVersion, folder: Path,
            profile: bool = False) -> dict[str, Any]:
    with scratch_url(backend, folder) as url:
        store = Store.open(url)
        record_instrument(store, iv)  # one-off, not per row: recorded before timing
        run: Callable[[], Any] = lambda: import_responses(store, csv_path, iv)  # noqa: E731
        start = time.perf_counter()
        if profile:
            import cProfile

            with cProfile.Profile() as prof:
                result = run()
            prof.dump_stats("bench_import.prof")
        else:
            result = run()
        import_s = time.perf_counter() - start
        store.close()
        assert result.imported == result.rows, result.summary()
        stored = _stored_rows(url)
    with scratch_url(backend, folder) as url:
        with Store.open(url) as store:
            record_instrument(store, iv)
        many_s = plain_executemany(url, stored)
    counts = {t: len(stored[t][1]) for t in TABLES}
    return {"backend": backend, "rows": result.rows, "import_s": import_s,
            "many_s": many_s, "counts": counts}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    iv = Catalogue.default().load("local_government@1.0.0")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if "postgresql" in backends and not pg_available():
        print("PostgreSQL at 127.0.0.1:5432 is unreachable: skipping it", file=sys.stderr)
        backends.remove("postgresql")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        csv_path = write_csv(folder / "synthetic_local_government_export.csv", iv, args.rows)
        print(f"generated {args.rows:,} SYNTHETIC respondents "
              f"({csv_path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - start:.1f}s")
        results = [measure(b, csv_path, iv, folder, args.profile and b == backends[0])
                   for b in backends]
    print(f"\n{'backend':<11}{'rows':>9}{'import s':>10}{'rows/s':>10}"
          f"{'executemany s':>15}{'ratio':>7}")
    for r in results:
        rate = r["rows"] / r["import_s"]
        ratio = r["many_s"] / r["import_s"]  # import speed as a fraction of executemany's
        print(f"{r['backend']:<11}{r['rows']:>9,}{r['import_s']:>10.2f}{rate:>10,.0f}"
              f"{r['many_s']:>15.2f}{ratio:>7.2f}")
    for r in results:
        print(f"  {r['backend']}: rows per table "
              + ", ".join(f"{t} {n:,}" for t, n in r["counts"].items()))
    print("ratio = import speed / executemany speed (goal >= 0.50, validation included)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
