"""Migrations never lose data, and the models match the migrated schema."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from survey.store import Store
from survey.store.engine import _script_revisions
from survey.store.landscape import load_landscape
from survey.store.models import Base
from survey.store.revision import data_revision
from survey.store.users import audit_entries, list_users, record_audit

_T = "2024-03-01 10:00:00+00:00"


def _seed_common(store: Store, tag: str, extra_invitation: dict[str, object], *,
                 token_table: bool = False) -> None:
    """``token_table``: the link's hash goes in invitation_tokens (0006 on), not invitations."""
    token_column = [] if token_table else ["token_hash"]
    invitation_columns = ", ".join(["id", "respondent_id", "instrument_version_id",
                                    *token_column, "created_at", *extra_invitation])
    invitation_values = ", ".join([":id", ":rid", ":ivid", *(":hash" for _ in token_column),
                                   ":t", *(f":{k}" for k in extra_invitation)])
    with store.write() as s:
        s.execute(text("INSERT INTO instrument_versions (id, instrument, version, content_hash, "
                       "content, recorded_at) VALUES (:id, 'demo', :v, 'sha256:x', '{}', :t)"),
                  {"id": 10 + len(tag), "v": f"1.0.{len(tag)}", "t": _T})
        s.execute(text("INSERT INTO respondents (id, organisation_type, nation, region, "
                       "created_at) VALUES (:id, 'unitary', 'wales', 'wales', :t)"),
                  {"id": f"r{tag}", "t": _T})
        s.execute(text("INSERT INTO contacts (respondent_id, name, email, organisation, role) "
                       "VALUES (:rid, 'Siân Glyndŵr', :email, 'Cyngor Ynys Môn', NULL)"),
                  {"rid": f"r{tag}", "email": f"{tag}@example.org"})
        s.execute(text(f"INSERT INTO invitations ({invitation_columns}) "
                       f"VALUES ({invitation_values})"),
                  {"id": 20 + len(tag), "rid": f"r{tag}", "ivid": 10 + len(tag),
                   "hash": "h" * 63 + tag[-1], "t": _T, **extra_invitation})
        if token_table:
            s.execute(text("INSERT INTO invitation_tokens (token_hash, invitation_id, "
                           "issued_at) VALUES (:hash, :id, :t)"),
                      {"hash": "h" * 63 + tag[-1], "id": 20 + len(tag), "t": _T})
        s.execute(text("INSERT INTO responses (id, respondent_id, instrument_version_id, "
                       "instrument, version, content_hash, path, state, started_at, "
                       "completed_at, updated_at, source, payload_hash) VALUES (:id, :rid, "
                       ":ivid, 'demo', '1.0.0', 'sha256:x', NULL, 'complete', :t, :t, :t, "
                       "'web', 'p')"),
                  {"id": f"resp{tag}", "rid": f"r{tag}", "ivid": 10 + len(tag), "t": _T})
        s.execute(text("INSERT INTO answers VALUES (:id, 'q', '\"Glyndŵr\"')"),
                  {"id": f"resp{tag}"})
        s.execute(text("INSERT INTO ranking_answers VALUES (:id, 'rank', 'a', 2), "
                       "(:id, 'rank', 'b', 1)"), {"id": f"resp{tag}"})


def _seed_0003(store: Store, *, token_table: bool = False) -> None:
    _seed_common(store, "c333", {"reminder_count": 1}, token_table=token_table)
    with store.write() as s:
        s.execute(text("INSERT INTO codings (response_id, question_code, theme, applied, "
                       "source, coder, coded_at, note, codebook) VALUES ('respc333', "
                       "'challenges', 'staff_turnover', :yes, 'manual', 'Siân', :t, "
                       "'pobl yn symud', NULL)"), {"yes": True, "t": _T})


def _seed_0004(store: Store, *, token_table: bool = False) -> None:
    _seed_0003(store, token_table=token_table)
    with store.write() as s:
        # An explicitly opened version alongside the invited one seeded above.
        s.execute(text("INSERT INTO instrument_versions (id, instrument, version, content_hash, "
                       "content, recorded_at, open_link) VALUES (99, 'researcher', '1.0.0', "
                       "'sha256:y', '{}', :t, :yes)"), {"t": _T, "yes": True})


