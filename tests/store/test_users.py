"""Explorer logins and the audit log in the store (issue 11, Access), on both databases."""

from __future__ import annotations

import doctest
import time

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

import survey.store.users
from survey.errors import LandscapeError
from survey.store import Store
from survey.store.models import User
from survey.store.users import (
    add_user,
    admin_count,
    audit_entries,
    check_login,
    find_user,
    list_users,
    record_audit,
    remove_user,
    set_password,
)

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(survey.store.users, "_HASHER",
                        PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def test_examples() -> None:
    result = doctest.testmod(survey.store.users)
    assert result.attempted > 0 and result.failed == 0


def _codes(exc: pytest.ExceptionInfo[LandscapeError]) -> list[str]:
    return [i.code for i in exc.value.issues]


def test_a_user_is_stored_with_an_argon2_hash_never_the_password(store: Store) -> None:
    user = add_user(store, "ada", "analyst", PASSWORD, by="cli:test")
    assert (user.name, user.role) == ("ada", "analyst")
    with store.session() as session:
        stored = session.scalar(select(User.password_hash).where(User.name == "ada"))
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored
    assert PasswordHasher().verify(stored, PASSWORD)  # an independent check of the hash
    assert check_login(store, "ada", PASSWORD) == user
    assert check_login(store, "ada", PASSWORD + "x") is None
    assert check_login(store, "nobody", PASSWORD) is None
    assert check_login(store, "<script>", PASSWORD) is None


@pytest.mark.parametrize(("name", "role", "password", "code"), [
    ("", "viewer", PASSWORD, "U101"),
    ("has space", "viewer", PASSWORD, "U101"),
    ("x" * 65, "viewer", PASSWORD, "U101"),
    ("ada", "boss", PASSWORD, "U104"),
    ("ada", "viewer", "tiny pw", "U105"),
])
def test_bad_users_are_coded_errors(store: Store, name: str, role: str, password: str,
                                    code: str) -> None:
    with pytest.raises(LandscapeError) as exc:
        add_user(store, name, role, password, by="cli:test")
    assert _codes(exc) == [code]
    assert password not in str(exc.value) or password == PASSWORD
    assert list_users(store) == []


def test_names_are_unique_and_the_last_admin_stays(store: Store) -> None:
    add_user(store, "ada", "admin", PASSWORD, by="cli:test")
    with pytest.raises(LandscapeError) as exc:
        add_user(store, "ada", "viewer", PASSWORD, by="cli:test")
    assert _codes(exc) == ["U103"]
    with pytest.raises(LandscapeError) as exc:
        remove_user(store, "ada", by="cli:test")
    assert _codes(exc) == ["U106"]
    add_user(store, "bob", "admin", PASSWORD, by="cli:test")
    assert admin_count(store) == 2
    remove_user(store, "ada", by="cli:test")
    assert [u.name for u in list_users(store)] == ["bob"] and find_user(store, "ada") is None
    with pytest.raises(LandscapeError) as exc:
        remove_user(store, "ada", by="cli:test")
    assert _codes(exc) == ["U102"]


def test_a_new_password_changes_the_session_key(store: Store) -> None:
    before = add_user(store, "ada", "viewer", PASSWORD, by="cli:test")
    set_password(store, "ada", "another long password", by="cli:test")
    after = find_user(store, "ada")
    assert after is not None and after.session_key != before.session_key
    assert check_login(store, "ada", PASSWORD) is None
    assert check_login(store, "ada", "another long password") is not None
    with pytest.raises(LandscapeError) as exc:
        set_password(store, "nobody", "another long password", by="cli:test")
    assert _codes(exc) == ["U102"]


def test_the_audit_log_records_who_did_what_and_when(store: Store) -> None:
    started = time.time()
    add_user(store, "ada", "admin", PASSWORD, by="cli:root")
    record_audit(store, "ada", "export", "priorities-internal.csv")
    set_password(store, "ada", "another long password", by="cli:root")
    entries = audit_entries(store)
    assert [(e.who, e.action, e.what) for e in entries] == [
        ("cli:root", "user add", "ada (admin)"), ("ada", "export", "priorities-internal.csv"),
        ("cli:root", "user passwd", "ada")]
    assert all(started - 1 <= e.at.timestamp() <= time.time() + 1 for e in entries)
    assert [e.action for e in audit_entries(store, limit=1)] == ["user passwd"]
    assert not any(PASSWORD in e.what or "another long" in e.what for e in entries)


def test_an_unknown_name_is_checked_against_a_hash_too(store: Store,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Whether a name exists must not show in how long a failed login takes."""
    verified: list[str] = []
    hasher = survey.store.users._HASHER

    class Spy:
        def verify(self, hashed: str, password: str) -> bool:
            verified.append(hashed)
            return hasher.verify(hashed, password)

    monkeypatch.setattr(survey.store.users, "_HASHER", Spy())
    assert check_login(store, "nobody", PASSWORD) is None
    assert verified == [survey.store.users._DUMMY_HASH]
