"""Writing a network view for Gephi and other tools: GEXF, GraphML, JSON and CSV.

:func:`exportable` turns a view into a graph of plain values (text, numbers, booleans)
with attribute names that avoid GEXF's reserved ``id``, ``label`` and ``pid`` (and
edge ``type``): ``name``, ``org_type``, ``nation``, ``region``, ``place_type``,
``synthetic``, ``provenance``, the metrics, and for ties ``weight``,
``partnerships``, ``partnership_names``, ``kinds``, ``provenance``, ``crosses``.
Text loses characters XML cannot carry (control characters become U+FFFD), so all
four formats hold the same values; CSV cells are also defused against spreadsheet
formulas (:func:`survey.files.defuse_cell`). Every file is written atomically.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import networkx as nx

from network.metrics import MetricsTable
from survey.errors import LandscapeError
from survey.files import atomic_write, defuse_cell

__all__ = ["EXPORT_FORMATS", "exportable", "nodes_csv_path", "read_export", "write_export"]

#: Export formats (code -> what it is).
EXPORT_FORMATS: dict[str, str] = {
    "gexf": "GEXF 1.2 (Gephi)",
    "graphml": "GraphML",
    "json": "JSON (NetworkX node-link)",
    "csv": "CSV: ties, with the organisations in FILE.nodes.csv (Gephi spreadsheet import)",
}

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: Any) -> str:
    return _NOT_XML.sub("\ufffd", "" if value is None else str(value))


def _provenance_text(items: Any) -> str:
    return " | ".join(f"{p.kind}: {p.reference}" + (f" ({p.detail})" if p.detail else "")
                      for p in items or ())


def exportable(view: nx.Graph, metrics: MetricsTable | None = None,
               notes: Mapping[str, str] | None = None) -> nx.Graph:
    """``view`` as a graph of plain values, ready for any export format.

    Parameters
    ----------
    view
        An organisation graph or a :func:`network.graphs.subgraph` of one.
    metrics
        Per-organisation metrics to attach (degree, weighted degree, betweenness,
        community); degree and weighted degree are always attached.
    notes
        Graph-level text (e.g. ``data_status``, ``betweenness`` method).

    Examples
    --------
    >>> g = nx.Graph(); g.add_node("a", name="A\\x07", type="university"); g.add_node("b")
    >>> g.add_edge("a", "b", weight=1, partnerships=("p",))
    >>> out = exportable(g)
    >>> out.nodes["a"]["name"], out.nodes["a"]["org_type"], out.edges["a", "b"]["weight"]
    ('A\ufffd', 'university', 1.0)
    """
    records = view.graph.get("partnerships", {})
    by_key = {} if metrics is None else metrics.table.set_index("key").to_dict("index")
    out = nx.Graph(**{k: _text(v) for k, v in (notes or {}).items()})
    for node, attrs in view.nodes(data=True):
        row = by_key.get(node, {})
        out.add_node(_text(node), **{
            "name": _text(attrs.get("name", node)), "org_type": _text(attrs.get("type")),
            "nation": _text(attrs.get("nation")), "region": _text(attrs.get("region")),
            "place_type": _text(attrs.get("place_type")),
            "synthetic": bool(attrs.get("synthetic", False)),
            "outside": bool(attrs.get("outside", False)),
            "provenance": _text(_provenance_text(attrs.get("provenance"))),
            "degree": int(view.degree(node)),
            "weighted_degree": float(view.degree(node, weight="weight")),
            "betweenness": float(row.get("betweenness", 0.0)),
            "community": int(row["community"]) if row.get("community") is not None else -1,
        })
    for a, b, attrs in view.edges(data=True):
        ties = [records[k] for k in attrs.get("partnerships", ()) if k in records]
        out.add_edge(_text(a), _text(b), **{
            "weight": float(attrs.get("weight", 1)),
            "partnerships": _text("; ".join(attrs.get("partnerships", ()))),
            "partnership_names": _text("; ".join(t.name for t in ties)),
            "kinds": _text("; ".join(sorted({t.kind for t in ties}))),
            "provenance": _text(" | ".join(_provenance_text(t.provenance) for t in ties)),
            "synthetic": bool(ties) and all(t.synthetic for t in ties),
            "crosses": view.nodes[a].get("region") != view.nodes[b].get("region"),
        })
    return out


def nodes_csv_path(path: Path) -> Path:
    """Where the organisations of a CSV export go: ``ties.csv`` -> ``ties.nodes.csv``."""
    return path.with_name(path.stem + ".nodes.csv")


def _write_csv(rows: list[dict[str, Any]], header: list[str], target: Path) -> None:
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows({k: defuse_cell(v) for k, v in row.items()} for row in rows)


def _node_columns(graph: nx.Graph) -> list[str]:
    first: dict[str, Any] = next(iter(graph.nodes.values()), {})
    return list(first)


def _edge_columns(graph: nx.Graph) -> list[str]:
    first: dict[str, Any] = next(iter(graph.edges.values()), {})
    return [c for c in first if c != "weight"]


def write_export(graph: nx.Graph, path: Path | str, fmt: str) -> list[Path]:
    """Write an :func:`exportable` graph as ``fmt`` to ``path`` (atomically).

    GEXF nodes carry the organisation's name as their Gephi label; CSV writes the
    ties to ``path`` (``Source``, ``Target``, ``Weight``, ...) and the organisations
    to :func:`nodes_csv_path` (``Id``, ``Label``, ...), as Gephi's spreadsheet import
    expects.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    LandscapeError
        ``N164`` for an unknown format; ``X101`` when a file cannot be written.
    """
    target = Path(path)
    if fmt == "gexf":
        labelled = graph.copy()
        for _node, attrs in labelled.nodes(data=True):
            attrs["label"] = attrs["name"]
        return [atomic_write(target, lambda p: nx.write_gexf(labelled, p))]
    if fmt == "graphml":
        return [atomic_write(target, lambda p: nx.write_graphml(graph, p))]
    if fmt == "json":
        payload = nx.node_link_data(graph, edges="edges")
        text = json.dumps(payload, ensure_ascii=False, indent=1)
        return [atomic_write(target, lambda p: p.write_text(text, encoding="utf-8"))]
    if fmt == "csv":
        node_rows = [{"Id": n, "Label": a["name"], **a} for n, a in graph.nodes(data=True)]
        edge_rows = [{"Source": a, "Target": b, "Weight": d["weight"],
                      **{k: v for k, v in d.items() if k != "weight"}}
                     for a, b, d in graph.edges(data=True)]
        nodes_path = nodes_csv_path(target)
        written = [atomic_write(nodes_path, lambda p: _write_csv(
            node_rows, ["Id", "Label", *_node_columns(graph)], p))]
        written.append(atomic_write(target, lambda p: _write_csv(
            edge_rows, ["Source", "Target", "Weight", *_edge_columns(graph)], p)))
        return written
    raise LandscapeError.of("N164", f"unknown export format '{fmt}'; use one of "
                            f"{', '.join(EXPORT_FORMATS)}")


def _typed(value: str, kind: type) -> Any:
    if kind is bool:
        return value == "True"
    return kind(value)


def read_export(path: Path | str, fmt: str) -> nx.Graph:
    """Read back a file written by :func:`write_export` (for checks and round trips).

    GEXF's own ``label`` (the name) and edge ``id`` are dropped, so the result
    compares equal, node for node and tie for tie, to the graph written. CSV values
    come back as written (after formula defusing).
    """
    target = Path(path)
    if fmt == "gexf":
        graph = nx.read_gexf(target)
        for _, attrs in graph.nodes(data=True):
            attrs.pop("label", None)
        for _, _, attrs in graph.edges(data=True):
            attrs.pop("id", None)
        return graph
    if fmt == "graphml":
        return nx.read_graphml(target)
    if fmt == "json":
        return nx.node_link_graph(json.loads(target.read_text(encoding="utf-8")),
                                  edges="edges")
    if fmt == "csv":
        kinds = {"synthetic": bool, "outside": bool, "crosses": bool, "degree": int,
                 "community": int, "weighted_degree": float, "betweenness": float,
                 "weight": float}
        graph = nx.Graph()
        with nodes_csv_path(target).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                node = row.pop("Id")
                row.pop("Label")
                graph.add_node(node, **{k: _typed(v, kinds.get(k, str)) for k, v in row.items()})
        with target.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                a, b = row.pop("Source"), row.pop("Target")
                row["weight"] = row.pop("Weight")
                graph.add_edge(a, b, **{k: _typed(v, kinds.get(k, str)) for k, v in row.items()})
        return graph
    raise LandscapeError.of("N164", f"unknown export format '{fmt}'")
