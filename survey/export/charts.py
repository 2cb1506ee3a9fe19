"""Stacked bar charts of band shares: HTML always, PNG/SVG with the system Chromium.

One horizontal bar per option, split into the bands (plus "Not ranked" and a
grey "Suppressed" segment where needed), options in the table's order, one
panel per group, the notes (disclosure statement, reconstructed-data label)
printed under the chart.

HTML embeds plotly.js (``include_plotlyjs=True``), so the file works offline
and loads nothing from a CDN. PNG and SVG are drawn by kaleido 1.x in a
headless Chromium that must already be installed: the browser is taken from
``BROWSER_PATH`` or found on ``PATH`` (``chromium``, ``chromium-browser``,
``google-chrome``...). kaleido is given that path, the plotly.js bundled with
plotly, and ``mathjax=False``, so nothing is fetched or downloaded; we never
call ``kaleido.get_chrome``. Chromium itself is started with its background
networking, component updates, sign-in and name resolution off
(:mod:`survey.export.offline_chromium`), so an export opens no outbound
connection.

Plotly renders a subset of HTML in text (``<b>``, ``<a href>``, ``<br>``...).
Labels are attacker input, so ``&``, ``<`` and ``>`` are turned into entities
(plotly shows them as the characters) before the only markup we add, the
``<br>`` that wraps long labels.
"""

from __future__ import annotations

import html
import os
import shutil
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from survey.errors import LandscapeError, Location
from survey.export.layout import CHART_FORMATS, PublishedLayout
from survey.export.palette import NEUTRALS, ordered, text_on
from survey.files import atomic_write

__all__ = ["band_chart", "find_chromium", "plot_text", "render_image", "write_chart",
           "write_figure"]

_BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
                  "chrome")
# Bands are ordered: a sequential scale, darkest for the most important (survey.export.palette).
_MAX_BANDS = 6
_UNRANKED_COLOUR = NEUTRALS["light"]
_SUPPRESSED_COLOUR = NEUTRALS["paper"]
_WRAP = 48
_NOTE_WRAP = 110
_WIDTH = 1000


def plot_text(text: str, width: int | None = None) -> str:
    """Attacker text safe for plotly: entities for ``& < >``, wrapped with ``<br>``.

    Examples
    --------
    >>> plot_text("<b>bold</b> & <a href='x'>link</a>")
    "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;a href='x'&gt;link&lt;/a&gt;"
    >>> plot_text("one two three", width=8)
    'one two<br>three'
    """
    folded = " ".join(str(text).split())
    lines = textwrap.wrap(folded, width) if width else [folded]
    return "<br>".join(html.escape(line, quote=False) for line in lines or [""])


