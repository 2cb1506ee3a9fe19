"""Benchmark: the explorer on 100,000 SYNTHETIC respondents and a 2,000-organisation network.

Loads the demo store, then adds N synthetic respondents (default 100,000), each a
copy of a random complete demo response's ranking with its options shuffled, in a
random UK region, labelled synthetic in the data (``source_file`` starts with the
demo prefix, so every page says so); or copies such a store (``--store``). Its
network is replaced by a SYNTHETIC national one
(:func:`network.synthetic.synthetic_landscape`, 2,000 organisations and 20,000
links by default, labelled synthetic in every record) unless the store already
holds one that size. Then, through the app's own Flask server (no browser), for
each role of ``--roles`` (``anonymous``: the public view, disclosure control and
the release check on; ``viewer``: internal figures) it times:

- the first full page load: the index page, the layout and the page router's
  callback rendering ``/priorities`` (tables for every group, the chart): in a new
  process (nothing computed or parsed), then warm (the next visitor: results are
  kept per data revision, :mod:`survey.store.revision`);
- a filter change: the Priorities callback with a different nation filter each
  time (p50 and p95 over ``--repeat`` changes; a public view refused by the
  release check, X108, shows why, and is timed as such);
- new data (one synthetic respondent moved to another region, by another
  connection, as an import beside the server would): the first page load with
  nothing kept; then with the warmer of ``landscape serve`` running
  (:func:`dashboard.page_views.keep_views_warm`): a visitor arriving at once, how
  long the warmer takes to have the views ready, a visitor arriving after that;
- the Network page: its first load, then region changes (the view callback), beside
  the network API the page calls (:func:`dashboard.network_views.view_figure`);

each beside computing the same tables directly, as a ratio: with the survey API the
page calls (:func:`dashboard.page_views.priorities_layouts`, under the role's
policy; with nothing kept: a new store object, no release kept) and, for filter changes,
with a plain SQL + pandas computation of the same band shares (no app, no layouts,
no disclosure control).

Not a unit test: a figure to read. Goal (issue 11): p95 under 300 ms per interaction
and first load under 2 s on a 2-core machine.

Run: ``python benchmarks/bench_explorer.py [--respondents N] [--organisations N]
[--repeat R] [--store DB | --save DB]``
"""

from __future__ import annotations

import argparse
import gc
import random
import shutil
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from dashboard import network_views, page_views
from dashboard.app import create_app
from dashboard.network_views import network_state, view_figure
from dashboard.page_views import priorities_layouts
from network.layout import clear_cache
from network.synthetic import synthetic_landscape
from network.view import ViewCache, ViewSpec
from survey.errors import LandscapeError
from survey.export.disclosure import DisclosurePolicy
from survey.export.release import _RELEASES
from survey.instrument.places import REGIONS
from survey.reproduce.demo import load_demo
from survey.store import Store
from survey.store.analysis import DEMO_PREFIX, GROUP_FIELDS, data_labels
from survey.store.landscape import save_landscape
from survey.store.revision import data_revision
from survey.store.users import add_user, find_user

LABEL = DEMO_PREFIX + "synthetic benchmark respondents (not real)"
NATIONS = ("england", "scotland", "wales", "northern_ireland")


