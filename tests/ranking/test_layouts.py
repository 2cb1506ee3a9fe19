"""Reading ranking exports in three layouts; bad input reported by row and column."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from cli_assert import no_traceback
from click.testing import CliRunner

from survey.cli import main
from survey.errors import LandscapeError
from survey.instrument.model import Option, Question, QuestionType, RankingRule, Text, Translation
from survey.ranking.bands import RankingData
from survey.ranking.layouts import LAYOUTS, read_rankings, write_rankings


def _text(en: str, cy: str) -> Text:
    return Text({"en": Translation(en), "cy": Translation(cy)})


QUESTION = Question(
    code="evidence_priorities", type=QuestionType.RANKING, label=_text("Rank", "Trefnwch"),
    options=(
        Option("funding", _text("More funding", "Mwy o gyllid")),
        Option("data", _text("Better data", "Data gwell")),
        Option("skills", _text("Analytical skills", "Sgiliau dadansoddi")),
    ),
    ranking=RankingRule(mode="full", ties="forbid"),
)
OPTIONS = QUESTION.option_codes


def known_data() -> RankingData:
    ranks = pd.DataFrame(
        [[1, 2, 3], [3, 1, 2], [None, None, None], [2, 3, 1]], columns=list(OPTIONS),
        index=pd.Index(["ŵyn-1", "Ynys Môn 2", "r3", "Rhondda Cynon Taf"], name="respondent_id"),
    ).astype("Int64")
    groups = pd.Series(["Cyngor Sir Ynys Môn", "Prifysgol Bangor", None, "Cyngor Gwynedd"],
                       index=ranks.index)
    return RankingData(ranks, OPTIONS, {o.code: o.label.en for o in QUESTION.options},
                       groups=groups, rule=QUESTION.ranking or RankingRule())


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(("suffix", "bom"), [(".csv", False), (".csv", True), (".xlsx", False)])
def test_round_trip(tmp_path: Path, layout: str, suffix: str, bom: bool) -> None:
    data = known_data()
    path = write_rankings(data, tmp_path / f"export{suffix}", layout,
                          use_labels=layout != "ordered-list", group_column="place", bom=bom)
    if bom:
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    back = read_rankings(path, layout, question=QUESTION, group_column="place")
    pd.testing.assert_frame_equal(back.ranks, data.ranks)
    assert back.groups is not None and data.groups is not None
    assert back.groups.fillna("-").tolist() == data.groups.fillna("-").tolist()
    assert back.labels["funding"] == "More funding"


def test_welsh_labels_and_loose_matching(tmp_path: Path) -> None:
    path = tmp_path / "cy.csv"
    path.write_text("id,  mwy o GYLLID ,Data gwell,sgiliau dadansoddi,other\n"
                    "a,1,2,3,x\nb,2,1,3,y\n", encoding="utf-8-sig")
    data = read_rankings(path, "rank-per-option", question=QUESTION)
    assert data.ranks.loc["b"].tolist() == [2, 1, 3]


def test_explicit_mapping_and_inferred_options(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text("ResponseId,Q7_1,Q7_2\nR_1,2,1\n", encoding="utf-8")
    data = read_rankings(path, "rank-per-option", options=["x", "y"],
                         columns={"Q7_1": "x", "Q7_2": "y"})
    assert data.ranks.loc["R_1"].tolist() == [2, 1]
    inferred = read_rankings(path, "rank-per-option")
    assert inferred.options == ("Q7_1", "Q7_2")
    lime = tmp_path / "lime.csv"
    lime.write_text("id,Q5[1],Q5[2],Q5[3]\n1,Better data,More funding,Analytical skills\n",
                    encoding="utf-8")
    data = read_rankings(lime, "option-per-rank", question=QUESTION)
    assert data.ranks.loc["1"].tolist() == [2, 1, 3]


def _issues(path: Path, layout: str, **kwargs: object) -> list[str]:
    with pytest.raises(LandscapeError) as err:
        read_rankings(path, layout, question=QUESTION, **kwargs)  # type: ignore[arg-type]
    return [f"{i.code} {i.location}" for i in err.value.issues]


def test_rank_per_option_problems_all_collected(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,funding,data,skills\n"
                    "a,1,2,3\n"         # row 2 fine
                    "b,1,1,3\n"         # row 3: tie when forbidden
                    "c,1,x,3\n"         # row 4: not a rank
                    "d,1,2,7\n"         # row 5: out of range
                    "e,1,2,\n"          # row 6: incomplete
                    "a,3,2,1\n",        # row 7: duplicate id
                    encoding="utf-8")
    found = _issues(path, "rank-per-option")
    assert f"A107 {path}:3:data" in found
    assert f"A105 {path}:4:data" in found
    assert f"A106 {path}:5:skills" in found
    assert f"A109 {path}:6:skills" in found
    assert f"A110 {path}:7:id" in found


def test_option_per_rank_problems(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,rank_1,rank_2,rank_3\n"
                    "a,data,funding,skills\n"
                    "b,Data,Nonsense,skills\n"    # unknown label
                    "c,data,DATA,skills\n"        # option twice
                    "d,data,,skills\n",           # gap
                    encoding="utf-8")
    found = _issues(path, "option-per-rank")
    assert found == [f"A104 {path}:3:rank_2", f"A108 {path}:4:rank_2", f"A109 {path}:5:rank_2"]


def test_ordered_list_problems_and_column_choice(tmp_path: Path) -> None:
    path = tmp_path / "odk.csv"
    path.write_text("KEY,place,grp-evidence_priorities\n"
                    "k1,Môn,data funding skills\n"
                    "k2,Môn,data bogus skills\n"
                    "k3,Môn,data data skills\n"
                    "k4,Môn,data funding\n", encoding="utf-8")
    found = _issues(path, "ordered-list", group_column="place")
    col = "grp-evidence_priorities"
    assert found == [f"A104 {path}:3:{col}", f"A108 {path}:4:{col}", f"A109 {path}:5:{col}"]


def test_top_k_rule_is_the_answer_models_rule(tmp_path: Path) -> None:
    # One rule with the store and the form (survey.answers): with ties forbidden a
    # top-k answer ranks exactly k options, so row 2 (one option) is incomplete.
    path = tmp_path / "top.csv"
    path.write_text("id,ranking\na,data\nb,skills funding\nc,data funding skills\n",
                    encoding="utf-8")
    rule = RankingRule(mode="top_k", k=2)
    found = _issues(path, "ordered-list", rule=rule)
    assert found == [f"A109 {path}:2:ranking", f"A106 {path}:4:ranking"]
    # With ties allowed a top-k answer may rank fewer than k.
    loose = RankingRule(mode="top_k", k=2, ties="allow")
    assert _issues(path, "ordered-list", rule=loose) == [f"A106 {path}:4:ranking"]


@pytest.mark.parametrize(("content", "code"), [
    (b"id,funding\n\xff\xfe,1\n", "A101"),
    (b"", "A101"),
    (b"id,funding,funding\nr1,1,2\n", "A114"),
    (b"id,funding\n", "A101"),  # no respondents (was: an empty table, exit 0)
])
def test_unreadable_files(tmp_path: Path, content: bytes, code: str) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    assert _issues(path, "rank-per-option")[0].startswith(code)


def test_cli_priorities_all_layouts_and_formats(tmp_path: Path) -> None:
    data = known_data()
    runner = CliRunner()
    for layout in LAYOUTS:
        path = write_rankings(data, tmp_path / f"{layout}.csv", layout, group_column="place")
        result = runner.invoke(main, ["priorities", "--input", str(path), "--layout", layout,
                                      "--group-column", "place", "--bands", "1,2-3",
                                      "--format", "json"])
        assert result.exit_code == 0, result.output
        payload = json.loads(result.output)
        assert payload["groups"] == {"(missing)": 0, "Cyngor Gwynedd": 1, "Cyngor Sir Ynys Môn": 1,
                                     "Prifysgol Bangor": 1}
        first = {(r["group"], r["option"], r["band"]): r["count"] for r in payload["records"]}
        assert first[("Cyngor Gwynedd", "skills", "1")] == 1
    path = write_rankings(data, tmp_path / "plain.csv", "rank-per-option")
    out = tmp_path / "table.md"
    result = runner.invoke(main, ["priorities", "--input", str(path), "--layout",
                                  "rank-per-option", "--bands", "1,2,3", "--format", "md",
                                  "-o", str(out)])
    assert result.exit_code == 0, result.output
    # Each share with its 95% Wilson interval; n = 3 is small n (the mark, escaped).
    assert ("| funding | 33% (6–79)\\* | 33% (6–79)\\* | 33% (6–79)\\* |"
            in out.read_text(encoding="utf-8"))
    result = runner.invoke(main, ["priorities", "--input", str(path), "--layout",
                                  "rank-per-option"])
    assert result.exit_code == 0 and "all (n = 3)" in result.output


def test_cli_bad_input_exit_2_and_nothing_written(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,a,b\nr1,1,1\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(main, ["priorities", "--input", str(path), "--layout",
                                       "rank-per-option", "--format", "csv", "-o", str(out)])
    assert result.exit_code == 2
    assert f"{path}:2:b" in result.output and "A107" in result.output
    assert no_traceback(result)
    assert not out.exists()


def test_markdown_escapes_labels(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("id,<script>alert(1)</script>,a|b\nr1,1,2\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["priorities", "--input", str(path), "--layout",
                                       "rank-per-option", "--bands", "1,2", "--format", "md"])
    assert result.exit_code == 0, result.output
    assert "<script>" not in result.output and "a\\|b" in result.output


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_written_rankings_defuse_formulas_in_labels_and_groups(tmp_path: Path,
                                                               suffix: str) -> None:
    evil = '=HYPERLINK("http://evil")'
    ranks = pd.DataFrame({"a": [1, 2], "b": [2, 1]}, index=["r1", "-3"], dtype="Int64")
    data = RankingData(ranks, ("a", "b"), {"a": evil, "b": "@SUM(A1)"},
                       groups=pd.Series(["=1+1@ex.org", "west"], index=ranks.index))
    path = write_rankings(data, tmp_path / f"x{suffix}", "option-per-rank", use_labels=True,
                          group_column="place")
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path).active
        assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
        rows = [[c.value for c in row] for row in sheet.iter_rows()]
    else:
        import csv

        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
    assert rows[0] == ["respondent_id", "place", "rank_1", "rank_2"]
    assert rows[1] == ["r1", "'=1+1@ex.org", "'" + evil, "'@SUM(A1)"]
    assert rows[2] == ["-3", "west", "'@SUM(A1)", "'" + evil]  # "-3" is a number: as it was


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_ranking_files_read_like_import_files(tmp_path: Path, separator: str) -> None:
    # One table reader (survey.tables) for every importer: a ';'- or tab-separated
    # export (Excel in many locales) reads here as it does in 'responses import'.
    path = tmp_path / "export.csv"
    path.write_text(separator.join(["id", "funding", "data", "skills"]) + "\n"
                    + separator.join(["r1", "1", "2", "3"]) + "\n", encoding="utf-8-sig")
    data = read_rankings(path, "rank-per-option", question=QUESTION)
    assert data.ranks.loc["r1"].tolist() == [1, 2, 3]
