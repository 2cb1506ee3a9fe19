"""The Overview and Fieldwork reports: their tables under each policy, their chart."""

from __future__ import annotations

import doctest
import importlib

import pytest

from survey.export.disclosure import DisclosurePolicy
from survey.export.fieldwork import FIELDWORK, fieldwork_tables
from survey.export.overview import OVERVIEW, overview_tables
from survey.export.report_catalogue import REPORTS
from survey.reproduce.demo import load_demo
from survey.store import Store
from survey.store.monitor import monitor_report


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Store:
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'demo.db'}"
    load_demo(url)
    with Store.open(url) as store:
        yield store


@pytest.mark.parametrize("module", ["overview", "fieldwork"])
def test_doctests(module: str) -> None:
    result = doctest.testmod(importlib.import_module(f"survey.export.{module}"),
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_both_are_in_the_catalogue_with_their_pages() -> None:
    assert REPORTS["overview"] is OVERVIEW and OVERVIEW.page == "/"
    assert REPORTS["fieldwork"] is FIELDWORK and FIELDWORK.page == "/fieldwork"
    assert OVERVIEW.figure is None and OVERVIEW.groupings == ()
    assert "region" in FIELDWORK.groupings


def test_overview_states_the_policy_and_the_reconstruction(demo: Store) -> None:
    [public] = overview_tables(demo, policy=DisclosurePolicy(public=True), reconstructed=True)
    [internal] = overview_tables(demo)
    assert public.notes[0].startswith("Demo data: reconstructed")
    assert public.notes[-1] == DisclosurePolicy(public=True).statement()
    assert internal.notes[-1] == DisclosurePolicy().statement()
    assert any(None in row for row in public.rows)
    assert not any(None in row for row in internal.rows)
    assert public.rows[-1][-1] == internal.rows[-1][-1] == 52


def test_public_fieldwork_withholds_small_groups_and_a_partner(demo: Store) -> None:
    policy = DisclosurePolicy(public=True, min_n=5)
    report = monitor_report(demo)
    _, rates = fieldwork_tables(demo, by="region", policy=policy)
    groups = {g.group: g for g in report.by["region"]}
    withheld = [row for row in rates.rows if row[4] is None]
    shown = [row for row in rates.rows if row[4] is not None]
    # Independent of the rule's code: a completed count of 1 to 4, or a non-response of
    # 1 to 4, is never shown; each withheld row hides all but its frame.
    for row in shown:
        assert row[4] == 0 or row[4] >= 5
        assert row[5] == 0 or row[5] >= 5
    assert all(row[2:] == (None,) * 5 for row in withheld)
    # The funnel's completed total is published: one withheld row alone would follow
    # from it, so there are none or at least two.
    assert len(withheld) != 1
    assert [row[1] for row in rates.rows] == [g.frame for g in report.by["region"]]
    assert withheld and groups


def test_fieldwork_chart_is_the_funnel(demo: Store) -> None:
    figure = FIELDWORK.figure(demo, policy=DisclosurePolicy())
    assert list(figure.data[0].y) == ["Sampling frame", "Invited", "Started", "Completed"]
    assert list(figure.data[0].x) == [256, 256, 35, 35]