def band_chart(layouts: Sequence[PublishedLayout]) -> Any:
    """A plotly figure: one panel per table, stacked horizontal bars per option.

    Suppressed cells are not drawn; the row's suppressed total (which the row
    total and the shown cells give away anyway) is one grey "Suppressed" segment.

    Examples
    --------
    >>> import pandas as pd
    >>> from survey.export.disclosure import DisclosurePolicy
    >>> from survey.export.layout import build_layouts
    >>> from survey.ranking.bands import band_table
    >>> table = band_table(pd.DataFrame({"a": [1, 2], "b": [2, 1]}, dtype="Int64"),
    ...                    bands=((1, 1), (2, 2)), labels={"a": "<i>A</i>"})
    >>> figure = band_chart(build_layouts(table, DisclosurePolicy()))
    >>> [trace.name for trace in figure.data]
    ['Most important', 'Second most important']
    >>> figure.data[0].y[0]
    '&lt;i&gt;A&lt;/i&gt;'
    """
    # plotly and kaleido are heavy; they load only when a chart is drawn.
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    if not layouts:
        raise LandscapeError.of("X105", "no group has any respondents: nothing to chart")
    heights = [len(layout.rows) for layout in layouts]
    figure = make_subplots(
        rows=len(layouts), cols=1, shared_xaxes=True, row_heights=heights,
        vertical_spacing=min(0.12, 0.5 / max(1, len(layouts) - 1)) if len(layouts) > 1 else 0,
        subplot_titles=[plot_text(layout.title, 90) for layout in layouts])
    legend_done: set[str] = set()
    ranked = [title for title in layouts[0].column_titles if title != "Not ranked"]
    bands = ordered(min(len(ranked), _MAX_BANDS))
    for panel, layout in enumerate(layouts, start=1):
        labels = [plot_text(row.label, _WRAP) for row in layout.rows]
        for c, title in enumerate(layout.column_titles):
            colour = (_UNRANKED_COLOUR if c >= len(bands) or title == "Not ranked"
                      else bands[c])
            values = [row.cells[c] for row in layout.rows]
            name = plot_text(title)
            figure.add_trace(go.Bar(
                x=values, y=labels, orientation="h", name=name, legendgroup=name,
                showlegend=name not in legend_done, marker={"color": colour},
                text=[f"{v}%" if v else "" for v in values], textposition="inside",
                insidetextanchor="middle", textangle=0,
                textfont={"color": text_on(colour)},
                hovertemplate="%{y}<br>" + name + ": %{x}%<extra></extra>",
            ), row=panel, col=1)
            legend_done.add(name)
        hidden = [max(0, 100 - sum(v for v in row.cells if v is not None))
                  if any(v is None for v in row.cells) else None for row in layout.rows]
        if any(h is not None for h in hidden):
            figure.add_trace(go.Bar(
                x=hidden, y=labels, orientation="h", name="Suppressed ([c])",
                legendgroup="suppressed", showlegend="suppressed" not in legend_done,
                marker={"color": _SUPPRESSED_COLOUR, "pattern": {"shape": "/"},
                        "line": {"color": NEUTRALS["mid"], "width": 0.5}},
                hovertemplate="%{y}<br>suppressed cells together: %{x}%<extra></extra>",
            ), row=panel, col=1)
            legend_done.add("suppressed")
        figure.update_yaxes(autorange="reversed", automargin=True, row=panel, col=1)
        figure.update_xaxes(range=[0, 100], ticksuffix="%", row=panel, col=1)
    figure.update_xaxes(title_text=plot_text(layouts[0].header), row=len(layouts), col=1)
    notes = list(dict.fromkeys(note for layout in layouts for note in layout.notes))
    note_lines = sum(len(textwrap.wrap(note, _NOTE_WRAP)) or 1 for note in notes)
    figure.add_annotation(
        text="<br>".join(plot_text(note, _NOTE_WRAP) for note in notes), xref="paper",
        yref="paper", x=-0.3, y=0, xanchor="left", yanchor="top", yshift=-70, showarrow=False,
        align="left",
        font={"size": 11, "color": NEUTRALS["text"]})
    bottom = 90 + 16 * note_lines
    figure.update_layout(
        barmode="stack", template="plotly_white", width=_WIDTH,
        height=130 + bottom + sum(52 * h + 50 for h in heights),
        legend={"orientation": "h", "yanchor": "top", "y": 0.99, "x": 0.01,
                "xref": "container", "yref": "container", "traceorder": "normal"},
        margin={"l": 20, "r": 20, "t": 110, "b": bottom},
        font={"family": "Arial, Helvetica, Liberation Sans, DejaVu Sans, sans-serif",
              "size": 13},
    )
    return figure


