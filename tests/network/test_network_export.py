"""Exports: every format read back by NetworkX identically; hostile names stay inert."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import networkx as nx
import pytest
from lxml import etree

from network.export import EXPORT_FORMATS, exportable, nodes_csv_path, read_export, write_export
from network.graphs import organisation_graph, subgraph
from network.metrics import metrics_table
from survey.errors import LandscapeError
from survey.landscape.records import LandscapeData

HOSTILE = '=HYPERLINK("http://x")<script>alert(1)</script> & "Co"\x07'


def _same(a: nx.Graph, b: nx.Graph) -> None:
    assert dict(a.nodes(data=True)) == dict(b.nodes(data=True))
    assert {frozenset((u, v)): d for u, v, d in a.edges(data=True)} == \
        {frozenset((u, v)): d for u, v, d in b.edges(data=True)}


@pytest.fixture
def graph(landscape: LandscapeData) -> nx.Graph:
    g = organisation_graph(landscape)
    view = subgraph(g, region="west_midlands", cross=True)
    return exportable(view, metrics_table(view), {"data_status": "hand-built test landscape"})


def test_attributes_avoid_gexf_reserved_names(graph: nx.Graph) -> None:
    names = set().union(*(d.keys() for _, d in graph.nodes(data=True)),
                        *(d.keys() for _, _, d in graph.edges(data=True)))
    assert not names & {"id", "label", "pid", "type"}
    node = graph.nodes["lep"]
    assert node["org_type"] == "lep" and node["region"] == "west_midlands"
    assert node["provenance"] == "report: report 3.34" and node["degree"] == 3
    assert graph.nodes["wu"]["outside"] is True and graph.nodes["wu"]["nation"] == "wales"
    tie = graph.edges["cc", "uni"]
    assert tie["weight"] == 2.0 and tie["partnerships"] == "p1; p2"
    assert tie["kinds"] == "formal_institution; joint_post"
    assert tie["provenance"] == "report: report 3.36 | report: report 3.34"
    assert graph.edges["lep", "wu"]["crosses"] is True


@pytest.mark.parametrize("fmt", sorted(EXPORT_FORMATS))
def test_round_trip(graph: nx.Graph, fmt: str, tmp_path: Path) -> None:
    target = tmp_path / f"net.{fmt}"
    written = write_export(graph, target, fmt)
    assert target in written
    _same(read_export(target, fmt), graph)


def test_gexf_and_graphml_as_gephi_reads_them(graph: nx.Graph, tmp_path: Path) -> None:
    write_export(graph, tmp_path / "n.gexf", "gexf")
    root = etree.parse(str(tmp_path / "n.gexf")).getroot()
    ns = {"g": "http://www.gexf.net/1.2draft"}
    labels = {n.get("id"): n.get("label") for n in root.iterfind(".//g:node", ns)}
    assert labels["cc"] == "City Council"  # Gephi shows the names
    titles = {a.get("title") for a in root.iterfind(".//g:attribute", ns)}
    assert "org_type" in titles and not titles & {"id", "label", "pid"}
    write_export(graph, tmp_path / "n.graphml", "graphml")
    raw = nx.read_graphml(tmp_path / "n.graphml")
    assert raw.nodes["cc"]["betweenness"] == graph.nodes["cc"]["betweenness"]


def test_hostile_names_are_escaped_in_every_export(landscape: LandscapeData,
                                                   tmp_path: Path) -> None:
    orgs = (replace(landscape.organisations[0], name=HOSTILE), *landscape.organisations[1:])
    g = exportable(organisation_graph(replace(landscape, organisations=orgs)))
    shown = HOSTILE.replace("\x07", "\ufffd")
    assert g.nodes["cc"]["name"] == shown
    for fmt in ("gexf", "graphml"):
        write_export(g, tmp_path / f"h.{fmt}", fmt)
        text = (tmp_path / f"h.{fmt}").read_text(encoding="utf-8")
        assert "<script>" not in text and "&lt;script&gt;" in text
        etree.parse(str(tmp_path / f"h.{fmt}"))  # well-formed XML
        assert read_export(tmp_path / f"h.{fmt}", fmt).nodes["cc"]["name"] == shown
    write_export(g, tmp_path / "h.json", "json")
    data = json.loads((tmp_path / "h.json").read_text(encoding="utf-8"))
    assert {n["name"] for n in data["nodes"]} >= {shown}
    write_export(g, tmp_path / "h.csv", "csv")
    with nodes_csv_path(tmp_path / "h.csv").open(encoding="utf-8", newline="") as handle:
        rows = {r["Id"]: r for r in csv.DictReader(handle)}
    assert rows["cc"]["name"] == "'" + shown and rows["cc"]["Label"] == "'" + shown


def test_unknown_format_and_unwritable_path(graph: nx.Graph, tmp_path: Path) -> None:
    with pytest.raises(LandscapeError) as caught:
        write_export(graph, tmp_path / "n.dot", "dot")
    assert caught.value.issues[0].code == "N164"
    with pytest.raises(LandscapeError) as caught:
        write_export(graph, tmp_path / "missing" / "n.gexf", "gexf")
    assert caught.value.issues[0].code == "X101"
    assert not (tmp_path / "missing").exists()
