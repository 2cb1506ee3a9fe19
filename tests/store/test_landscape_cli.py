"""The demo's landscape, `landscape network resolve` and the review queue, on both databases."""

from __future__ import annotations

import json
from pathlib import Path

from cli_assert import no_traceback
from click.testing import CliRunner

from survey.cli import main
from survey.landscape.records import Alias, LandscapeData, Organisation, Provenance
from survey.reproduce.demo import load_demo
from survey.store import Store
from survey.store.landscape import load_landscape, pending_reviews, queue_review, save_landscape
from survey.store.partners import import_partner_answers

REG = Provenance("registry", "test registry")


def test_demo_loads_the_landscape_and_reruns_cleanly(store_url: str) -> None:
    first = load_demo(store_url)
    assert first.organisations > 800 and first.partnerships > 40
    again = load_demo(store_url)  # over an earlier demo: same landscape, nothing doubled
    assert (again.organisations, again.partnerships, again.queued) == (
        first.organisations, first.partnerships, first.queued)
    with Store.open(store_url) as store:
        data = load_landscape(store)
        queue = pending_reviews(store)
    partnerships = {p.key: p for p in data.partnerships}
    assert partnerships["city-redi-wmca-joint-post"].kind == "joint_post"
    survey_ties = [p for p in data.partnerships if p.key.startswith("response-")]
    assert survey_ties and all(p.synthetic and p.survey_derived and "synthetic" in p.name
                               for p in survey_ties)
    report_ties = [p for p in data.partnerships if not p.key.startswith("response-")]
    assert not any(p.synthetic for p in report_ties)
    # The synthetic answers joined the same graph: some name the report's organisations.
    members = {m for p in survey_ties for m in p.members}
    assert members & {m for p in report_ties for m in p.members}
    orgs = {o.key: o for o in data.organisations}
    sheffield = orgs["university-of-sheffield"]
    typed = [a for a in sheffield.aliases if a.provenance.kind == "synthetic"]
    assert all(a.provenance.reference.startswith("response ") for a in typed)
    assert len(queue) == first.queued and {i.source.kind for i in queue} == {"synthetic"}
    assert any(p.barriers for p in survey_ties)  # coded challenge texts
    barrier_codes = {b.code for b in data.barriers}
    assert data.answer_barriers and all(
        codes and set(codes) <= barrier_codes for codes in data.answer_barriers.values())

    runner = CliRunner()
    result = runner.invoke(main, ["network", "resolve", "Uni of Sheffield",
                                  "--database", store_url])
    assert result.exit_code == 0, result.output
    assert "The University of Sheffield [university-of-sheffield]" in result.output
    assert "sheffield university" in result.output and "landscape in" in result.output
    # A decision re-links the survey's partners and keeps the coded answers' barriers.
    result = runner.invoke(main, ["network", "review", "accept", str(queue[0].id),
                                  "--reviewer", "Siân", "--database", store_url])
    assert result.exit_code == 0, result.output
    with Store.open(store_url) as store:
        after = load_landscape(store)
        assert len(pending_reviews(store)) == len(queue) - 1
    assert after.answer_barriers == data.answer_barriers
    assert queue[0].text in {a.text for o in after.organisations for a in o.aliases
                             if a.provenance.kind == "reviewer"}


