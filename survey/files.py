"""Writing output files so that a failure never leaves one half-written.

Every export, mail-merge list, lock file and form goes through
:func:`atomic_write`: the content is written to a temporary file beside the
target and moved into place (``os.replace``) only once complete.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from survey.errors import LandscapeError, Location

__all__ = ["atomic_write", "atomic_write_text"]

# Read once at import: os.umask can only be read by setting it, which is not thread-safe.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def atomic_write(path: Path | str, write: Callable[[Path], object]) -> Path:
    """Call ``write(temporary_path)`` and move the result to ``path``.

    Parameters
    ----------
    path
        The file to create or replace.
    write
        Writes the whole content to the path it is given.

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
    # mkstemp makes the file private (0600); give it the permissions a plain open() would.
    os.chmod(temporary, 0o666 & ~_UMASK)
    try:
        write(temporary)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise LandscapeError.of("X101", f"cannot write {path}: {exc.strerror}", where) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: Path | str, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda p: p.write_text(text, encoding=encoding, newline=""))
