"""``landscape consensus`` and ``landscape compare`` through click's CliRunner."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy.stats import mannwhitneyu
from statsmodels.stats.multitest import multipletests

from survey.cli import main
from survey.ranking.consensus import consensus

CODES = ["resources", "synthesis", "public_data", "commercial_data", "tools"]


def write_rankings(path: Path, seed: int = 0, groups: dict[str, int] | None = None) -> pd.DataFrame:
    """A rank-per-option CSV with a respondent-type column; returns what was written."""
    rng = np.random.default_rng(seed)
    rows = []
    for group, n in (groups or {"Local government": 35, "Researcher": 17}).items():
        shift = np.array([1.5, 0, 0, -1, -1]) if group == "Researcher" else 0
        for i in range(n):
            scores = rng.normal(size=len(CODES)) + shift
            positions = np.argsort(np.argsort(-scores)) + 1
            rows.append({"respondent_id": f"{group[:2]}{i}", "type": group,
                         **dict(zip(CODES, positions.tolist(), strict=True))})
    frame = pd.DataFrame(rows)
    frame.to_csv(path, index=False)
    return frame


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("method", ["mean-rank", "borda", "schulze", "kemeny", "plackett-luce"])
def test_consensus_json_matches_the_library(tmp_path: Path, method: str) -> None:
    written = write_rankings(tmp_path / "r.csv")
    code, out, _ = run("consensus", "--method", method, "--input", str(tmp_path / "r.csv"),
                       "--layout", "rank-per-option", "--group-column", "type",
                       "--format", "json")
    assert code == 0
    payload = json.loads(out)
    assert payload["method"] == method
    by_group = {g["group"]: g for g in payload["groups"]}
    assert set(by_group) == {"Local government", "Researcher"}
    for group, n in (("Local government", 35), ("Researcher", 17)):
        expected = consensus(written[written["type"] == group][CODES].astype("Int64"), method)
        got = by_group[group]
        assert got["n"] == n
        assert [o["option"] for o in got["options"]] == expected.order
        assert [o["score"] for o in got["options"]] == pytest.approx(
            [expected.scores[c] for c in expected.order])
        assert got["options"][0]["label"] == got["options"][0]["option"]


def test_consensus_table_without_groups(tmp_path: Path) -> None:
    written = write_rankings(tmp_path / "r.csv")
    written.drop(columns="type").to_csv(tmp_path / "r.csv", index=False)
    code, out, _ = run("consensus", "--method", "kemeny", "--input", str(tmp_path / "r.csv"),
                       "--layout", "rank-per-option")
    assert code == 0
    assert out.startswith("all (n = 52): kemeny consensus")
    assert "Exact Kemeny order" in out
    table = [line for line in out.splitlines() if line[:4].strip().isdigit()]
    assert len(table) == len(CODES) and all(any(c in line for c in CODES) for line in table)


def test_consensus_reads_option_per_rank_files(tmp_path: Path) -> None:
    path = tmp_path / "lime.csv"
    path.write_text("id,rank_1,rank_2,rank_3\nr1,b,a,c\nr2,b,c,a\nr3,a,b,c\n", encoding="utf-8")
    code, out, _ = run("consensus", "--method", "borda", "--input", str(path),
                       "--layout", "option-per-rank", "--format", "json")
    assert code == 0
    options = json.loads(out)["groups"][0]["options"]
    # survey Borda means: b = (3+3+2)/3, a = (2+1+3)/3, c = (1+2+1)/3
    assert [(o["option"], round(o["score"], 4)) for o in options] == [
        ("b", 2.6667), ("a", 2.0), ("c", 1.3333)]


def test_compare_table_json_and_csv(tmp_path: Path) -> None:
    written = write_rankings(tmp_path / "r.csv", seed=2)
    args = ["compare", "--input", str(tmp_path / "r.csv"), "--layout", "rank-per-option",
            "--group-column", "type"]
    code, out, _ = run(*args)
    assert code == 0
    assert out.startswith("Local government (n = 35) vs Researcher (n = 17)")
    readings = [line for line in out.splitlines() if line.startswith("- ")]
    assert len(readings) == len(CODES)
    assert all("after Holm" in line for line in readings)
    assert "Agreement within Researcher: Kendall's W = " in out

    code, out, _ = run(*args, "--format", "json")
    assert code == 0
    payload = json.loads(out)
    lg = written[written["type"] == "Local government"]
    rs = written[written["type"] == "Researcher"]
    raw = [mannwhitneyu(lg[c], rs[c]).pvalue for c in CODES]
    holm = multipletests(raw, method="holm")[1]
    assert [o["p_holm"] for o in payload["options"]] == pytest.approx(list(holm))
    assert payload["groups"] == ["Local government", "Researcher"]
    assert payload["agreement"]["Researcher"]["n"] == 17

    code, out, _ = run(*args, "--format", "csv", "--groups", "Researcher,Local government")
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert table["group_a"].unique().tolist() == ["Researcher"]
    assert table["n_a"].unique().tolist() == [17]
    assert table.loc[table["concept"] == "resources", "rank_biserial"].iloc[0] > 0
    assert table["across_options_p"].nunique() == 1
    assert 0 < table["plackett_luce_p_permutation"].iloc[0] <= 1


def test_bad_input_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    code, out, err = run("consensus", "--method", "borda", "--input",
                         str(tmp_path / "missing.csv"), "--layout", "rank-per-option")
    assert code == 2 and out == ""
    assert "A101" in err and "missing.csv" in err and "Traceback" not in err

    write_rankings(tmp_path / "three.csv", groups={"A": 5, "B": 5, "C": 5})
    code, _, err = run("compare", "--input", str(tmp_path / "three.csv"),
                       "--layout", "rank-per-option", "--group-column", "type")
    assert code == 2
    assert "A155" in err and "gives 3 group(s) (A, B, C)" in err and "--groups" in err
    code, _, err = run("compare", "--input", str(tmp_path / "three.csv"),
                       "--layout", "rank-per-option", "--group-column", "type",
                       "--groups", "A,Z")
    assert code == 2 and "A155" in err

    bad = tmp_path / "bad.csv"
    bad.write_text("id,a,b\nr1,1,2\nr2,x,1\n", encoding="utf-8")
    code, _, err = run("consensus", "--method", "schulze", "--input", str(bad),
                       "--layout", "rank-per-option")
    assert code == 2
    assert "bad.csv:3" in err and "Traceback" not in err


def test_kemeny_refuses_too_many_options_on_the_command_line(tmp_path: Path) -> None:
    k = 21
    header = "id," + ",".join(f"o{i}" for i in range(k))
    rows = [f"r{r}," + ",".join(str(p) for p in np.random.default_rng(r).permutation(k) + 1)
            for r in range(3)]
    path = tmp_path / "wide.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    code, out, err = run("consensus", "--method", "kemeny", "--input", str(path),
                         "--layout", "rank-per-option")
    assert code == 2 and out == ""
    assert "A152" in err and "--method schulze" in err


def test_compare_csv_defuses_formulas_in_group_names(tmp_path: Path) -> None:
    written = write_rankings(tmp_path / "r.csv", seed=3,
                             groups={"=HYPERLINK(\"http://evil\")": 12, "@SUM(A1)": 10})
    assert set(written["type"]) == {"=HYPERLINK(\"http://evil\")", "@SUM(A1)"}
    code, out, _ = run("compare", "--input", str(tmp_path / "r.csv"), "--layout",
                       "rank-per-option", "--group-column", "type", "--format", "csv")
    assert code == 0, out
    table = pd.read_csv(io.StringIO(out), dtype=str)
    assert set(table["group_a"]) | set(table["group_b"]) == {
        "'=HYPERLINK(\"http://evil\")", "'@SUM(A1)"}
    assert not any(str(v).startswith(("=", "+", "@")) for v in table.to_numpy().ravel())
    assert set(table["n_a"]) | set(table["n_b"]) == {"12", "10"}  # numbers untouched


def test_consensus_shows_position_intervals_and_the_head_to_head_check(tmp_path: Path) -> None:
    from survey.ranking.uncertainty import majority_check, position_intervals

    written = write_rankings(tmp_path / "r.csv")
    args = ["consensus", "--method", "schulze", "--input", str(tmp_path / "r.csv"),
            "--layout", "rank-per-option", "--group-column", "type", "--resamples", "40",
            "--seed", "3"]
    code, out, _ = run(*args)
    assert code == 0
    assert "95% position  first" in out
    assert "Position intervals: 95% of 40 bootstrap resamples of the 17 respondents (seed 3)" \
        in out
    assert out.count("Head to head: ") == 2
    assert ("WARNING: the methods disagree on the top option" in out
            or "Every method puts " in out)

    code, out, _ = run(*args, "--format", "json")
    assert code == 0
    payload = json.loads(out)
    researchers = written[written["type"] == "Researcher"][CODES].astype("Int64")
    expected = position_intervals(researchers, "schulze", resamples=40, seed=3)
    group = next(g for g in payload["groups"] if g["group"] == "Researcher")
    assert [(o["option"], o["position_low"], o["position_high"], o["first"])
            for o in group["options"]] == [(o.option, o.low, o.high, o.first)
                                           for o in expected.options]
    assert group["bootstrap"]["resamples"] == 40 and group["bootstrap"]["seed"] == 3
    check = majority_check(researchers)
    assert group["head_to_head"]["condorcet_winner"] == check.winner
    assert group["head_to_head"]["smith_set"] == check.smith_set
    assert set(group["top_by_method"]) == {"mean-rank", "borda", "schulze", "kemeny",
                                           "plackett-luce"}

    code, out, _ = run(*args, "--format", "csv")
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert len(table) == 2 * len(CODES)
    assert {"position_low", "position_high", "first", "in_smith_set", "condorcet_winner",
            "methods_agree_on_top"} <= set(table)
    mine = table[table["group"] == "Researcher"]
    assert mine["position_low"].tolist() == [o.low for o in expected.options]
    # the same seed prints the same figures; the defaults are stated in --help
    assert run(*args, "--format", "csv")[1] == out


def test_consensus_help_defaults_are_the_library_defaults() -> None:
    from survey.ranking.uncertainty import DEFAULT_RESAMPLES, DEFAULT_SEED

    _, help_text, _ = run("consensus", "--help")
    assert f"[default: {DEFAULT_RESAMPLES}]" in help_text
    assert f"[default: {DEFAULT_SEED}]" in " ".join(help_text.split())


def test_compare_reports_the_test_across_all_options_first(tmp_path: Path) -> None:
    write_rankings(tmp_path / "r.csv", seed=2)
    args = ["compare", "--input", str(tmp_path / "r.csv"), "--layout", "rank-per-option",
            "--group-column", "type", "--seed", "4"]
    code, out, _ = run(*args)
    assert code == 0
    lines = out.splitlines()
    assert lines[1] == "Across all options first:"
    assert lines[2].startswith("  Across all 5 options")
    assert "permutation test on the mean-rank vectors" in lines[2]
    assert lines[3].startswith("  Plackett-Luce likelihood-ratio test")
    assert lines.index("Option by option:") > 3
    assert "relative within a respondent" in out
    code, out, _ = run(*args, "--format", "json")
    payload = json.loads(out)
    across = payload["across_options"]
    assert 0 < across["mean_rank_permutation"]["p"] <= 1
    assert across["plackett_luce_lrt"]["df"] == 4
    assert across["minimum_detectable_r"]["alpha"] == pytest.approx(0.478, abs=1e-3)
    assert payload["summary"].startswith("Across all 5 options")
    assert {"rank_biserial_low", "rank_biserial_high", "mirrored",
            "top3_difference_low_adjusted"} <= set(payload["options"][0])
