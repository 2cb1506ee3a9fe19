"""The Examples sections of the store's public functions run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["survey.settings", "survey.store.engine", "survey.store.instruments",
           "survey.store.validation", "survey.store.writing", "survey.store.reading",
           "survey.store.frame", "survey.store.invitations", "survey.store.monitor",
           "survey.store.export", "survey.store.imports", "survey.dialects",
           "survey.store.import_mapping", "survey.store.export_stats", "survey.store.bulk",
           "survey.store.revision"]


@pytest.mark.parametrize("name", MODULES)
def test_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
