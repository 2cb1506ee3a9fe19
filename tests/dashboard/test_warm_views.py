"""The default views computed ahead of the first visitor are what the page then uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.page_views import priorities_layouts, warm_views
from survey.export import release
from survey.export.disclosure import DisclosurePolicy
from survey.reproduce.demo import load_demo
from survey.store import Store, reading


def test_after_warming_neither_view_reads_rankings_or_attacks_the_release(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path}/demo.db"
    load_demo(url)
    release._RELEASES.clear()
    with Store.open(url) as store:
        warm_views(store)
        work: list[str] = []
        read, attack = reading._read_frame, release._public_release
        monkeypatch.setattr(reading, "_read_frame",
                            lambda *a: work.append("read") or read(*a))
        monkeypatch.setattr(release, "_public_release",
                            lambda *a: work.append("attack") or attack(*a))
        priorities_layouts(store)
        priorities_layouts(store, policy=DisclosurePolicy(public=True))
        assert work == []
