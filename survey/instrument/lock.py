"""Published instrument versions and their content hashes: ``instruments/instruments.lock``.

Publishing a version (``landscape instrument publish ID@VERSION``) records the
SHA-256 of its parsed content (:func:`survey.instrument.model.canonical_hash`,
which leaves out ``status``) with the date. From then on the version is
immutable: :func:`check_lock` reports a published file whose content no longer
matches its entry (``I301``), and a file that says ``status: published`` but was
never published (``I302``).

The lock file is YAML, one entry per version, sorted::

    local_government@1.0.0:
      hash: sha256:3f1c...
      published: '2025-03-01'

It is written only by :func:`publish`, atomically (a temporary file, then
``os.replace``), so a failed write never leaves a half-written lock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypedDict

import yaml

from survey.errors import Issue, LandscapeError, Location, Severity, issue
from survey.files import atomic_write_text
from survey.instrument.diff import _top_level_line
from survey.instrument.model import CODE_PATTERN, InstrumentVersion, Version
from survey.instrument.registry import Catalogue
from survey.instrument.yamlsource import LineDict, parse_yaml

__all__ = ["LOCK_FILE", "LockEntry", "check_lock", "lock_path", "publish", "read_lock"]

#: The lock file's name inside the instruments directory.
LOCK_FILE = "instruments.lock"

_HEADER = """\
# Content hashes of published instrument versions (see instruments/FORMAT.md, "Versions").
# Written by `landscape instrument publish ID@VERSION`: do not edit by hand.
# A published file whose content no longer matches its hash here is refused (I301);
# publish the change as a new version instead.
"""


class LockEntry(TypedDict):
    """One published version: its content hash and the date it was published."""

    hash: str
    published: str


def _root(where: Path | Catalogue) -> Path:
    return where.root if isinstance(where, Catalogue) else Path(where)


def lock_path(root: Path | Catalogue) -> Path:
    """Where the lock file of an instruments directory lives.

    Examples
    --------
    >>> lock_path(Path("instruments")).as_posix()
    'instruments/instruments.lock'
    """
    return _root(root) / LOCK_FILE


def _read_lock_lines(root: Path | Catalogue) -> tuple[dict[str, LockEntry], dict[str, int]]:
    """The lock's entries and the line of each, for messages."""
    path = lock_path(root)
    if not path.exists():
        return {}, {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LandscapeError.of("I307", f"cannot read the lock file: {exc}",
                                Location(file=str(path))) from None
    data = parse_yaml(text, str(path))
    if data is None:
        return {}, {}
    if not isinstance(data, LineDict):
        raise LandscapeError.of("I307", "the lock file must map ID@VERSION to {hash, published}",
                                Location(file=str(path), line=1))
    entries: dict[str, LockEntry] = {}
    lines: dict[str, int] = {}
    problems: list[Issue] = []
    for ref, value in data.items():
        line = data.line_of(ref)
        name, _, ver = ref.partition("@")
        try:
            Version.parse(ver)
            if not CODE_PATTERN.match(name):
                raise ValueError(name)
        except ValueError:
            problems.append(issue("I307", f"'{ref}' is not ID@MAJOR.MINOR.PATCH",
                                  Location(file=str(path), line=line)))
            continue
        if (not isinstance(value, dict) or not isinstance(value.get("hash"), str)
                or not str(value["hash"]).startswith("sha256:") or "published" not in value):
            problems.append(issue("I307", f"entry '{ref}' must have 'hash: sha256:...' and "
                                  "'published: YYYY-MM-DD'", Location(file=str(path), line=line)))
            continue
        # A hand-edited unquoted date reads as a date object; keep the ISO text.
        published = value["published"]
        entries[ref] = LockEntry(hash=value["hash"], published=str(published))
        lines[ref] = line
    if problems:
        raise LandscapeError(problems)
    return entries, lines


def read_lock(root: Path | Catalogue) -> dict[str, LockEntry]:
    """The published versions recorded in ``<root>/instruments.lock`` (empty if none).

    Raises ``I307`` (with file:line) when the lock file is malformed.

    Examples
    --------
    >>> import tempfile
    >>> read_lock(Path(tempfile.mkdtemp()))
    {}
    """
    return _read_lock_lines(root)[0]


def _sort_key(ref: str) -> tuple[str, Version]:
    name, _, ver = ref.partition("@")
    return name, Version.parse(ver)


def _write_lock(root: Path, entries: dict[str, LockEntry]) -> None:
    """Write the whole lock atomically: a temporary file in the same directory, then replace."""
    body = {ref: {"hash": entries[ref]["hash"], "published": entries[ref]["published"]}
            for ref in sorted(entries, key=_sort_key)}
    text = _HEADER + yaml.safe_dump(body, sort_keys=False, default_flow_style=False,
                                    allow_unicode=True)
    atomic_write_text(lock_path(root), text)


def _where(iv: InstrumentVersion, key: str = "status") -> Location:
    return Location(file=iv.source_file, line=_top_level_line(iv.source_file, key))


def _validation_errors(catalogue: Catalogue, iv: InstrumentVersion) -> list[Issue]:
    """Every error that should stop ``iv`` being published.

    That is all of ``validate`` (structure, logic, translations, the version
    number against the version before: ``I303``) except ``I302``, "published
    but not locked", which publishing is about to fix.
    """
    # Imported here: validate runs this module's check_lock, so a module-level
    # import would make the two modules depend on each other at import time.
    from survey.instrument.validate import validate_targets

    errors: list[Issue] = []
    for found in validate_targets(catalogue, [iv.ref]).values():
        errors.extend(p for p in found if p.severity is Severity.ERROR and p.code != "I302")
    return errors


def publish(catalogue: Catalogue, ref: str, *, today: date | None = None) -> str:
    """Record the content hash of a published version in the lock file.

    The file must say ``status: published`` (``I306`` otherwise) and pass
    validation, including its version number against the version before it
    (``I303``). Publishing again with the same content changes nothing;
    publishing a version already locked with different content is refused
    (``I305``). Returns a one-line description of what was recorded.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "demo").mkdir()
    >>> _ = (root / "demo/1.0.0.yaml").write_text(
    ...     "instrument: demo\\nversion: 1.0.0\\nstatus: published\\ntitle: Demo\\n"
    ...     "questions:\\n  - {code: name, type: free_text, label: Your name}\\n")
    >>> publish(Catalogue(root), "demo@1.0.0", today=date(2025, 3, 1))[:7]
    'sha256:'
    >>> read_lock(root)["demo@1.0.0"]["published"]
    '2025-03-01'
    """
    iv = catalogue.load(ref)
    if not iv.is_published:
        raise LandscapeError.of(
            "I306",
            f"{iv.ref} is a draft (status: {iv.status}); when its content is final, set "
            f"'status: published' in {iv.source_file} and publish again",
            _where(iv),
        )
    entries, lines = _read_lock_lines(catalogue)
    existing = entries.get(iv.ref)
    if existing is not None:
        if existing["hash"] == iv.content_hash:
            return (f"{iv.content_hash} (already published on {existing['published']}; "
                    "nothing changed)")
        raise LandscapeError.of(
            "I305",
            f"{iv.ref} was published on {existing['published']} with hash {existing['hash']} "
            f"({LOCK_FILE}:{lines[iv.ref]}), but {iv.source_file} now "
            f"hashes to {iv.content_hash}. Restore the file and publish the change as a new "
            "version",
            _where(iv, "version"),
        )
    errors = _validation_errors(catalogue, iv)
    if errors:
        raise LandscapeError(errors)
    when = (today or datetime.now(UTC).date()).isoformat()
    entries[iv.ref] = LockEntry(hash=iv.content_hash, published=when)
    _write_lock(catalogue.root, entries)
    return f"{iv.content_hash} recorded in {lock_path(catalogue)} ({when})"


def check_lock(catalogue: Catalogue, iv: InstrumentVersion) -> list[Issue]:
    """Check ``iv`` against the lock: ``I301`` if a published version was edited, ``I302``
    if a file says ``status: published`` but was never published.

    A draft that is not in the lock is fine. A malformed lock file gives its
    ``I307`` issues instead.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "demo").mkdir()
    >>> _ = (root / "demo/1.0.0.yaml").write_text(
    ...     "instrument: demo\\nversion: 1.0.0\\nstatus: published\\ntitle: Demo\\n"
    ...     "questions:\\n  - {code: name, type: free_text, label: Your name}\\n")
    >>> cat = Catalogue(root)
    >>> [i.code for i in check_lock(cat, cat.load("demo@1.0.0"))]
    ['I302']
    """
    try:
        entries, lines = _read_lock_lines(catalogue)
    except LandscapeError as exc:
        return list(exc.issues)
    entry = entries.get(iv.ref)
    if entry is None:
        if not iv.is_published:
            return []
        return [issue(
            "I302",
            f"the file says status: published, but {iv.ref} is not in {LOCK_FILE}; "
            f"run 'landscape instrument publish {iv.ref}' "
            "(or set status: draft while it is still changing)",
            _where(iv),
        )]
    lock_where = f"{LOCK_FILE}:{lines[iv.ref]}"
    if entry["hash"] != iv.content_hash:
        return [issue(
            "I301",
            f"{iv.source_file} was edited after {iv.ref} was published on "
            f"{entry['published']} (its content hash {iv.content_hash} differs from "
            f"{entry['hash']} in {lock_where}). Restore the published content and put the "
            f"change in a new version: copy the file to instruments/{iv.instrument}/"
            "<new version>.yaml with status: draft, edit that, then publish it",
            _where(iv),
        )]
    if not iv.is_published:
        return [issue(
            "I301",
            f"{iv.source_file} says status: {iv.status}, but {iv.ref} was published on "
            f"{entry['published']} ({lock_where}); a published version cannot go back to "
            "draft. Set status: published again and put changes in a new version",
            _where(iv),
        )]
    return []
