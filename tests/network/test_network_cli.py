"""``landscape network metrics|match|export`` through click's CliRunner on a stored landscape."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import networkx as nx
import pytest
from cli_assert import no_traceback
from click.testing import CliRunner

from network.export import read_export
from survey.cli import main
from survey.landscape.records import LandscapeData
from survey.store import Store
from survey.store.landscape import save_landscape

HOSTILE = "=cmd|' /C calc'!A0 \x1b[31m<b>Evil</b>"


@pytest.fixture
def database(tmp_path: Path, landscape: LandscapeData) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'net.db'}"
    orgs = (*landscape.organisations[:2], replace(landscape.organisations[2], name=HOSTILE),
            *landscape.organisations[3:])
    store = Store.open(url, check=False, create=True)
    store.upgrade()
    save_landscape(store, replace(landscape, organisations=orgs))
    store.close()
    yield url


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["network", *args], env=env or {})
    assert no_traceback(result), result.output
    return result.exit_code, result.stdout, result.stderr


def test_metrics_text_json_csv(database: str) -> None:
    code, out, _ = _run("metrics", "--region", "West Midlands", "--database", database)
    assert code == 0
    assert "Selection: region=west_midlands: 3 organisations, 3 ties" in out
    assert "exact betweenness" in out and "Caveat:" in out
    assert "\\x1b[31m" in out and "\x1b" not in out  # the hostile name is shown inert
    code, out, _ = _run("metrics", "--format", "json", "--database", database)
    payload = json.loads(out)
    rows = {r["key"]: r for r in payload["organisations"]}
    assert rows["wu"]["degree"] == 3 and rows["wu"]["betweenness"] == pytest.approx(0.7)
    assert [r["group"] for r in payload["concentration"]][-1] == "all"
    code, out, _ = _run("metrics", "--format", "csv", "--nation", "wales", "--database",
                        database)
    assert out.splitlines()[0].startswith("key,name,type,nation,region,degree")
    assert len(out.splitlines()) == 4


def test_survey_ties_only_with_the_setting(database: str) -> None:
    _, out, _ = _run("metrics", "--format", "json", "--database", database)
    degree = {r["key"]: r["degree"] for r in json.loads(out)["organisations"]}
    _, shown, _ = _run("metrics", "--format", "json", "--database", database,
                       env={"LANDSCAPE_NETWORK_SURVEY_TIES": "true"})
    shown_degree = {r["key"]: r["degree"] for r in json.loads(shown)["organisations"]}
    assert shown_degree["rc"] == degree["rc"] + 1


def test_match_explains_its_suggestions(database: str) -> None:
    code, out, _ = _run("match", "rural county council", "--database", database)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Research partners for Rural County Council (not yet partners):"
    assert lines[1].startswith("  1. Policy Centre (research_centre, wales)")
    assert "works on Housing" in out and "partners in common: Welsh University" in out
    assert "tie: Rural evidence work (report: report 3.32)" in out
    _, out, _ = _run("match", "Rural County Council", "--format", "json", "--database",
                     database)
    first = json.loads(out)["suggestions"][0]
    assert first["key"] == "rc" and first["shared_themes"] == "housing"


def test_match_evaluation_is_reproducible(database: str) -> None:
    args = ("match", "--evaluate", "--synthetic", "150,700", "--seed", "2", "--format", "json")
    _, first, _ = _run(*args)
    _, again, _ = _run(*args)
    assert first == again
    record = json.loads(first)
    assert record["hidden_ties"] > 0 and "synthetic" in record["source"]
    code, out, _ = _run("match", "--evaluate", "--database", database, "--share", "1")
    assert code == 0 and "baseline (same region, most connected)" in out


@pytest.mark.parametrize("args, code, closest", [
    (("metrics", "--region", "West Midland"), "N161", "'West Midlands'"),
    (("metrics", "--nation", "Walse"), "N161", "'Wales'"),
    (("metrics", "--type", "univrsity"), "N163", "'University'"),
    (("match", "Rural Cuonty Council"), "N162", "'Rural County Council'"),
    (("export", "-o", "x.gexf", "--region", "Narnia"), "N161", "closest"),
    (("match",), "N164", "name the organisation"),
    (("match", "--evaluate", "--synthetic", "lots"), "N164", "ORGS,LINKS"),
])
def test_bad_input_is_exit_2_with_the_closest_names(database: str, args: tuple[str, ...],
                                                    code: str, closest: str) -> None:
    exit_code, out, err = _run(*args, "--database", database)
    assert exit_code == 2 and out == ""
    assert f"error {code}" in err and closest in err


def test_empty_store_says_what_to_do(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    store = Store.open(url, check=False, create=True)
    store.upgrade()
    store.close()
    code, _, err = _run("metrics", "--database", url)
    assert code == 2 and "N165" in err and "landscape demo" in err


@pytest.mark.parametrize("fmt", ["gexf", "graphml", "json", "csv"])
def test_export_round_trips(database: str, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"wales.{fmt}"
    code, out, _ = _run("export", "-o", str(target), "--nation", "Wales", "--cross",
                        "--database", database)
    assert code == 0 and "Wrote" in out
    graph = read_export(target, fmt)
    assert set(graph.nodes) == {"wc", "wu", "rc", "lep"}
    assert graph.nodes["lep"]["outside"] is True
    assert graph.nodes["wu"]["org_type"] == "university"
    assert graph.edges["wu", "rc"]["provenance"] == "case_study: case study 1"
    assert graph.nodes["wu"]["betweenness"] == pytest.approx(
        nx.betweenness_centrality(graph)["wu"])


def test_export_refuses_an_unknown_format_and_writes_nothing(database: str,
                                                            tmp_path: Path) -> None:
    code, _, err = _run("export", "-o", str(tmp_path / "out.dot"), "--database", database)
    assert code == 2 and "N164" in err
    assert list(tmp_path.glob("out*")) == []


def test_hostile_name_in_csv_export_is_defused(database: str, tmp_path: Path) -> None:
    target = tmp_path / "all.csv"
    _run("export", "-o", str(target), "--database", database)
    nodes = (tmp_path / "all.nodes.csv").read_text(encoding="utf-8")
    assert "'=cmd|" in nodes and "\n=cmd" not in nodes


def test_barrier_cooccurrence_from_partnerships(tmp_path: Path, landscape: LandscapeData) -> None:
    from survey.landscape.records import Barrier

    url = f"sqlite:///{tmp_path / 'barriers.db'}"
    ties = tuple(replace(p, barriers=("time", "money") if p.key in ("p1", "p3") else ("time",))
                 for p in landscape.partnerships)
    data = replace(landscape, partnerships=ties,
                   barriers=(Barrier("time", "Time"), Barrier("money", "Money")))
    store = Store.open(url, check=False, create=True)
    store.upgrade()
    save_landscape(store, data)
    store.close()
    code, out, _ = _run("metrics", "--barriers", "--format", "json", "--database", url)
    assert code == 0
    assert json.loads(out)["barrier_cooccurrence"] == [
        {"a": "Money", "b": "Time", "together": 2, "jaccard": 2 / 5}]  # 5 visible partnerships
    _, text, _ = _run("metrics", "--barriers", "--database", url)
    assert "Money + Time: 2 (Jaccard 0.40)" in text
