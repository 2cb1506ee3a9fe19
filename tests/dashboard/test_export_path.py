"""One export path: the explorer's download and `landscape export` write the same file.

Both lay the tables out with :func:`survey.export.layout.priority_tables` and write
them with :func:`survey.export.tables.write_layouts`, so a table carries the same
title, notes and suppression wherever it is exported (before, the web titled
Table 1 "Local government responses (n=35)" and the CLI "Local Government
responses re: data and evidence requirements (n=35)").
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from dashboard.download_views import download
from dashboard.page_views import priorities_export
from survey.cli import main
from survey.errors import LandscapeError
from survey.export.report_catalogue import REPORTS
from survey.reproduce.demo import load_demo
from survey.store import Store
from survey.store.analysis import data_labels


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = "sqlite:///" + str(tmp_path_factory.mktemp("export-path") / "demo.db")
    load_demo(url)
    return url


# A public by-nation table is refused (issue 12: England minus all gives the 8 other
# councils cell by cell): tests/export/test_release.py checks both paths refuse it.
@pytest.mark.parametrize(("public", "by"), [(True, None), (False, None), (False, "nation")])
def test_web_download_is_the_cli_export(tmp_path: Path, demo_url: str, public: bool,
                                        by: str | None) -> None:
    output = tmp_path / "priorities.md"
    args = ["export", "priorities", "--database", demo_url, "-o", str(output)]
    args += ["--public"] if public else []
    args += ["--by", by] if by else []
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    with Store.open(demo_url) as store:
        _, content = priorities_export(store, "md", by=by, public=public, reconstructed=True)
    assert content.decode("utf-8") == output.read_text(encoding="utf-8")
    text = content.decode("utf-8").replace("\\", "")
    first = ("Table 1. Local Government responses re: data and evidence requirements (n=35)"
             if by is None else "Table 1. Local government: England responses (n=")
    assert first in text
    statement = ("are suppressed (shown as [c])" if public
                 else "No suppression applied (internal view): not for publication.")
    assert statement in text


def test_web_and_cli_both_refuse_a_public_by_nation_table(tmp_path: Path, demo_url: str) -> None:
    output = tmp_path / "priorities.md"
    result = CliRunner().invoke(main, ["export", "priorities", "--database", demo_url,
                                       "-o", str(output), "--public", "--by", "nation"])
    assert result.exit_code == 2 and "X108" in result.output
    assert not output.exists()
    with Store.open(demo_url) as store, pytest.raises(LandscapeError) as refused:
        priorities_export(store, "md", by="nation", public=True, reconstructed=True)
    assert refused.value.issues[0].code == "X108"
    assert refused.value.issues[0].message in result.output


# Every report of the catalogue: the Downloads page writes what `landscape export report`
# writes for the same arguments, byte for byte.
@pytest.mark.parametrize(("name", "fmt", "public", "by"), [
    ("overview", "md", True, None), ("overview", "csv", False, None),
    ("fieldwork", "csv", True, "region"), ("fieldwork", "md", False, None),
    ("fieldwork", "html", False, None)])
def test_web_report_download_is_the_cli_export(tmp_path: Path, demo_url: str, name: str,
                                               fmt: str, public: bool, by: str | None) -> None:
    output = tmp_path / f"{name}.{fmt}"
    args = ["export", "report", name, "--database", demo_url, "-o", str(output)]
    args += ["--public"] if public else ["--internal"]
    args += ["--by", by] if by else []
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    with Store.open(demo_url) as store:
        file_name, content = download(store, fmt, by, role="admin", table=name,
                                      policy="public" if public else "internal",
                                      reconstructed=bool(data_labels(store)))
    view = "public" if public else "internal"
    assert file_name.startswith(name) and file_name.endswith(f"-{view}.{fmt}")
    if fmt == "html":  # plotly gives each figure a fresh random div id
        def strip(page: str) -> str:
            return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "",
                          page)
        assert strip(content.decode("utf-8")) == strip(output.read_text(encoding="utf-8"))
    else:
        assert content == output.read_bytes()
    statement = ("are suppressed (shown as [c])" if public
                 else "No suppression applied (internal view): not for publication.")
    if fmt != "html":
        assert statement in content.decode("utf-8-sig").replace("\\", "")


@pytest.mark.parametrize("name", list(REPORTS))
@pytest.mark.parametrize("public", [True, False])
def test_every_report_downloads_as_the_cli_writes_it(tmp_path: Path, demo_url: str, name: str,
                                                      public: bool) -> None:
    """Each report of the catalogue, in its default grouping: the same bytes both ways
    (or the same refusal)."""
    output = tmp_path / f"{name}.csv"
    result = CliRunner().invoke(main, ["export", "report", name, "--database", demo_url,
                                       "-o", str(output),
                                       "--public" if public else "--internal"])
    with Store.open(demo_url) as store:
        try:
            _, content = download(store, "csv", role="admin", table=name,
                                  policy="public" if public else "internal",
                                  reconstructed=bool(data_labels(store)))
        except LandscapeError as exc:
            assert result.exit_code == 2 and exc.issues[0].code in result.output
            assert not output.exists()
            return
    assert result.exit_code == 0, result.output
    assert content == output.read_bytes()
