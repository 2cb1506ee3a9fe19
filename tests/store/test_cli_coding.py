"""`landscape code barriers | override | kappa`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from cli_assert import no_traceback
from click.testing import CliRunner
from sklearn.metrics import cohen_kappa_score  # type: ignore[import-untyped]

from survey.cli import main
from survey.reproduce.demo import load_demo

_RESOURCES = "resources_capacity_funding"


@pytest.fixture
def demo_url(store_url: str) -> str:
    load_demo(store_url)
    return store_url


def test_barriers_table_json_and_csv(demo_url: str) -> None:
    runner = CliRunner()
    table = runner.invoke(main, ["code", "barriers", "--database", demo_url])
    assert table.exit_code == 0, table.output
    assert "local_government: 26 of 35 respondents answered" in table.output
    assert "76.9%" in table.output and "43.8%" in table.output
    assert "not the real responses" in table.output
    data = json.loads(runner.invoke(main, ["code", "barriers", "--database", demo_url,
                                           "--format", "json"]).output)
    row = next(r for r in data["records"] if r["group"] == "researcher"
               and r["theme"] == _RESOURCES)
    assert (row["count"], row["answered"]) == (7, 16)
    assert data["data_status"]
    csv_out = runner.invoke(main, ["code", "barriers", "--database", demo_url, "--by", "none",
                                   "--format", "csv"]).output
    assert csv_out.splitlines()[0] == ("group,theme,label,count,answered,respondents,share,"
                                       "ci_low,ci_high,small_n")


def test_barriers_flag_by_the_one_rule(demo_url: str) -> None:
    # Was: flagged only when fewer than 10 answered, so no demo share was flagged although
    # 6 of 16 researchers (37.5%) has a 95% interval of 18.5% to 61.4%, 43 points wide.
    runner = CliRunner()
    data = json.loads(runner.invoke(main, ["code", "barriers", "--database", demo_url,
                                           "--format", "json"]).output)
    flagged = {(r["group"], r["theme"]) for r in data["records"] if r["small_n"]}
    assert ("researcher", "commissioning_bureaucracy") in flagged
    assert not any(group == "local_government" for group, _ in flagged)
    table = runner.invoke(main, ["code", "barriers", "--database", demo_url]).output
    assert "37.5%  18.5% to 61.4% *" in table
    assert "small n: fewer than 10 respondents, or a 95% interval wider than 40" in table


def test_override_apply_then_remove(demo_url: str) -> None:
    runner = CliRunner()
    applied = runner.invoke(main, ["code", "override", "demo:LG04", "staff_turnover", "--apply",
                                   "--coder", "Siân", "--note", "people move on",
                                   "--database", demo_url])
    assert applied.exit_code == 0, applied.output
    assert "staff_turnover applies to demo:LG04" in applied.output and "Siân" in applied.output
    removed = runner.invoke(main, ["code", "override", "demo:LG04", "staff_turnover",
                                   "--remove", "--coder", "jo", "--database", demo_url])
    assert removed.exit_code == 0, removed.output
    assert "does not apply" in removed.output


@pytest.mark.parametrize(("args", "code"), [
    (["demo:LG04", "staff_turnover", "--coder", "jo"], "C115"),  # neither --apply nor --remove
    (["demo:NOPE", "staff_turnover", "--apply", "--coder", "jo"], "C151"),
    (["demo:LG04", "funding!", "--apply", "--coder", "jo"], "C111"),
    (["demo:LG01", _RESOURCES, "--apply", "--coder", "jo"], "C112"),
])
def test_bad_overrides_exit_2(demo_url: str, args: list[str], code: str) -> None:
    result = CliRunner().invoke(main, ["code", "override", *args, "--database", demo_url])
    assert result.exit_code == 2, result.output
    assert code in result.output and no_traceback(result)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_kappa_per_theme_matches_sklearn(tmp_path: Path) -> None:
    a_fund = [1, 1, 0, 0, 1, 0, 1, 0]
    b_fund = [1, 0, 0, 0, 1, 0, 1, 1]
    a_turn = [0, 0, 1, 0, 0, 1, 0, 0]
    b_turn = [0, 0, 1, 0, 0, 1, 0, 1]
    ids = [f"LG{i:02d}" for i in range(1, 9)]
    wide = "response_id,funding,turnover\n" + "".join(
        f"{r},{f},{t}\n" for r, f, t in zip(ids, a_fund, a_turn, strict=True))
    long = "response_id,theme,applied\n" + "".join(
        f"{r},funding,{'true' if f else 'false'}\n{r},turnover,{'yes' if t else 'no'}\n"
        for r, f, t in zip(ids, b_fund, b_turn, strict=True))
    a = _write(tmp_path / "a.csv", wide)
    b = _write(tmp_path / "b.csv", long)
    result = CliRunner().invoke(main, ["code", "kappa", str(a), str(b), "--format", "json",
                                       "--min-double-coded", "8"])
    assert result.exit_code == 0, result.output
    got = {r["theme"]: r for r in json.loads(result.output)["records"]}
    assert got["funding"]["kappa"] == pytest.approx(cohen_kappa_score(a_fund, b_fund))
    assert got["turnover"]["kappa"] == pytest.approx(cohen_kappa_score(a_turn, b_turn))
    assert got["funding"]["n"] == 8
    assert got["funding"]["pabak"] == pytest.approx(2 * 6 / 8 - 1)  # 6 of 8 agree
    assert got["funding"]["kappa_low"] < got["funding"]["kappa"] <= got["funding"]["kappa_high"]
    table = CliRunner().invoke(main, ["code", "kappa", str(a), str(b)])
    assert table.exit_code == 0 and "funding" in table.output
    # 8 double-coded responses are fewer than the default minimum (20): no kappa.
    assert "not reported: 8 response(s) coded by both coders, fewer than the 20" in table.output


def test_export_rules_then_kappa_against_a_human_coder(demo_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "rules.csv"
    result = runner.invoke(main, ["code", "export-rules", "-o", str(out),
                                  "--database", demo_url])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 26 + 16  # everyone who answered the challenges question
    assert rows[0]["rule_" + _RESOURCES] in ("0", "1") and rows[0][_RESOURCES] == ""
    # A coder codes 25 responses: agrees with the rules except on every 4th for funding.
    rules, human = [], []
    for i, row in enumerate(rows[:25]):
        rule = int(row["rule_" + _RESOURCES])
        mine = 1 - rule if i % 4 == 0 else rule
        rules.append(rule)
        human.append(mine)
        for key in row:
            if not key.startswith("rule_") and "rule_" + key in row:
                row[key] = row["rule_" + key]
        row[_RESOURCES] = str(mine)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = runner.invoke(main, ["code", "kappa", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    got = {r["theme"]: r for r in json.loads(result.output)["records"]}
    assert got[_RESOURCES]["n"] == 25  # the 17 rows left empty are not double-coded
    assert got[_RESOURCES]["kappa"] == pytest.approx(cohen_kappa_score(rules, human))
    assert got["staff_turnover"]["pabak"] == 1.0


@pytest.mark.parametrize(("text", "where"), [
    ("id,funding\nLG01,1\n", "a.csv:1"),
    ("response_id,funding\nLG01,maybe\n", "a.csv:2:funding"),
    ("response_id,funding\n,1\n", "a.csv:2:response_id"),
    ("response_id,funding\nLG01,1\nLG01,0\n", "a.csv:3"),
])
def test_kappa_bad_file_exit_2_with_location(tmp_path: Path, text: str, where: str) -> None:
    a = _write(tmp_path / "a.csv", text)
    b = _write(tmp_path / "b.csv", "response_id,funding\nLG01,1\n")
    result = CliRunner().invoke(main, ["code", "kappa", str(a), str(b)])
    assert result.exit_code == 2, result.output
    assert "C152" in result.output and where in result.output
    assert no_traceback(result)


def test_kappa_missing_file_exit_2(tmp_path: Path) -> None:
    b = _write(tmp_path / "b.csv", "response_id,funding\nLG01,1\n")
    result = CliRunner().invoke(main, ["code", "kappa", str(tmp_path / "none.csv"), str(b)])
    assert result.exit_code == 2 and "C152" in result.output


def test_kappa_csv_defuses_formulas_in_theme_names(tmp_path: Path) -> None:
    evil = '=HYPERLINK("http://evil")'
    header = f'response_id,"{evil.replace(chr(34), chr(34) * 2)}",funding\n'
    a = _write(tmp_path / "a.csv", header + "LG01,1,0\nLG02,0,1\nLG03,1,1\n")
    b = _write(tmp_path / "b.csv", header + "LG01,1,0\nLG02,1,1\nLG03,1,1\n")
    result = CliRunner().invoke(main, ["code", "kappa", str(a), str(b), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert {r["theme"] for r in rows} == {"'" + evil, "funding"}
    assert {r["n"] for r in rows} == {"3"}
