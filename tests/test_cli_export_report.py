"""``landscape export report NAME`` as a user runs it: every report of the catalogue."""

from __future__ import annotations

import csv
from pathlib import Path

import docx
import openpyxl
import pytest
from cli_assert import no_traceback
from click.testing import CliRunner

from survey.cli import main
from survey.export.disclosure import DisclosurePolicy
from survey.export.overview import respondent_counts
from survey.export.report_catalogue import REPORTS
from survey.reproduce.demo import load_demo
from survey.store import Store


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store loaded by ``landscape demo`` (shared: the tests only read it)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'demo.db'}"
    load_demo(url)
    return url


def run(*args: str):
    return CliRunner().invoke(main, ["export", "report", *args])


def test_list_prints_every_name_and_label() -> None:
    result = run("--list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines == [f"{r.name}\t{r.label}" for r in REPORTS.values()]
    assert {"overview", "fieldwork"} <= {line.split("\t")[0] for line in lines}


@pytest.mark.parametrize("name", [["nope"], []])
def test_an_unknown_report_is_refused_with_the_names(tmp_path: Path, demo_url: str,
                                                       name: list[str]) -> None:
    target = tmp_path / "x.csv"
    result = run(*name, "--database", demo_url, "-o", str(target))
    assert result.exit_code == 2 and "X109" in result.output and no_traceback(result)
    assert all(n in result.output for n in REPORTS)
    assert not target.exists()


def test_a_grouping_the_report_does_not_accept_is_refused(tmp_path: Path,
                                                          demo_url: str) -> None:
    target = tmp_path / "x.csv"
    result = run("overview", "--database", demo_url, "-o", str(target), "--by", "region")
    assert result.exit_code == 2 and "X105" in result.output and no_traceback(result)
    assert "cannot be grouped by 'region'" in result.output
    assert not target.exists()


def test_a_chart_format_of_a_report_without_a_chart_is_refused(tmp_path: Path,
                                                               demo_url: str) -> None:
    target = tmp_path / "x.html"
    result = run("overview", "--database", demo_url, "-o", str(target))
    assert result.exit_code == 2 and "X102" in result.output and no_traceback(result)
    assert not target.exists()


def test_public_overview_xlsx_holds_the_protected_counts(tmp_path: Path,
                                                         demo_url: str) -> None:
    target = tmp_path / "overview.xlsx"
    result = run("overview", "--database", demo_url, "-o", str(target), "--public")
    assert result.exit_code == 0, result.output
    assert "public, suppression threshold 5" in result.output
    sheet = openpyxl.load_workbook(target).worksheets[0]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "Complete responses by respondent group and nation (n=52)"
    with Store.open(demo_url) as store:
        counts = respondent_counts(store, DisclosurePolicy(public=True))
    assert values[1] == ["Respondent group", *counts.columns]
    body = values[2:2 + len(counts)]
    assert body == [[index, *("[c]" if v is None else v for v in row)]
                    for index, row in zip(counts.index, counts.itertuples(index=False),
                                          strict=True)]
    assert body[0][:2] == ["Local government", 27] and "[c]" in body[0]
    notes = [r[0] for r in values[2 + len(counts):] if r[0]]
    assert notes[0].startswith("Demo data: reconstructed")
    assert notes[-1].startswith("Shares based on fewer than 5 respondents")


def test_internal_fieldwork_by_region_csv(tmp_path: Path, demo_url: str) -> None:
    target = tmp_path / "fieldwork.csv"
    result = run("fieldwork", "--database", demo_url, "-o", str(target), "--by", "region")
    assert result.exit_code == 0, result.output
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Fieldwork funnel against the sampling frame (frame=256)"]
    assert rows[2] == ["Sampling frame", "256", "100.0%"]
    assert rows[5] == ["Completed", "35", "13.7%"]  # 35 / 256 = 13.67%
    start = rows.index(["Responses and response rates by region (completed / frame)"])
    assert rows[start + 1][0] == "Region"
    body = [r for r in rows[start + 2:] if len(r) == 7]
    # Independent of the builder: the regions' frames and completions add up to the funnel,
    # and each rate is completed / frame rounded half-up to one decimal.
    assert sum(int(r[1]) for r in body) == 256 and sum(int(r[4]) for r in body) == 35
    for r in body:
        frame, completed = int(r[1]), int(r[4])
        assert int(r[5]) == frame - completed
        assert r[6] == f"{int(1000 * completed / frame + 0.5) / 10:.1f}%"
    assert "[c]" not in target.read_text(encoding="utf-8-sig")


def test_fieldwork_chart_is_the_funnel(tmp_path: Path, demo_url: str) -> None:
    target = tmp_path / "funnel.html"
    result = run("fieldwork", "--database", demo_url, "-o", str(target))
    assert result.exit_code == 0, result.output
    page = target.read_text(encoding="utf-8")
    assert "Fieldwork funnel against the sampling frame" in page and "<script src=" not in page


def test_docx_format_option_overrides_the_suffix(tmp_path: Path, demo_url: str) -> None:
    target = tmp_path / "fieldwork.bin"
    result = run("fieldwork", "--database", demo_url, "-o", str(target), "--format", "docx",
                 "--public")
    assert result.exit_code == 0, result.output
    document = docx.Document(str(target))
    assert len(document.tables) == 2
    assert [c.text for c in document.tables[0].rows[0].cells] == ["Stage", "People",
                                                                 "% of frame"]