def add_synthetic(path: Path, count: int, seed: int = 0) -> None:
    """Copy random complete demo responses ``count`` times (shuffled ranks, random region)."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    db = sqlite3.connect(path)
    templates = db.execute(
        "SELECT r.id, r.instrument_version_id, r.instrument, r.version, r.content_hash, r.path,"
        " p.organisation_type FROM responses r JOIN respondents p ON p.id = r.respondent_id"
        " WHERE r.state = 'complete'").fetchall()
    ranks: dict[str, list[tuple[str, str, int]]] = {}
    for rid, question, option, rank in db.execute(
            "SELECT response_id, question_code, option_code, rank FROM ranking_answers"):
        ranks.setdefault(rid, []).append((question, option, rank))
    templates = [t for t in templates if t[0] in ranks]
    now = "2026-01-01 00:00:00"
    people, responses, answers = [], [], []
    for i in range(count):
        rid, version_id, instrument, version, content_hash, path_, org_type = rng.choice(
            templates)
        region = rng.choice(REGIONS)
        person, response = f"syn-p{i:07d}", f"syn-r{i:07d}"
        people.append((person, org_type, region.nation, region.code, instrument, now))
        responses.append((response, person, version_id, instrument, version, content_hash,
                          path_, "complete", now, now, now, "import", LABEL, i,
                          f"synthetic:{i}", "0" * 64))
        given = ranks[rid]
        shuffled = [rank for _, _, rank in given]
        rng.shuffle(shuffled)
        answers += [(response, q, o, r) for (q, o, _), r in zip(given, shuffled, strict=True)]
    with db:
        db.executemany("INSERT INTO respondents (id, organisation_type, nation, region,"
                       " instrument, created_at, in_frame) VALUES (?, ?, ?, ?, ?, ?, 0)",
                       people)
        db.executemany("INSERT INTO responses (id, respondent_id, instrument_version_id,"
                       " instrument, version, content_hash, path, state, started_at,"
                       " completed_at, updated_at, source, source_file, source_row,"
                       " idempotency_key, payload_hash) VALUES"
                       " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", responses)
        db.executemany("INSERT INTO ranking_answers (response_id, question_code, option_code,"
                       " rank) VALUES (?, ?, ?, ?)", answers)
    db.close()


def direct_bands(path: Path, nation: str | None) -> pd.DataFrame:
    """The same band shares (1-3, 4-6, 7-9 per option, per instrument) by SQL and pandas."""
    frame = pd.read_sql_query(
        "SELECT r.instrument, a.response_id, a.option_code, a.rank FROM ranking_answers a"
        " JOIN responses r ON r.id = a.response_id"
        " LEFT JOIN respondents p ON p.id = r.respondent_id"
        " WHERE r.state = 'complete' AND (? IS NULL OR p.nation = ?)", sqlite3.connect(path),
        params=(nation, nation))
    frame["band"] = (frame["rank"] - 1) // 3
    n = frame.groupby("instrument")["response_id"].nunique()
    counts = frame.groupby(["instrument", "option_code", "band"]).size().unstack(fill_value=0)
    return counts.div(n, axis=0, level="instrument").mul(100).round()


def timed(work: Callable[[], Any]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def _post(client: Any, body: dict[str, Any]) -> None:
    response = client.post("/_dash-update-component", json=body)
    if response.status_code != 200:
        raise SystemExit(f"callback failed: {response.status_code} "
                         f"{response.get_data(as_text=True)[:300]}")


def _filter_body(nation: str | None) -> dict[str, Any]:
    filters = [{"id": f"priorities-filter-{f}", "property": "value",
                "value": [nation] if f == "nation" and nation else None}
               for f in GROUP_FIELDS]
    return {"output": "priorities-content.children",
            "outputs": {"id": "priorities-content", "property": "children"},
            "inputs": [{"id": "priorities-by", "property": "data", "value": "instrument"},
                       {"id": "priorities-question", "property": "value", "value": None},
                       *filters],
            "state": [], "changedPropIds": ["priorities-filter-nation.value"]}


def _router_body(path: str) -> dict[str, Any]:
    return {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"},
                        {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                       {"id": "_pages_location", "property": "search", "value": ""}],
            "state": [], "changedPropIds": ["_pages_location.pathname"]}


def _network_body(region: str | None) -> dict[str, Any]:
    """The Network page's view callback, with one region chosen (None: all)."""
    values = {"network-nation": None, "network-region": region, "network-type": None,
              "network-cross": None, "network-size": None, "network-colour": None,
              "network-depth": None}
    outputs = [("network-graph", "figure"), ("network-summary", "children"),
               ("network-details", "children"), ("network-query", "data"),
               ("network-problem", "children")]
    return {"output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
            "outputs": [{"id": i, "property": p} for i, p in outputs],
            "inputs": [*({"id": k, "property": "value", "value": v} for k, v in values.items()),
                       {"id": "network-focus", "property": "data", "value": None}],
            "state": [{"id": "network-query", "property": "data", "value": ""}],
            "changedPropIds": ["network-region.value"]}


def add_network(url: str, organisations: int, links: int) -> None:
    """Replace the store's network with a SYNTHETIC national one (labelled so)."""
    with Store.open(url) as store:
        save_landscape(store, synthetic_landscape(organisations, links, seed=0))


def _has_synthetic_network(path: Path, organisations: int) -> bool:
    db = sqlite3.connect(path)
    try:
        (count,) = db.execute("SELECT count(*) FROM landscape_organisations").fetchone()
    finally:
        db.close()
    return int(count) >= organisations