def _seed_0005(store: Store, *, token_table: bool = False) -> None:
    _seed_0004(store, token_table=token_table)
    with store.write() as s:
        s.execute(text("INSERT INTO landscape_organisations (key, name, type, nation, region, "
                       "place_type, identifiers, resolved, note) VALUES ('wrexham-university', "
                       "'Wrexham University', 'university', 'wales', 'wales', NULL, '{}', "
                       ":yes, 'Glyndŵr until 2023')"), {"yes": True})
        s.execute(text("INSERT INTO landscape_aliases (organisation_key, text, normalised, kind, "
                       "reference, detail) VALUES ('wrexham-university', 'Prifysgol Glyndŵr "
                       "Wrecsam', 'glyndwr wrexham university', 'report', 'report 2.7', '')"))


def _seed_0006(store: Store) -> None:
    _seed_0005(store, token_table=True)
    with store.write() as s:
        # 0006 moved token hashes into invitation_tokens: a reminder's second link.
        s.execute(text("INSERT INTO invitation_tokens (token_hash, invitation_id, issued_at) "
                       "VALUES (:hash, 24, :t)"), {"hash": "r" * 64, "t": _T})


# Per revision: seed rows using only what that revision's schema has.
SEEDS: dict[str, Callable[[Store], None]] = {
    "0001": lambda store: _seed_common(store, "a1", {}),
    "0002": lambda store: _seed_common(store, "b22", {"reminder_count": 1}),
    "0003": _seed_0003,
    "0004": _seed_0004,
    "0005": _seed_0005,
    "0006": _seed_0006,
    "0007": _seed_0006,
    "0008": _seed_0006,
    "0009": _seed_0006,
}
_TAGS = {"0001": "a1", "0002": "b22", "0003": "c333", "0004": "c333", "0005": "c333",
         "0006": "c333", "0007": "c333", "0008": "c333",
         "0009": "c333"}


def test_every_revision_has_a_seed() -> None:
    _, known = _script_revisions()
    assert set(known) == set(SEEDS)


@pytest.mark.parametrize("revision", sorted(SEEDS))
def test_rows_seeded_at_each_revision_survive_upgrade_to_head(
    revision: str, fresh_url: Callable[[], str]
) -> None:
    url = fresh_url()
    with Store.open(url, check=False, create=True) as store:
        store.upgrade(revision)
        assert store.status().current == revision
        SEEDS[revision](store)
        store.upgrade()
        store.check()
        tag = _TAGS[revision]
        with store.session() as s:
            assert s.execute(text("SELECT name, organisation FROM contacts")).one() == (
                "Siân Glyndŵr", "Cyngor Ynys Môn")
            assert s.execute(text("SELECT nation FROM respondents")).scalar_one() == "wales"
            count, reminded = s.execute(
                text("SELECT reminder_count, last_reminded_at FROM invitations")).one()
            assert count == (0 if revision == "0001" else 1) and reminded is None
            assert s.execute(text("SELECT id, state FROM responses")).one() == (
                f"resp{tag}", "complete")
            assert s.execute(text("SELECT value FROM answers")).scalar_one() == '"Glyndŵr"'
            ranks = s.execute(text("SELECT option_code, rank FROM ranking_answers "
                                   "ORDER BY option_code")).all()
            assert [tuple(r) for r in ranks] == [("a", 2), ("b", 1)]
        indexes = {ix["name"] for ix in inspect(store.engine).get_indexes("ranking_answers")}
        assert "ix_ranking_answers_question_code_response_id" in indexes
        # 0003 added the codings table: rows seeded before it are still codable after it.
        with store.write() as s:
            if revision < "0003":
                s.execute(text("INSERT INTO codings (response_id, question_code, theme, "
                               "applied, source, coder, coded_at) VALUES (:id, 'challenges', "
                               "'staff_turnover', :yes, 'manual', 'Siân', :t)"),
                          {"id": f"resp{tag}", "yes": True, "t": _T})
        with store.session() as s:
            coding = s.execute(text("SELECT response_id, theme, applied, coder FROM codings")
                               ).one()
            assert (coding[0], coding[1], bool(coding[2]), coding[3]) == (
                f"resp{tag}", "staff_turnover", True, "Siân")
        # 0004 added the open-link flag: versions recorded before it start closed.
        with store.session() as s:
            flags = {(i, v): bool(flag) for i, v, flag in s.execute(
                text("SELECT instrument, version, open_link FROM instrument_versions"))}
        assert flags[("demo", f"1.0.{len(tag)}")] is False
        assert flags.get(("researcher", "1.0.0"), False) is (revision >= "0004")
        # 0005 added the landscape: its rows are readable through the store API after it.
        if revision >= "0005":
            (org,) = load_landscape(store).organisations
            assert (org.key, org.note, org.aliases[0].text) == (
                "wrexham-university", "Glyndŵr until 2023", "Prifysgol Glyndŵr Wrecsam")
        # 0006 moved the invitation's token hash into invitation_tokens: the link seeded
        # before still opens its invitation (and a reminder's link seeded after it too).
        with store.session() as s:
            tokens = sorted(tuple(r) for r in s.execute(text(
                "SELECT t.token_hash, i.respondent_id FROM invitation_tokens t "
                "JOIN invitations i ON i.id = t.invitation_id")))
        seeded = [("h" * 63 + tag[-1], f"r{tag}")]
        if revision >= "0006":
            seeded.append(("r" * 64, f"r{tag}"))
        assert tokens == sorted(seeded)
        # 0008 added logins and the audit log: empty after an upgrade, usable at once.
        assert list_users(store) == [] and audit_entries(store) == []
        record_audit(store, "cli:test", "export", "seeded.csv")
        assert [e.what for e in audit_entries(store)] == ["seeded.csv"]
        # 0009 added the data revision: rows seeded before it are counted from then on.
        before = data_revision(store)
        assert before is not None
        with store.write() as s:
            s.execute(text("UPDATE respondents SET nation = 'scotland'"))
        assert data_revision(store) != before


