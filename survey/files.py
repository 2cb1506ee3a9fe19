"""Writing output files so that a failure never leaves one half-written.

Every export, mail-merge list, lock file and form goes through
:func:`atomic_write`: the content is written to a temporary file beside the
target and moved into place (``os.replace``) only once complete. When the file
must appear only if a database transaction commits (a mail-merge of live links,
the rejects of an import), :func:`staged_file` splits the two steps: write the
temporary file, commit, and only then move it into place.

Every CSV or XLSX cell that holds text passes through :func:`defuse_cell`
(formula injection, OWASP "CSV injection"; control characters that a
spreadsheet cannot hold, see :mod:`survey.text`).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

from survey.errors import LandscapeError, Location
from survey.text import printable

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["atomic_write", "atomic_write_text", "defuse_cell", "defuse_frame", "staged_file"]

# Read once at import: os.umask can only be read by setting it, which is not thread-safe.
_UMASK = os.umask(0o022)
os.umask(_UMASK)

_T = TypeVar("_T")

#: A spreadsheet reads a cell starting with one of these as a formula (or, for tab
#: and carriage return, strips them and then may).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: A plain decimal number ("-3", "+1.5", "-2e3"): a spreadsheet reads it as that
#: number, never as a formula, so it is left as it is.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


@overload
def defuse_cell(value: str) -> str: ...
@overload
def defuse_cell(value: _T) -> _T: ...
def defuse_cell(value: Any) -> Any:
    """``value`` as a spreadsheet cell that cannot run as a formula.

    Text starting with ``= + - @``, a tab or a carriage return gets a leading
    ``'`` (the OWASP advice for CSV injection: spreadsheets show the text instead
    of evaluating it). Only ``str`` values are touched, and never text that is a
    plain decimal number such as a rank or count written as text (``"-3"``,
    ``"+1.5"``): a spreadsheet reads that as the number, so it is safe, and
    changing it would turn a numeric column into text. Numbers, ``None``, dates
    and other values are returned unchanged. Control characters other than tab
    and line breaks (refused at every boundary, but perhaps stored earlier) are
    written as U+FFFD (:func:`survey.text.printable`): XLSX cannot hold them.

    Parameters
    ----------
    value
        One cell.

    Returns
    -------
    Any
        ``value``, or ``"'" + value`` for text that would start a formula.

    Examples
    --------
    >>> print(defuse_cell('=HYPERLINK("http://evil")'))
    '=HYPERLINK("http://evil")
    >>> defuse_cell("=1+1@ex.org"), defuse_cell("@SUM(A1)"), defuse_cell("-2+3")
    ("'=1+1@ex.org", "'@SUM(A1)", "'-2+3")
    >>> defuse_cell("-3"), defuse_cell(-3), defuse_cell("Cardiff"), defuse_cell(None)
    ('-3', -3, 'Cardiff', None)
    """
    if not isinstance(value, str):
        return value
    value = printable(value)
    if value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def defuse_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with :func:`defuse_cell` applied to every cell and column name.

    Examples
    --------
    >>> import pandas as pd
    >>> defuse_frame(pd.DataFrame({"label": ["=1+1", "ok"], "rank": [-3, 2]}))
       label  rank
    0  '=1+1    -3
    1     ok     2
    """
    defused = frame.map(defuse_cell)
    defused.columns = [defuse_cell(c) for c in frame.columns]
    return defused


def atomic_write(path: Path | str, write: Callable[[Path], object],
                 mode: int | None = None) -> Path:
    """Call ``write(temporary_path)`` and move the result to ``path``.

    Parameters
    ----------
    path
        The file to create or replace.
    write
        Writes the whole content to the path it is given.
    mode
        Permission bits (default: as a plain ``open()``); see :func:`staged_file`.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    LandscapeError
        ``X101`` when the directory is missing, ``path`` is a directory, or the
        write fails; the old file (if any) is left untouched and no temporary
        file remains.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     target = Path(tmp) / "table.csv"
    ...     _ = atomic_write(target, lambda p: p.write_text("a,b\\n"))
    ...     target.read_text()
    'a,b\\n'
    """
    with staged_file(path, mode) as temporary:
        write(temporary)
    return Path(path)


@contextmanager
def staged_file(path: Path | str, mode: int | None = None) -> Iterator[Path]:
    """A temporary file beside ``path``, moved into place when the block ends normally.

    For a file that must appear only if something else succeeds, typically a
    database commit: write the temporary file inside the block, commit (still
    inside it), and the file replaces ``path`` only after the commit. If the
    block raises, the temporary file is deleted and ``path`` is untouched. If the
    block deletes the temporary file itself, nothing is moved (the file is not
    wanted after all).

    Parameters
    ----------
    path
        The file to create or replace.
    mode
        Permission bits of the file (default: what a plain ``open()`` gives,
        i.e. ``0o666`` less the umask). ``0o600`` for files holding secrets.

    Yields
    ------
    Path
        The temporary file (already created, empty).

    Raises
    ------
    LandscapeError
        ``X101``, before the block runs, when the directory is missing or
        ``path`` is a directory; and when writing or moving the file fails with
        an ``OSError``. Other exceptions from the block propagate unchanged.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     target = Path(tmp) / "merge.csv"
    ...     with staged_file(target) as temporary:
    ...         _ = temporary.write_text("name,link\\n")
    ...         exists_while_staged = target.exists()   # e.g. commit here
    ...     exists_while_staged, target.read_text()
    (False, 'name,link\\n')
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    where = Location(file=str(path))
    if not directory.is_dir():
        raise LandscapeError.of(
            "X101", f"cannot write {path}: the directory {directory} does not exist", where
        )
    if path.is_dir():
        raise LandscapeError.of("X101", f"cannot write {path}: it is a directory", where)
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise LandscapeError.of("X101", f"cannot write {path}: {exc.strerror}", where) from None
    os.close(handle)
    temporary = Path(name)
    # mkstemp makes the file private (0600); give it the permissions asked for, or
    # those a plain open() would give.
    os.chmod(temporary, (0o666 & ~_UMASK) if mode is None else mode)
    try:
        yield temporary
        if temporary.exists():
            os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise LandscapeError.of("X101", f"cannot write {path}: {exc.strerror}", where) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path | str, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda p: p.write_text(text, encoding=encoding, newline=""))
