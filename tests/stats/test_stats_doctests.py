"""The examples in survey.stats' docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("name", ["survey.stats.smalln", "survey.stats.nonresponse",
                                  "survey.stats.weighting", "survey.coding.agreement",
                                  "survey.store.weights", "survey.store.monitor"])
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
