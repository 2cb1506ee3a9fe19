"""The Examples sections of the landscape modules run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["survey.landscape.names", "survey.landscape.registry", "survey.landscape.resolver",
           "survey.landscape.dataset", "survey.store.landscape"]


@pytest.mark.parametrize("name", MODULES)
def test_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
