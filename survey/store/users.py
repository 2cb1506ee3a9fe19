"""Explorer logins and the audit log: users with roles, argon2 password hashes.

A user has a name, one of :data:`ROLES` and an argon2id hash of their password
(argon2-cffi's :class:`~argon2.PasswordHasher`, RFC 9106 low-memory profile); the
password itself is never stored or logged. :func:`check_login` answers the same way,
and takes about as long, for an unknown name as for a wrong password. The audit log
(:func:`record_audit`, :func:`audit_entries`) records who exported what and when, and
who added, removed or changed a user.

Examples
--------
>>> store = Store.open("sqlite://", check=False); store.upgrade()
>>> add_user(store, "ada", "admin", "correct horse battery", by="cli:test").role
'admin'
>>> check_login(store, "ada", "correct horse battery").name
'ada'
>>> check_login(store, "ada", "wrong password!!") is None
True
>>> [e.action for e in audit_entries(store)]
['user add']
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from survey.errors import LandscapeError
from survey.store.engine import Store
from survey.store.models import AuditEntry, User

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "ROLES",
    "AuditRecord",
    "UserRecord",
    "add_user",
    "admin_count",
    "audit_entries",
    "check_login",
    "find_user",
    "list_users",
    "record_audit",
    "remove_user",
    "set_password",
]

#: The roles, least to most: each sees what the one before it sees, and more.
ROLES: tuple[str, ...] = ("viewer", "analyst", "admin")
#: The shortest password accepted.
MIN_PASSWORD_LENGTH = 12
_MAX_PASSWORD_LENGTH = 1024
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_HASHER = PasswordHasher()
# Verified against when the name is unknown, so the answer takes as long either way.
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A user as the explorer sees them (never the hash itself).

    ``session_key`` changes whenever the password does, so sessions signed in with
    an old password end.
    """

    name: str
    role: str
    created_at: datetime
    session_key: str


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One line of the audit log."""

    at: datetime
    who: str
    action: str
    what: str


def _now() -> datetime:
    return datetime.now(UTC)


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        shown = name[:20] + "…" if isinstance(name, str) and len(name) > 20 else name
        raise LandscapeError.of("U101", f"{shown!r} is not a valid user name")
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise LandscapeError.of("U104", f"{str(role)[:20]!r} is not a role; the roles are "
                                f"{', '.join(ROLES)}")
    return role


def _check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise LandscapeError.of("U105", f"the password is shorter than {MIN_PASSWORD_LENGTH} "
                                "characters")
    if len(password) > _MAX_PASSWORD_LENGTH:
        raise LandscapeError.of("U105", f"the password is longer than {_MAX_PASSWORD_LENGTH} "
                                "characters")
    return password


def _record(row: User) -> UserRecord:
    key = hashlib.sha256(row.password_hash.encode("utf-8")).hexdigest()[:16]
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    return UserRecord(row.name, row.role, created, key)


def _audit(session: Session, who: str, action: str, what: str) -> None:
    session.add(AuditEntry(at=_now(), who=who[:80], action=action[:32], what=what))


def add_user(store: Store, name: str, role: str, password: str, *, by: str) -> UserRecord:
    """Add a user with ``role`` and ``password`` (hashed with argon2); audited as ``by``.

    Raises
    ------
    LandscapeError
        ``U101`` bad name, ``U103`` name taken, ``U104`` unknown role, ``U105`` password
        too short.
    """
    _check_name(name)
    _check_role(role)
    hashed = _HASHER.hash(_check_password(password))
    with store.write() as session:
        if session.scalar(select(User.id).where(User.name == name)) is not None:
            raise LandscapeError.of("U103", f"there is already a user named {name!r}")
        row = User(name=name, role=role, password_hash=hashed, created_at=_now())
        session.add(row)
        _audit(session, by, "user add", f"{name} ({role})")
        session.flush()
        return _record(row)


def set_password(store: Store, name: str, password: str, *, by: str) -> None:
    """Give ``name`` a new password (their open sessions end); audited as ``by``.

    Raises
    ------
    LandscapeError
        ``U102`` unknown user, ``U105`` password too short.
    """
    hashed = _HASHER.hash(_check_password(password))
    with store.write() as session:
        row = session.scalar(select(User).where(User.name == _check_name(name)))
        if row is None:
            raise LandscapeError.of("U102", f"there is no user named {name!r}")
        row.password_hash = hashed
        _audit(session, by, "user passwd", name)


def remove_user(store: Store, name: str, *, by: str) -> None:
    """Remove ``name`` (their open sessions end); the last admin cannot be removed.

    Raises
    ------
    LandscapeError
        ``U102`` unknown user, ``U106`` the last admin.
    """
    with store.write() as session:
        row = session.scalar(select(User).where(User.name == _check_name(name)))
        if row is None:
            raise LandscapeError.of("U102", f"there is no user named {name!r}")
        if row.role == "admin" and session.scalar(
                select(func.count()).select_from(User).where(User.role == "admin")) == 1:
            raise LandscapeError.of("U106", f"{name!r} is the only admin")
        session.execute(delete(User).where(User.id == row.id))
        _audit(session, by, "user remove", f"{name} ({row.role})")


def list_users(store: Store) -> list[UserRecord]:
    """Every user, by name."""
    with store.session() as session:
        return [_record(row) for row in session.scalars(select(User).order_by(User.name))]


def find_user(store: Store, name: str) -> UserRecord | None:
    """The user called ``name``, or None (also for a name that could not be one)."""
    if not isinstance(name, str) or not _NAME.match(name):
        return None
    with store.session() as session:
        row = session.scalar(select(User).where(User.name == name))
        return None if row is None else _record(row)


def admin_count(store: Store) -> int:
    """How many admins there are (production serving needs one)."""
    with store.session() as session:
        return int(session.scalar(
            select(func.count()).select_from(User).where(User.role == "admin")) or 0)


def check_login(store: Store, name: str, password: str) -> UserRecord | None:
    """The user when ``password`` is theirs, else None (unknown names take as long)."""
    row_hash: str | None = None
    record: UserRecord | None = None
    if isinstance(name, str) and _NAME.match(name):
        with store.session() as session:
            row = session.scalar(select(User).where(User.name == name))
            if row is not None:
                row_hash, record = row.password_hash, _record(row)
    if not isinstance(password, str) or len(password) > _MAX_PASSWORD_LENGTH:
        return None
    try:
        _HASHER.verify(row_hash or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return record


def record_audit(store: Store, who: str, action: str, what: str) -> None:
    """Append one line to the audit log (e.g. ``"ada", "export", "priorities-internal.csv"``)."""
    with store.write() as session:
        _audit(session, who, action, what)


def audit_entries(store: Store, limit: int | None = None) -> list[AuditRecord]:
    """The audit log, oldest first (the last ``limit`` lines when given)."""
    with store.session() as session:
        query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        if limit is not None:
            query = query.limit(limit)
        rows = list(session.scalars(query))
    return [AuditRecord(r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC), r.who, r.action,
                        r.what) for r in reversed(rows)]