def find_chromium() -> str | None:
    """The Chromium/Chrome executable to draw images with, or None.

    ``BROWSER_PATH`` wins when set (``X103`` if it names no executable file);
    otherwise the first of the usual names on ``PATH``.

    Examples
    --------
    >>> found = find_chromium()
    >>> found is None or Path(found).is_file()
    True
    """
    configured = os.environ.get("BROWSER_PATH")
    if configured:
        if Path(configured).is_file() and os.access(configured, os.X_OK):
            return configured
        raise LandscapeError.of("X103", f"BROWSER_PATH={configured!r} is not an executable "
                                "file", Location(column="BROWSER_PATH"))
    for name in _BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def render_image(figure: Any, fmt: str, browser: str | None = None) -> bytes:
    """PNG or SVG bytes of a figure, drawn by kaleido in the system Chromium.

    Raises
    ------
    LandscapeError
        ``X103`` when no Chromium is installed, ``X104`` when drawing fails.
    """
    if fmt not in ("png", "svg"):
        raise LandscapeError.of("X102", f"'{fmt}' is not an image format; use png or svg")
    path = browser or find_chromium()
    if path is None:
        raise LandscapeError.of("X103", "PNG and SVG charts need a Chromium or Chrome browser "
                                f"and none was found (looked for BROWSER_PATH and "
                                f"{', '.join(_BROWSER_NAMES)} on PATH)")
    # plotly, kaleido and choreographer are heavy; they load only when a chart is drawn.
    import kaleido
    import plotly

    # It subclasses choreographer's browser, so it loads with kaleido.
    from survey.export.offline_chromium import OfflineChromium

    bundled = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    options = {"format": fmt, "width": int(figure.layout.width or _WIDTH),
               "height": int(figure.layout.height or 600), "scale": 2 if fmt == "png" else 1}
    settings = {"path": path, "mathjax": False, "plotlyjs": str(bundled), "timeout": 120,
                "browser_cls": OfflineChromium}
    try:
        data = kaleido.calc_fig_sync(figure, opts=options, kopts=settings)
    except Exception as exc:  # kaleido/choreographer raise many kinds; all mean "not drawn"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LandscapeError.of("X104", f"{path} could not draw the chart: {reason}") from None
    if not isinstance(data, bytes) or not data:
        raise LandscapeError.of("X104", f"{path} returned no image")
    return data


def write_chart(layouts: Sequence[PublishedLayout], path: Path | str, fmt: str) -> Path:
    """Write the chart of ``layouts`` as ``html``, ``png`` or ``svg`` (atomically).

    Raises
    ------
    LandscapeError
        ``X102`` unknown format, ``X101`` cannot write, ``X103``/``X104`` for images.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from survey.export.disclosure import DisclosurePolicy
    >>> from survey.export.layout import build_layouts
    >>> from survey.ranking.bands import band_table
    >>> table = band_table(pd.DataFrame({"a": [1, 2], "b": [2, 1]}, dtype="Int64"))
    >>> target = Path(tempfile.mkdtemp()) / "chart.html"
    >>> _ = write_chart(build_layouts(table, DisclosurePolicy()), target, "html")
    >>> "<script src=" in target.read_text(encoding="utf-8")  # plotly.js is inline
    False
    """
    return write_figure(band_chart(layouts), path, fmt)


def write_figure(figure: Any, path: Path | str, fmt: str) -> Path:
    """Write a plotly figure as ``html``, ``png`` or ``svg`` (atomically).

    HTML carries plotly.js inline (it works offline and loads nothing from a CDN);
    PNG and SVG are drawn by :func:`render_image` in the system Chromium. Every
    chart of the explorer is written here: the band charts (:func:`write_chart`)
    and the figures of the report tables (:mod:`survey.export.report_files`).

    Raises
    ------
    LandscapeError
        ``X102`` unknown format, ``X101`` cannot write, ``X103``/``X104`` for images.

    Examples
    --------
    >>> import tempfile, plotly.graph_objects as go
    >>> target = Path(tempfile.mkdtemp()) / "chart.html"
    >>> _ = write_figure(go.Figure(go.Bar(x=[1], y=["a"])), target, "html")
    >>> page = target.read_text(encoding="utf-8")
    >>> "<script src=" in page, "plotly" in page
    (False, True)
    """
    if fmt not in CHART_FORMATS:
        raise LandscapeError.of("X102", f"'{fmt}' is not a chart format; use one of "
                                f"{', '.join(CHART_FORMATS)}")
    if fmt == "html":
        return atomic_write(path, lambda temporary: figure.write_html(
            str(temporary), include_plotlyjs=True, include_mathjax=False, full_html=True,
            config={"displaylogo": False, "responsive": True}))
    browser = find_chromium()

    def draw(temporary: Path) -> None:
        temporary.write_bytes(render_image(figure, fmt, browser))

    return atomic_write(path, draw)