def test_resolve_command_output_and_bad_input(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = "sqlite:////nonexistent-folder-for-test/none.db"
    result = runner.invoke(main, ["network", "resolve", "Wrexham Glyndŵr University",
                                  "--format", "json", "--database", missing])
    # No store: the shipped registry and dataset are used, and say so.
    assert result.exit_code in (0, 2) and no_traceback(result)
    result = runner.invoke(main, ["network", "resolve", "Wrexham Glyndŵr University",
                                  "--format", "json"], env={"LANDSCAPE_DATABASE_URL":
                                                            f"sqlite:///{tmp_path}/x.db"})
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert (out["outcome"], out["key"]) == ("alias", "wrexham-university")
    assert "registry" in out["source"] and out["candidates"]
    result = runner.invoke(main, ["network", "resolve", "Zzyzx Research Collective"],
                           env={"LANDSCAPE_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert result.exit_code == 2 and no_traceback(result)
    assert "L113" in result.output and "closest" in result.output
    result = runner.invoke(main, ["network", "resolve", "  ?! "],
                           env={"LANDSCAPE_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert result.exit_code == 2 and "L114" in result.output


def test_review_decisions_are_stored_and_never_asked_twice(store_url: str) -> None:
    with Store.open(store_url) as store:
        save_landscape(store, LandscapeData((
            Organisation("sheffield", "The University of Sheffield", "university",
                         aliases=(Alias("Sheffield Uni", REG),), provenance=(REG,)),
            Organisation("hallam", "Sheffield Hallam University", "university",
                         provenance=(REG,))), ()))
        seen = Provenance("survey_response", "response r1", "answer to partner_organisation_1")
        first = queue_review(store, "Sheffield Hallam", "hallam", 87.0, seen)
        second = queue_review(store, "Sheff Research Hub", "sheffield", 76.0, seen)
        third = queue_review(store, "Hallam Policy Unit", "hallam", 78.0, seen)
    runner = CliRunner()
    db = ["--database", store_url]
    result = runner.invoke(main, ["network", "review", "list", *db])
    assert result.exit_code == 0 and "Sheffield Hallam" in result.output
    result = runner.invoke(main, ["network", "review", "accept", str(first.id),
                                  "--reviewer", "Siân", *db])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["network", "review", "reject", str(second.id),
                                  "--reviewer", "Siân", *db])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["network", "review", "create", str(third.id), "--name",
                                  "Hallam Policy Unit", "--type", "research_centr",
                                  "--reviewer", "Siân", *db])
    assert result.exit_code == 2 and "closest: research_centre" in result.output
    result = runner.invoke(main, ["network", "review", "create", str(third.id), "--name",
                                  "Hallam Policy Unit", "--type", "research_centre",
                                  "--region", "yorkshire_humber", "--reviewer", "Siân", *db])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["network", "review", "accept", str(first.id),
                                  "--reviewer", "Siân", *db])
    assert result.exit_code == 2 and "L112" in result.output and no_traceback(result)
    result = runner.invoke(main, ["network", "review", "list", "--format", "json", *db])
    assert json.loads(result.output) == []
    with Store.open(store_url) as store:
        orgs = {o.key: o for o in load_landscape(store).organisations}
        alias = next(a for a in orgs["hallam"].aliases if a.text == "Sheffield Hallam")
        assert (alias.provenance.kind, alias.provenance.recorded_by) == ("reviewer", "Siân")
        assert orgs["hallam-policy-unit"].region == "yorkshire_humber"
        rejected = [o for o in orgs.values() if o.name == "Sheff Research Hub"]
        assert len(rejected) == 1 and not rejected[0].resolved
        # The same strings are never queued again: they resolve through the aliases.
        from survey.landscape.resolver import Resolver

        resolver = Resolver(orgs.values())
        assert resolver.resolve("sheffield hallam").key == "hallam"
        assert resolver.resolve("Sheff Research Hub").key == rejected[0].key
        assert import_partner_answers(store).queued == 0


def test_load_command_refuses_a_malformed_file_and_loads_nothing(store_url: str,
                                                                  tmp_path: Path) -> None:
    bad = tmp_path / "extra.yaml"
    bad.write_text("dataset: landscape_2022\n"
                   "partnerships:\n"
                   "  - key: new-tie\n"
                   "    name: A tie\n"
                   "    kind: joint_post\n"
                   "    members: [wrexham-university, nowhere-council]\n"
                   "    sources: ['3.37']\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["network", "load", str(bad), "--database", store_url])
    assert result.exit_code == 2 and no_traceback(result)
    assert f"{bad}:6" in result.output and "L105" in result.output
    with Store.open(store_url) as store:
        assert load_landscape(store).organisations == ()  # nothing loaded
    bad.write_text(bad.read_text(encoding="utf-8").replace("nowhere-council",
                                                           "wrexham-county-borough-council"),
                   encoding="utf-8")
    result = runner.invoke(main, ["network", "load", str(bad), "--database", store_url])
    assert result.exit_code == 0, result.output
    with Store.open(store_url) as store:
        data = load_landscape(store)
    tie = next(p for p in data.partnerships if p.key == "new-tie")
    assert tie.members == ("wrexham-university", "wrexham-county-borough-council")
    assert any(p.key == "wmredi" for p in data.partnerships)  # the shipped dataset too
