"""Recorded instrument versions come back from the store exactly as they were loaded."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

from survey.instrument import InstrumentVersion, parse_instrument_text, yamlsource
from survey.instrument.loader import load_instrument
from survey.store import Store, load_recorded_instrument
from survey.store.instruments import canonical_json, record_instrument

SHIPPED = sorted((Path(__file__).parents[2] / "instruments").glob("*/[0-9]*.yaml"))


def _round_trip(store: Store, iv: InstrumentVersion) -> InstrumentVersion:
    record_instrument(store, iv)
    return load_recorded_instrument(store, iv.instrument, str(iv.version))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_shipped_instrument_comes_back_as_its_snapshot_reads_as_yaml(
        store: Store, path: Path) -> None:
    iv = load_instrument(path)
    back = _round_trip(store, iv)
    # The snapshot read as JSON equals it read as YAML (lines and all, the snapshot being
    # one line), and hashes as the file did.
    as_yaml = parse_instrument_text(canonical_json(iv.data),
                                    f"<store {iv.instrument}@{iv.version}>")
    assert back == as_yaml and back.content_hash == iv.content_hash


def test_a_small_or_huge_number_survives_the_snapshot(store: Store) -> None:
    # The snapshot is JSON, where 0.00001 is 1e-05: read as YAML 1.1 that was text,
    # and the version could not be read back (I104 'min' must be a number).
    iv = parse_instrument_text("""
instrument: numbers
version: 1.0.0
title: Numbers (synthetic test instrument)
questions:
  - {code: share, type: number, label: Share, min: 0.00001, max: 1.0e+20}
""")
    back = _round_trip(store, iv)
    (question,) = back.questions
    assert (question.minimum, question.maximum) == (0.00001, 1e20)
    assert back.content_hash == iv.content_hash


def test_the_yaml_source_examples_run() -> None:
    result = doctest.testmod(yamlsource, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