def _measure_network(client: Any, store: Store, role: str, repeat: int) -> None:
    """The Network page: first load, then region changes, beside the network API."""
    survey_ties = role not in ("anonymous", "viewer")  # analysts and admins see them
    labels = data_labels(store)

    def api(region: str | None) -> None:
        state = network_state(store, labels, survey_ties=survey_ties)
        view_figure(state, ViewSpec(region=region))

    warm_first = timed(lambda: _post(client, _router_body("/network")))
    # Nothing kept, as in a new process before the warmer has run.
    network_views._states.clear()
    network_views.VIEW_CACHE = ViewCache()
    clear_cache()
    cold_first = timed(lambda: _post(client, _router_body("/network")))
    choices = [place.code for place in REGIONS] + [None]
    page, direct = [], []
    for i in range(repeat):
        region = choices[i % len(choices)]
        page.append(timed(lambda r=region: _post(client, _network_body(r))))
        direct.append(timed(lambda r=region: api(r)))
    p50, p95 = _quantiles(page)
    a50, a95 = _quantiles(direct)
    print(f"  Network page, first load: {_ms(warm_first)} (the warmer of `landscape serve` "
          f"has read the landscape); {_ms(cold_first)} with nothing kept (a new process)")
    print(f"    region change, {repeat} changes: p50 {_ms(p50)}, p95 {_ms(p95)}")
    print(f"    the same views by the network API: p50 {_ms(a50)}, p95 {_ms(a95)}; "
          f"ratio page/API (p95) {p95 / a95:.2f}")


def _quantiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _fresh_api(url: str, policy: DisclosurePolicy) -> float:
    """The tables by the survey API in a new store object with nothing kept: a cold start."""
    _RELEASES.clear()  # the release attack too, as after a change of the data
    with Store.open(url) as store:
        return timed(lambda: priorities_layouts(store, policy=policy))


def _measure(url: str, path: Path, role: str, repeat: int, with_network: bool) -> None:
    """First load and filter changes as ``role`` sees them, beside the direct computations."""
    policy = DisclosurePolicy(public=role == "anonymous")
    _RELEASES.clear()
    store = Store.open(url)
    app = create_app(store)
    gc.freeze()  # as `landscape serve` does before its first request
    client = app.server.test_client()
    if role != "anonymous":
        record = find_user(store, "bench") or add_user(store, "bench", role, "bench password 1",
                                                        by="benchmark")
        with client.session_transaction() as session:
            session["_user_id"] = f"{record.name}:{record.session_key}"
            session["_fresh"] = True

    def first_load() -> None:
        client.get("/priorities")
        client.get("/_dash-layout")
        client.get("/_dash-dependencies")
        _post(client, _router_body("/priorities"))

    cold = timed(first_load)  # a new process: everything is computed
    warm = timed(first_load)  # the next visitor: the data is unchanged
    api_warm = timed(lambda: priorities_layouts(store, policy=policy))
    api_cold = _fresh_api(url, policy)
    choices = [*NATIONS, None]
    changes, api, plain = [], [], []
    for i in range(repeat):
        nation = choices[i % len(choices)]
        where = {"nation": [nation]} if nation else None

        def layouts(w: dict[str, list[str]] | None = where) -> None:
            try:
                priorities_layouts(store, where=w, policy=policy)
            except LandscapeError:  # refused in public (X108): the page shows why
                pass

        changes.append(timed(lambda n=nation: _post(client, _filter_body(n))))
        api.append(timed(layouts))
        plain.append(timed(lambda n=nation: direct_bands(path, n)))
    after_change = _after_a_change(store, path, first_load)
    network = (lambda: _measure_network(client, store, role, repeat)) if with_network \
        else None
    p50, p95 = _quantiles(changes)
    a50, a95 = _quantiles(api)
    d50, d95 = _quantiles(plain)
    who = f"{role.upper()} ({'public policy' if policy.public else 'internal figures'})"
    print(f"\n{who}")
    alone, at_once, lag, later = after_change
    print(f"  first page load in a new process (nothing computed or parsed yet): {_ms(cold)}")
    print(f"  first page load after new data, no warmer ({len(alone)} changes): p50 "
          f"{_ms(_quantiles(alone)[0])}, max {_ms(max(alone))}; the same tables by the "
          f"survey API with nothing kept: {_ms(api_cold)}; ratio (p50) "
          f"{_quantiles(alone)[0] / api_cold:.2f}")
    print(f"  first page load, warm (the next visitor): {_ms(warm)}; the same tables by the "
          f"survey API, warm: {_ms(api_warm)}; ratio {warm / api_warm:.2f}")
    print(f"  filter change (nation), {repeat} changes: p50 {_ms(p50)}, p95 {_ms(p95)}")
    print(f"    the same tables by the survey API: p50 {_ms(a50)}, p95 {_ms(a95)}; "
          f"ratio page/API (p95) {p95 / a95:.2f}")
    print(f"    the same shares by SQL + pandas:   p50 {_ms(d50)}, p95 {_ms(d95)}; "
          f"ratio page/direct (p95) {p95 / d95:.2f}")
    print(f"  new data while serving (the server's warmer on, as `landscape serve`), "
          f"{len(lag)} changes:")
    print(f"    first page load by a visitor arriving at once: p50 {_ms(_quantiles(at_once)[0])}"
          f", max {_ms(max(at_once))} (waits for the warmer's computation, not beside it)")
    print(f"    the warmer has the new views ready after: p50 {_ms(_quantiles(lag)[0])}, "
          f"max {_ms(max(lag))}")
    print(f"    first page load by a visitor arriving after that: p50 "
          f"{_ms(_quantiles(later)[0])}, max {_ms(max(later))}")
    if network is not None:
        network()
    store.close()


