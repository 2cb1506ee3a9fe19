"""Every chart takes its colours from survey.export.palette, and they survive colour blindness.

The figures walked are those the explorer sends for every page (as an admin, who sees
every chart), the views a page's controls switch to, and the export charts. The
simulation of colour-vision deficiency is Machado, Oliveira and Fernandes (2009), "A
physiologically-based model for simulation of color vision deficiency", IEEE TVCG
15(6):1291-1298, severity 1.0 (dichromacy), applied in linear sRGB as in the paper;
colour differences are CIE76 (Euclidean distance in CIELAB, D65 white).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator
from typing import Any

import dash
import pytest

import dashboard.access
from dashboard.app import create_app
from survey.export.charts import band_chart
from survey.export.disclosure import DisclosurePolicy
from survey.export.layout import priority_tables
from survey.export.palette import CATEGORICAL, NEUTRALS, SEQUENTIAL, ordered, palette_colours
from survey.export.report_catalogue import REPORTS
from survey.store import Store
from survey.store.analysis import store_ranking_groups
from tests.dashboard.conftest import page_json, sign_in

# Machado et al. (2009), Table (severity 1.0): linear-RGB matrices per dichromacy.
MACHADO = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
}
# CIE76 distance two categories must keep after simulation. About 2.3 is a just
# noticeable difference for large patches; chart marks are small and seen side by
# side, so we ask for several times that. The old network palette (plotly's D3 ten,
# red #d62728 beside green #2ca02c) falls below it, Okabe–Ito does not.
APART = 15.0


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def _lab(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    """CIELAB (D65) of a linear-sRGB colour."""
    r, g, b = rgb
    xyz = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b,
           0.2126729 * r + 0.7151522 * g + 0.0721750 * b,
           0.0193339 * r + 0.1191920 * g + 0.9503041 * b)
    white = (0.95047, 1.0, 1.08883)

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = (f(v / w) for v, w in zip(xyz, white, strict=True))
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def _seen(colour: str, deficiency: str | None) -> tuple[float, float, float]:
    """The CIELAB colour a viewer with ``deficiency`` (None: typical vision) sees."""
    linear = [_linear(int(colour[i:i + 2], 16) / 255) for i in (1, 3, 5)]
    if deficiency is not None:
        linear = [min(1.0, max(0.0, sum(m * c for m, c in zip(row, linear, strict=True))))
                  for row in MACHADO[deficiency]]
    return _lab((linear[0], linear[1], linear[2]))


def _closest(colours: list[str], deficiency: str | None) -> float:
    return min(math.dist(_seen(a, deficiency), _seen(b, deficiency))
               for a, b in itertools.combinations(colours, 2))


def test_the_simulation_matches_the_paper_on_pure_colours() -> None:
    # A deuteranope and a protanope see red and green as nearly one yellow-brown
    # hue: the red-green difference collapses to a fraction of what it was.
    for deficiency in MACHADO:
        typical = math.dist(_seen("#ff0000", None), _seen("#00ff00", None))
        assert math.dist(_seen("#ff0000", deficiency), _seen("#00ff00", deficiency)) \
            < typical / 2
    # Blue and yellow stay far apart for both (the axis dichromats keep).
    assert math.dist(_seen("#0000ff", "deuteranopia"), _seen("#ffff00", "deuteranopia")) > 100


@pytest.mark.parametrize("deficiency", [None, *MACHADO])
def test_categorical_colours_stay_apart_under_colour_blindness(deficiency: str | None) -> None:
    assert _closest(list(CATEGORICAL), deficiency) >= APART
    # ... and the check has teeth: the palette the network used before fails it.
    if deficiency == "deuteranopia":
        assert _closest(["#d62728", "#2ca02c"], deficiency) < APART


@pytest.mark.parametrize("deficiency", [None, *MACHADO])
@pytest.mark.parametrize("count", [2, 3, 4, 6])
def test_ordered_colours_get_lighter_and_stay_apart(deficiency: str | None, count: int) -> None:
    colours = ordered(count)
    lightness = [_seen(c, deficiency)[0] for c in colours]
    assert lightness == sorted(lightness)  # an order reads as an order, in grey too
    for a, b in itertools.pairwise(colours):
        assert math.dist(_seen(a, deficiency), _seen(b, deficiency)) >= APART
    # and no band looks like the grey of "Not ranked" or "Suppressed"
    for grey in (NEUTRALS["light"], NEUTRALS["paper"]):
        assert min(math.dist(_seen(c, deficiency), _seen(grey, deficiency))
                   for c in colours) >= APART / 2


# -- every figure uses the palette ------------------------------------------------------

_RGB = re.compile(r"rgba?\((\d+),\s*(\d+),\s*(\d+)(?:,\s*[\d.]+)?\)")


def _hex(colour: str) -> str:
    """``#rrggbb`` of a plotly colour string (alpha dropped); anything else as given."""
    text = colour.strip().lower()
    found = _RGB.fullmatch(text)
    if found:
        return "#" + "".join(f"{int(v):02x}" for v in found.groups())
    if re.fullmatch(r"#[0-9a-f]{3}", text):
        return "#" + "".join(ch * 2 for ch in text[1:])
    return text  # a name ("white", "Blues") or #rrggbb


