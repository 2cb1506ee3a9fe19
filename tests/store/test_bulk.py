"""The collector pause of bulk reads ends with the read, whatever happens in it."""

from __future__ import annotations

import gc

import pytest

from survey.store.bulk import bulk_read


def test_the_collector_is_paused_inside_and_on_again_after_an_error() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), bulk_read():
        assert not gc.isenabled()
        raise RuntimeError("the database went away")
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_caller_stays_off() -> None:
    gc.disable()
    try:
        with bulk_read():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