def _after_a_change(store: Store, path: Path, first_load: Callable[[], None],
                    changes: int = 3
                    ) -> tuple[list[float], list[float], list[float], list[float]]:
    """New data (one synthetic respondent moved to another region): a first load with no
    warmer; then, while the warmer of ``landscape serve`` runs, a first load at once, the
    warmer's lag, a first load after it."""
    warmed: list[object] = []
    real_warm = page_views.warm_views

    def recorded(s: Store) -> None:
        real_warm(s)
        warmed.append((time.perf_counter(), data_revision(s)))

    def change(i: int) -> None:
        db = sqlite3.connect(path)
        with db:
            db.execute("UPDATE respondents SET region = ? WHERE id = 'syn-p0000000'",
                       (REGIONS[i % len(REGIONS)].code,))
        db.close()

    alone: list[float] = []
    for i in range(changes):  # no warmer: the visitor computes everything
        change(i + 1)
        alone.append(timed(first_load))
    page_views.warm_views = recorded  # the benchmark watches when the warmer is done
    stop = threading.Event()
    warmer = threading.Thread(target=page_views.keep_views_warm, args=(store, 0.1, stop),
                              daemon=True)
    warmer.start()
    at_once: list[float] = []
    lag: list[float] = []
    later: list[float] = []
    try:
        _wait(lambda: warmed)
        for i in range(changes):
            change(i)
            changed, started = data_revision(store), time.perf_counter()
            at_once.append(timed(first_load))
            _wait(lambda r=changed: any(seen == r for _, seen in warmed))
            lag.append(next(t for t, seen in warmed if seen == changed) - started)
            later.append(timed(first_load))
    finally:
        stop.set()
        warmer.join()
        page_views.warm_views = real_warm
    return alone, at_once, lag, later


def _wait(ready: Callable[[], object]) -> None:
    while not ready():
        time.sleep(0.01)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--store", type=Path, default=None,
                        help="copy this SQLite store (the demo plus synthetic respondents, "
                        "e.g. made by an earlier run) instead of building one")
    parser.add_argument("--save", type=Path, default=None,
                        help="keep a copy of the store built here, for later --store runs")
    parser.add_argument("--organisations", type=int, default=2000,
                        help="a SYNTHETIC network of this many organisations replaces the "
                        "demo's (0: keep the demo's and skip the Network page)")
    parser.add_argument("--links", type=int, default=20000)
    parser.add_argument("--roles", default="anonymous,viewer",
                        help="who to measure as, comma-separated (anonymous: the public view)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-explorer-") as folder:
        path = Path(folder) / "bench.db"
        url = f"sqlite:///{path}"
        if args.store is not None:
            shutil.copyfile(args.store, path)
            with Store.open(url, check=False) as store:
                store.upgrade()
            print(f"STORE: a copy of {args.store} (synthetic respondents labelled as such)")
        else:
            load_demo(url)
            started = time.perf_counter()
            add_synthetic(path, args.respondents)
            print(f"SYNTHETIC: {args.respondents} respondents added (labelled "
                  f"{LABEL!r}) in {time.perf_counter() - started:.1f} s")
        if args.organisations and not _has_synthetic_network(path, args.organisations):
            started = time.perf_counter()
            add_network(url, args.organisations, args.links)
            print(f"SYNTHETIC network: {args.organisations} organisations, {args.links} "
                  f"links (labelled synthetic) in {time.perf_counter() - started:.1f} s")
        if args.save is not None:
            shutil.copyfile(path, args.save)
            print(f"SAVED: {args.save}")
        db = sqlite3.connect(path)
        (complete,) = db.execute("SELECT count(*) FROM responses WHERE state = 'complete'"
                                 ).fetchone()
        db.close()
        print(f"{complete} complete responses; server side, through the app's Flask server")
        for role in args.roles.split(","):
            _measure(url, path, role.strip(), args.repeat, args.organisations > 0)
    print("\ngoal: p95 < 300 ms per interaction, first load < 2000 ms")


if __name__ == "__main__":
    main()
