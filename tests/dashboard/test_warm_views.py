"""The default views computed ahead of the first visitor are what the page then uses."""

from __future__ import annotations

import doctest
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from dashboard import network_views, page_views
from dashboard.network_views import network_state
from dashboard.page_views import keep_views_warm, priorities_layouts, warm_views
from survey.export import release
from survey.export.disclosure import DisclosurePolicy
from survey.reproduce.demo import load_demo
from survey.store import Store, reading
from survey.store.analysis import data_labels
from survey.store.landscape import load_landscape
from survey.store.revision import data_revision


@pytest.fixture
def demo_url(tmp_path: Path) -> str:
    """A demo store of this test's own, with no release kept from other tests."""
    url = f"sqlite:///{tmp_path}/demo.db"
    load_demo(url)
    release._RELEASES.clear()
    return url


def test_after_warming_neither_view_reads_rankings_or_attacks_the_release(
        demo_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store.open(demo_url) as store:
        warm_views(store)
        work = _work_for_both_views(store, monkeypatch)
        assert work == []
        # The Network page's default views too, public and with survey ties.
        monkeypatch.setattr(network_views, "load_landscape",
                            lambda s: work.append("landscape") or load_landscape(s))
        for survey_ties in (False, True):
            network_state(store, data_labels(store), survey_ties=survey_ties)
        assert work == []


def test_after_new_data_the_views_are_computed_again_before_a_visitor_asks(
        demo_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    url = demo_url
    with Store.open(url) as store:
        warmed_at: list[object] = []
        real_warm = page_views.warm_views

        def recorded(s: Store) -> None:
            real_warm(s)
            warmed_at.append(data_revision(s))

        monkeypatch.setattr(page_views, "warm_views", recorded)
        stop = threading.Event()
        warmer = threading.Thread(target=keep_views_warm, args=(store, 0.05, stop))
        warmer.start()
        try:
            _until(lambda: warmed_at)
            # A response arrives: one region changed by another engine, as an import would.
            engine = create_engine(url)
            with engine.begin() as conn:
                conn.execute(text("UPDATE respondents SET region = 'wales', nation = 'wales' "
                                  "WHERE id = (SELECT min(id) FROM respondents)"))
            engine.dispose()
            changed = data_revision(store)
            _until(lambda: changed in warmed_at)
            assert _work_for_both_views(store, monkeypatch) == []
            assert warmed_at.count(changed) == 1  # not again while the data stays so
        finally:
            stop.set()
            warmer.join(30)
        assert not warmer.is_alive()


def test_a_failed_warming_is_logged_and_tried_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    url = f"sqlite:///{tmp_path}/empty.db"
    Store.open(url, check=False, create=True).upgrade()
    calls: list[int] = []

    def flaky(store: Store) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk busy")

    monkeypatch.setattr(page_views, "warm_views", flaky)
    stop = threading.Event()
    with Store.open(url) as store:
        warmer = threading.Thread(target=keep_views_warm, args=(store, 0.01, stop))
        warmer.start()
        _until(lambda: len(calls) >= 2)
        stop.set()
        warmer.join(10)
    assert "computing the default views failed" in caplog.text
    assert "disk busy" in caplog.text  # the traceback is logged for the operator


def _work_for_both_views(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Show Priorities internal and public; what had to be read or attacked for them
    (the list goes on recording afterwards)."""
    work: list[str] = []
    read, attack = reading._read_frame, release._public_release
    monkeypatch.setattr(reading, "_read_frame", lambda *a: work.append("read") or read(*a))
    monkeypatch.setattr(release, "_public_release",
                        lambda *a: work.append("attack") or attack(*a))
    priorities_layouts(store)
    priorities_layouts(store, policy=DisclosurePolicy(public=True))
    return work


def _until(ready: Callable[[], object], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        assert time.monotonic() < deadline, "the warming thread did not get there"
        time.sleep(0.02)


def test_the_page_views_examples_run() -> None:
    result = doctest.testmod(page_views, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
