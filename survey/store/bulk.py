"""Reading many rows at once: no garbage collection while they are built.

A bulk read builds 100,000 row tuples (or landscape records) that all stay alive.
Python's cyclic collector cannot know they are not garbage, so each time enough new
objects accumulate it scans them, and every older object in the process, again: in a
server holding the explorer that was a third of reading the rankings and of reading a
national landscape. Reference counting still frees everything as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["bulk_read"]


@contextmanager
def bulk_read() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block; it resumes after (if it was on).

    Examples
    --------
    >>> with bulk_read():
    ...     rows = [(i, str(i)) for i in range(100_000)]
    >>> gc.isenabled()
    True
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