def _colours(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(where, colour) for every colour in a figure dictionary (the template left out)."""
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}"
            if where == ".layout.template":
                continue  # plotly's own defaults; traces below must not rely on them
            if key == "coloraxis" and isinstance(value, str):
                continue  # a trace naming the layout's shared colour axis, walked there
            if "color" in key.lower() and not isinstance(value, dict):
                yield from _values(value, where)
            else:
                yield from _colours(value, where)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _colours(item, f"{path}[{i}]")


def _values(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, _hex(value)
    elif isinstance(value, list | tuple):
        for item in value:
            if isinstance(item, list | tuple) and len(item) == 2:  # a colour scale stop
                yield where, _hex(str(item[1]))
            elif item is not None:
                yield from _values(item, where)


def _own_colour(trace: dict[str, Any]) -> bool:
    """A trace says its colours itself (else plotly's default colour cycle would show)."""
    if trace.get("type") == "heatmap":
        return "colorscale" in trace or "coloraxis" in trace  # its own, or the layout's
    if trace.get("mode") == "lines":
        return "color" in trace.get("line", {})
    return "color" in trace.get("marker", {})


def _figures(tree: Any) -> Iterator[dict[str, Any]]:
    """Every ``figure`` prop of a Dash component tree as JSON (dicts)."""
    if isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict) and isinstance(props.get("figure"), dict):
            yield props["figure"]
        for value in tree.values():
            yield from _figures(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from _figures(item)


def _app_figures(store: Store) -> dict[str, dict[str, Any]]:
    """Every figure the explorer sends an admin, by page (and view)."""
    client = create_app(store).server.test_client()
    sign_in(client, store, "admin")
    views = [(str(p["relative_path"]), "") for p in dash.page_registry.values()]
    views += [("/network", "?colour=community"), ("/network", "?region=west_midlands"),
              ("/priorities", "?by=region"), ("/monitor", "?by=region")]
    found: dict[str, dict[str, Any]] = {}
    for path, search in views:
        assert dashboard.access.page_allowed(path, "admin")
        for i, figure in enumerate(_figures(page_json(client, path, search))):
            found[f"{path}{search} #{i}"] = figure
    return found


def _export_figures(store: Store) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for by in (None, "region"):
        for public in (True, False):
            pairs = priority_tables(store_ranking_groups(store, by=by),
                                    DisclosurePolicy(public=public), coded_groups=by is not None)
            layouts = [layout for layout, _ in pairs]
            found[f"band chart by {by} public={public}"] = band_chart(layouts).to_dict()
    for name, report in REPORTS.items():
        if report.figure is not None:
            figure = report.figure(store, by=None, policy=DisclosurePolicy(public=True))
            if figure is not None:
                found[f"report {name}"] = figure.to_dict()
    return found


def test_every_chart_of_the_app_and_the_exports_uses_the_palette(store: Store) -> None:
    figures = {**_app_figures(store), **_export_figures(store)}
    pages = {key.split(" ")[0].split("?")[0] for key in figures}
    # every page with a chart was reached (and its figure walked)
    assert {"/priorities", "/compare", "/barriers", "/monitor", "/network"} <= pages
    allowed = palette_colours()
    strays = {(key, where, colour) for key, figure in figures.items()
              for where, colour in _colours(figure) if colour not in allowed}
    assert strays == set()
    implicit = [(key, trace.get("name")) for key, figure in figures.items()
                for trace in figure.get("data", []) if not _own_colour(trace)]
    assert implicit == []
    used = {colour for figure in figures.values() for _, colour in _colours(figure)}
    assert set(SEQUENTIAL) & used and set(CATEGORICAL) & used  # both scales in use
