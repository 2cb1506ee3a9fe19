"""Charts: escaped labels, offline HTML, and images through the system Chromium."""

from __future__ import annotations

import os
import re
import shutil
import struct
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pytest

from survey.errors import LandscapeError
from survey.export import charts
from survey.export.charts import band_chart, find_chromium, plot_text, write_chart
from survey.export.disclosure import DisclosurePolicy
from survey.export.layout import build_layouts
from survey.ranking.bands import RankingData, band_table
from survey.ranking.reconstruct import demo_ranking_data

HOSTILE = "<b>bold</b> <a href='javascript:alert(1)'>click</a> & <script>x()</script>"


def layouts(public: bool = False, label: str = HOSTILE):
    rows = [[1, 2, 3]] * 6 + [[2, 1, 3]] * 3 + [[3, 2, 1]] * 1
    frame = pd.DataFrame(rows, columns=["a", "b", "c"]).astype("Int64")
    data = RankingData(frame, ("a", "b", "c"), {"a": label, "b": "Beta", "c": "Gamma"})
    table = band_table(data, bands=((1, 1), (2, 2), (3, 3)))
    return build_layouts(table, DisclosurePolicy(public=public, min_n=3),
                         title="Table {number}. <i>{group}</i> (n={n})", notes=[HOSTILE])


def markup_free(text: str) -> bool:
    """No tag but the <br> we add ourselves."""
    return "<" not in text.replace("<br>", "") and ">" not in text.replace("<br>", "")


def test_plot_text_escapes_and_wraps() -> None:
    assert plot_text("a < b & c > d") == "a &lt; b &amp; c &gt; d"
    wrapped = plot_text("<b>" + " word" * 30, width=20)
    assert "<br>" in wrapped and markup_free(wrapped)


def test_every_text_in_the_figure_is_escaped() -> None:
    figure = band_chart(layouts())
    texts = [y for trace in figure.data for y in trace.y]
    texts += [trace.name for trace in figure.data]
    texts += [a.text for a in figure.layout.annotations]
    assert all(markup_free(t) for t in texts)
    assert any("&lt;script&gt;x()&lt;/script&gt;" in t for t in texts)
    assert any("&lt;i&gt;All&lt;/i&gt;" in t for t in texts)  # the title template too


def test_bars_carry_the_displayed_percentages() -> None:
    figure = band_chart(layouts(label="Alpha"))
    first = figure.data[0]
    assert first.name == "Most important"
    assert dict(zip(first.y, first.x, strict=True)) == {"Alpha": 60, "Beta": 30, "Gamma": 10}


def test_public_chart_hides_suppressed_cells_in_one_grey_segment() -> None:
    figure = band_chart(layouts(public=True, label="Alpha"))
    names = [trace.name for trace in figure.data]
    assert "Suppressed ([c])" in names
    bands = [t for t in figure.data if t.name != "Suppressed ([c])"]
    grey = next(t for t in figure.data if t.name == "Suppressed ([c])")
    assert any(x is not None for x in grey.x)
    for i in range(len(grey.y)):
        shown = [t.x[i] for t in bands if t.x[i] is not None]
        if grey.x[i] is not None:
            assert len(shown) < len(bands)
            assert grey.x[i] == 100 - sum(shown)
    notes = figure.layout.annotations[-1].text
    assert "Shares based on fewer than 3 respondents are suppressed" in notes


def test_html_is_offline_and_escaped(tmp_path: Path) -> None:
    path = write_chart(layouts(), tmp_path / "chart.html", "html")
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", text)  # plotly.js inline, no CDN
    assert len(text) > 1_000_000  # the plotly.js bundle is embedded
    assert "<script>x()" not in text and "<a href='javascript" not in text
    assert "No suppression applied (internal view)" in text


def test_demo_chart_is_labelled_reconstructed(tmp_path: Path) -> None:
    table = band_table(demo_ranking_data("researcher"))
    figure = band_chart(build_layouts(table, DisclosurePolicy(), reconstructed=True))
    assert "reconstructed to match published aggregates" in figure.layout.annotations[-1].text


def test_unknown_chart_format(tmp_path: Path) -> None:
    with pytest.raises(LandscapeError) as caught:
        write_chart(layouts(), tmp_path / "c.pdf", "pdf")
    assert caught.value.issues[0].code == "X102"
    assert list(tmp_path.iterdir()) == []


def test_bad_browser_path_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chrome"))
    with pytest.raises(LandscapeError) as caught:
        find_chromium()
    assert caught.value.issues[0].code == "X103"


def test_no_chromium_means_a_clear_error_and_no_file(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setattr(charts.shutil, "which", lambda name: None)
    assert find_chromium() is None
    with pytest.raises(LandscapeError) as caught:
        write_chart(layouts(), tmp_path / "chart.png", "png")
    assert caught.value.issues[0].code == "X103"
    assert "install" in str(caught.value).lower() and "chromium" in str(caught.value).lower()
    assert list(tmp_path.iterdir()) == []


def _system_chromium() -> str:
    found = os.environ.get("BROWSER_PATH") or shutil.which("chromium") \
        or shutil.which("chromium-browser")
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no Chromium is installed (apt-get install chromium)")
        pytest.skip("no Chromium installed: apt-get install chromium (or set BROWSER_PATH)")
    return found


@pytest.mark.browser
def test_png_through_kaleido_and_system_chromium(tmp_path: Path) -> None:
    _system_chromium()
    table = band_table(demo_ranking_data("researcher"))
    path = write_chart(build_layouts(table, DisclosurePolicy(), reconstructed=True),
                       tmp_path / "chart.png", "png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width == 2000 and height > 1000  # 1000 px at scale 2
    assert [p.name for p in tmp_path.iterdir()] == ["chart.png"]


@pytest.mark.browser
def test_svg_keeps_hostile_labels_as_text(tmp_path: Path) -> None:
    _system_chromium()
    path = write_chart(layouts(), tmp_path / "chart.svg", "svg")
    tree = ElementTree.parse(path)
    tags = {element.tag.rsplit("}", 1)[-1] for element in tree.iter()}
    assert "script" not in tags and "a" not in tags and "b" not in tags
    words = " ".join(t for element in tree.iter() for t in [element.text] if t)
    assert "<script>x()</script>" in words  # shown literally, as the respondent typed it