def test_models_match_migrated_schema(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_downgrade_then_upgrade_round_trips(fresh_url: Callable[[], str]) -> None:
    url = fresh_url()
    with Store.open(url, check=False, create=True) as store:
        store.upgrade()
        from alembic import command

        from survey.store.engine import _alembic_config

        with store.write_engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "base")
        assert store.status().current is None
        store.upgrade()
        store.check()


def test_downgrade_from_0006_keeps_the_latest_link(fresh_url: Callable[[], str]) -> None:
    url = fresh_url()
    with Store.open(url, check=False, create=True) as store:
        store.upgrade("0006")
        _seed_0006(store)
        with store.write() as s:  # the reminder's link is the later one
            s.execute(text("UPDATE invitation_tokens SET issued_at = :t WHERE token_hash = :h"),
                      {"t": "2024-03-08 10:00:00+00:00", "h": "r" * 64})
        from alembic import command

        from survey.store.engine import _alembic_config

        with store.write_engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "0005")
        with store.session() as s:
            assert s.execute(text("SELECT token_hash FROM invitations")).scalar_one() == "r" * 64
        store.upgrade()
        with store.session() as s:
            assert s.execute(text("SELECT token_hash FROM invitation_tokens")).scalar_one() == (
                "r" * 64)


def test_0007_puts_framed_people_in_the_frame_and_import_made_ones_outside(
    fresh_url: Callable[[], str]
) -> None:
    url = fresh_url()
    with Store.open(url, check=False, create=True) as store:
        store.upgrade("0006")
        _seed_0006(store)  # rc333: a contact, an invitation and a web response
        with store.write() as s:
            for rid, source in (("rimport", "import"), ("rweb", "web")):
                s.execute(text("INSERT INTO respondents (id, organisation_type, nation, "
                               "region, created_at) VALUES (:id, 'unitary', 'wales', "
                               "'wales', :t)"), {"id": rid, "t": _T})
                s.execute(text("INSERT INTO responses (id, respondent_id, "
                               "instrument_version_id, instrument, version, content_hash, "
                               "state, started_at, updated_at, source, payload_hash) VALUES "
                               "(:id, :rid, 14, 'demo', '1.0.0', 'sha256:x', 'complete', :t, "
                               ":t, :source, 'p')"),
                          {"id": f"resp{rid}", "rid": rid, "t": _T, "source": source})
            # Framed, never invited, contact purged: still in the frame.
            s.execute(text("INSERT INTO respondents (id, nation, created_at) VALUES "
                           "('rpurged', 'wales', :t)"), {"t": _T})
        store.upgrade("0007")
        with store.session() as s:
            flags = {rid: bool(flag) for rid, flag in s.execute(
                text("SELECT id, in_frame FROM respondents"))}
        assert flags == {"rc333": True, "rimport": False, "rweb": True, "rpurged": True}
