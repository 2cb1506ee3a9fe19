"""The partnership landscape in the store: the only way ``network`` and the dashboard read it.

The tables (migration 0005) hold organisations, their aliases, partnerships and their
members, themes, barriers, the links between them and the provenance of every row, plus the
queue of typed names waiting for a reviewer. The records are those of
:mod:`survey.landscape.records`.

``save_landscape(store, data)``
    Replace the whole landscape with ``data`` in one transaction. Reviewers' decisions
    survive: aliases recorded by a reviewer, and organisations a reviewer created, are kept
    when their organisation is still there (or was created by the reviewer).
``load_landscape(store)``
    Everything back as one :class:`~survey.landscape.records.LandscapeData` (with the
    barrier codes of coded survey answers, ``answer_barriers``, which
    :func:`survey.store.partners.import_partner_answers` records).
``add_organisation(store, organisation)`` / ``add_alias(store, key, alias)`` /
``add_partnership(store, partnership)``
    Add one record (idempotent: an alias already recorded for the organisation is kept).
``queue_review(...)``, ``pending_reviews(store)``, ``decide_review(...)``
    The review queue of the resolver (:mod:`survey.landscape.resolver`).

``insert_organisations``, ``insert_alias``, ``insert_partnerships``, ``queue_in``
    The same, inside a caller's write session (for importers writing in one transaction).

Link provenance: a link (a partnership's member, theme or barrier; an organisation's theme
or barrier) records the first provenance of the record that owns it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from survey.errors import LandscapeError
from survey.landscape.names import normalise, slug
from survey.landscape.records import (
    Alias,
    Barrier,
    LandscapeData,
    Organisation,
    Partnership,
    Provenance,
    Theme,
)
from survey.store.bulk import bulk_read
from survey.store.engine import Store
from survey.store.models import (
    LandscapeAlias,
    LandscapeBarrier,
    LandscapeLink,
    LandscapeOrganisation,
    LandscapePartnership,
    LandscapeProvenance,
    LandscapeReview,
    LandscapeTheme,
)

__all__ = [
    "DECISIONS",
    "LandscapeCounts",
    "ReviewItem",
    "add_alias",
    "add_organisation",
    "add_partnership",
    "decide_review",
    "insert_alias",
    "insert_organisations",
    "insert_partnerships",
    "load_landscape",
    "pending_reviews",
    "queue_in",
    "queue_review",
    "reviewed_text",
    "save_landscape",
]

#: A reviewer's decisions on a queued name.
DECISIONS: dict[str, str] = {
    "accept": "the name is the candidate organisation",
    "reject": "the name is not the candidate: record it as a new unresolved organisation",
    "create": "record the name as a new organisation the reviewer describes",
}
_LANDSCAPE_TABLES = (LandscapeLink, LandscapeProvenance, LandscapeAlias, LandscapePartnership,
                     LandscapeOrganisation, LandscapeTheme, LandscapeBarrier)


@dataclass(frozen=True, slots=True)
class LandscapeCounts:
    """How many rows :func:`save_landscape` wrote."""

    organisations: int
    aliases: int
    partnerships: int
    themes: int
    barriers: int


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """A typed name in the review queue, with its best candidate and where it was seen."""

    id: int
    text: str
    candidate_key: str | None
    candidate_name: str | None
    score: float
    source: Provenance
    status: str
    organisation_key: str | None = None
    decided_by: str | None = None
    decided_at: str | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite returns naive datetimes; they were stored as UTC
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def _prov_columns(p: Provenance) -> dict[str, object]:
    return {"kind": p.kind, "reference": p.reference, "detail": p.detail,
            "recorded_by": p.recorded_by, "recorded_at": _when(p.recorded_at)}


def _provenance(row: object) -> Provenance:
    return Provenance(kind=row.kind, reference=row.reference,  # type: ignore[attr-defined]
                      detail=row.detail,  # type: ignore[attr-defined]
                      recorded_by=row.recorded_by,  # type: ignore[attr-defined]
                      recorded_at=_iso(row.recorded_at))  # type: ignore[attr-defined]


def _link_rows(relation: str, subject: str, targets: Iterable[str],
               owner: Sequence[Provenance]) -> list[dict[str, object]]:
    source = owner[0] if owner else Provenance("report", "")
    return [{"relation": relation, "subject": subject, "target": target, "position": i,
             "kind": source.kind, "reference": source.reference, "detail": source.detail}
            for i, target in enumerate(dict.fromkeys(targets))]


def _alias_row(key: str, alias: Alias) -> dict[str, object]:
    return {"organisation_key": key, "text": alias.text, "normalised": normalise(alias.text),
            **_prov_columns(alias.provenance)}


def insert_organisations(session: Session, organisations: Sequence[Organisation]) -> int:
    """Insert organisations (aliases, provenance, links) in ``session``; returns aliases."""
    if not organisations:
        return 0
    session.execute(insert(LandscapeOrganisation), [
        {"key": o.key, "name": o.name, "type": o.type, "nation": o.nation, "region": o.region,
         "place_type": o.place_type, "identifiers": json.dumps(o.identifiers, sort_keys=True),
         "resolved": o.resolved, "note": o.note} for o in organisations])
    aliases: list[dict[str, object]] = []
    for o in organisations:
        seen: set[str] = set()
        for alias in o.aliases:
            if alias.text not in seen:
                seen.add(alias.text)
                aliases.append(_alias_row(o.key, alias))
    if aliases:
        session.execute(insert(LandscapeAlias), aliases)
    provenance = [{"organisation_key": o.key, "position": i, **_prov_columns(p)}
                  for o in organisations for i, p in enumerate(o.provenance)]
    if provenance:
        session.execute(insert(LandscapeProvenance), provenance)
    links = [row for o in organisations for relation, targets in (
        ("organisation_theme", o.themes), ("organisation_barrier", o.barriers))
        for row in _link_rows(relation, o.key, targets, o.provenance)]
    if links:
        session.execute(insert(LandscapeLink), links)
    return len(aliases)


def insert_partnerships(session: Session, partnerships: Sequence[Partnership]) -> None:
    """Insert partnerships (provenance, members, theme and barrier links) in ``session``."""
    if not partnerships:
        return
    session.execute(insert(LandscapePartnership), [
        {"key": p.key, "name": p.name, "kind": p.kind, "start_year": p.start_year,
         "funding": p.funding, "outcomes": p.outcomes} for p in partnerships])
    provenance = [{"partnership_key": p.key, "position": i, **_prov_columns(v)}
                  for p in partnerships for i, v in enumerate(p.provenance)]
    if provenance:
        session.execute(insert(LandscapeProvenance), provenance)
    links = [row for p in partnerships for relation, targets in (
        ("member", p.members), ("partnership_theme", p.themes),
        ("partnership_barrier", p.barriers))
        for row in _link_rows(relation, p.key, targets, p.provenance)]
    if links:
        session.execute(insert(LandscapeLink), links)


def _insert_codes(session: Session, model: type[LandscapeTheme] | type[LandscapeBarrier],
                  column: str, items: Sequence[Theme] | Sequence[Barrier]) -> None:
    if not items:
        return
    session.execute(insert(model), [{"code": t.code, "label": t.label} for t in items])
    provenance = [{column: t.code, "position": i, **_prov_columns(p)}
                  for t in items for i, p in enumerate(t.provenance)]
    if provenance:
        session.execute(insert(LandscapeProvenance), provenance)


def _check(data: LandscapeData) -> None:
    """Refuse a landscape whose references do not line up (nothing is written)."""
    problems: list[str] = []
    keys = [o.key for o in data.organisations]
    if len(set(keys)) != len(keys):
        problems.append("organisation keys repeat: " + ", ".join(
            sorted({k for k in keys if keys.count(k) > 1})[:5]))
    known, themes = set(keys), {t.code for t in data.themes}
    barriers = {b.code for b in data.barriers}
    for p in data.partnerships:
        missing = [m for m in p.members if m not in known]
        if missing:
            problems.append(f"partnership {p.key} names unknown members {missing[:3]}")
        if len(set(p.members)) < 2:
            problems.append(f"partnership {p.key} has fewer than two members")
    for owner, codes, pool, what in [
            *((p.key, p.themes, themes, "theme") for p in data.partnerships),
            *((o.key, o.themes, themes, "theme") for o in data.organisations),
            *((p.key, p.barriers, barriers, "barrier") for p in data.partnerships),
            *((o.key, o.barriers, barriers, "barrier") for o in data.organisations)]:
        unknown = sorted(set(codes) - pool)
        if unknown:
            problems.append(f"{owner} refers to unknown {what} codes {unknown[:3]}")
    if problems:
        raise LandscapeError.of("L110", "; ".join(problems[:10]))


def _kept_reviewer_records(data: LandscapeData, current: LandscapeData) -> LandscapeData:
    """``data`` plus reviewers' aliases and organisations from ``current``."""
    by_key = {o.key: o for o in data.organisations}
    extra: list[Organisation] = []
    for org in current.organisations:
        reviewer_aliases = tuple(a for a in org.aliases if a.provenance.kind == "reviewer")
        if org.key in by_key:
            if reviewer_aliases:
                mine = by_key[org.key]
                texts = {a.text for a in mine.aliases}
                by_key[org.key] = replace(mine, aliases=mine.aliases + tuple(
                    a for a in reviewer_aliases if a.text not in texts))
        elif org.provenance and all(p.kind == "reviewer" for p in org.provenance):
            extra.append(replace(org, themes=tuple(t for t in org.themes if t in {
                t.code for t in data.themes}), barriers=()))
    return replace(data, organisations=tuple(by_key.values()) + tuple(extra))


def save_landscape(store: Store, data: LandscapeData) -> LandscapeCounts:
    """Replace the stored landscape with ``data``, keeping reviewers' decisions.

    Every partnership member and every theme/barrier code must exist in ``data``
    (``L110`` otherwise; nothing is written). The review queue is left as it is.

    Returns
    -------
    LandscapeCounts
        The rows written.
    """
    _check(data)
    with store.session() as session:
        reviewed = session.execute(select(LandscapeAlias.id).where(
            LandscapeAlias.kind == "reviewer").limit(1)).first()
    merged = _kept_reviewer_records(data, load_landscape(store)) if reviewed else data
    with store.write() as session:
        for model in _LANDSCAPE_TABLES:
            if model is LandscapeLink:
                session.execute(delete(model).where(model.relation != "answer_barrier"))
            else:
                session.execute(delete(model))
        _insert_codes(session, LandscapeTheme, "theme_code", merged.themes)
        _insert_codes(session, LandscapeBarrier, "barrier_code", merged.barriers)
        aliases = insert_organisations(session, merged.organisations)
        insert_partnerships(session, merged.partnerships)
    return LandscapeCounts(len(merged.organisations), aliases, len(merged.partnerships),
                           len(merged.themes), len(merged.barriers))


def load_landscape(store: Store) -> LandscapeData:
    """The whole stored landscape, ordered by key (aliases and provenance in stored order).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from survey.store import Store
    >>> url = "sqlite:///" + str(pathlib.Path(tempfile.mkdtemp()) / "l.db")
    >>> store = Store.open(url, check=False, create=True); store.upgrade()
    >>> load_landscape(store).organisations
    ()
    >>> store.close()
    """
    # Plain rows, not ORM objects: building 100,000 mapped objects for a national
    # landscape took seconds on every read.
    with store.session() as session, bulk_read():
        provenance: dict[tuple[str, str], list[Provenance]] = defaultdict(list)
        for row in session.execute(select(LandscapeProvenance.__table__).order_by(
                LandscapeProvenance.position, LandscapeProvenance.id)):
            for kind, key in (("organisation", row.organisation_key),
                              ("partnership", row.partnership_key),
                              ("theme", row.theme_code), ("barrier", row.barrier_code)):
                if key is not None:
                    provenance[(kind, key)].append(_provenance(row))
        links: dict[tuple[str, str], list[str]] = defaultdict(list)
        for link in session.execute(select(LandscapeLink.__table__).order_by(
                LandscapeLink.position, LandscapeLink.id)):
            links[(link.relation, link.subject)].append(link.target)
        aliases: dict[str, list[Alias]] = defaultdict(list)
        for a in session.execute(select(LandscapeAlias.__table__).order_by(LandscapeAlias.id)):
            aliases[a.organisation_key].append(Alias(a.text, _provenance(a)))
        organisations = tuple(
            Organisation(key=o.key, name=o.name, type=o.type, nation=o.nation,
                         region=o.region, place_type=o.place_type,
                         identifiers=json.loads(o.identifiers),
                         aliases=tuple(aliases[o.key]),
                         themes=tuple(links[("organisation_theme", o.key)]),
                         barriers=tuple(links[("organisation_barrier", o.key)]),
                         provenance=tuple(provenance[("organisation", o.key)]),
                         resolved=o.resolved, note=o.note)
            for o in session.execute(select(LandscapeOrganisation.__table__).order_by(
                LandscapeOrganisation.key)))
        partnerships = tuple(
            Partnership(key=p.key, name=p.name, kind=p.kind,
                        members=tuple(links[("member", p.key)]),
                        themes=tuple(links[("partnership_theme", p.key)]),
                        barriers=tuple(links[("partnership_barrier", p.key)]),
                        start_year=p.start_year, funding=p.funding, outcomes=p.outcomes,
                        provenance=tuple(provenance[("partnership", p.key)]))
            for p in session.execute(select(LandscapePartnership.__table__).order_by(
                LandscapePartnership.key)))
        themes = tuple(Theme(t.code, t.label, tuple(provenance[("theme", t.code)]))
                       for t in session.execute(select(LandscapeTheme.__table__).order_by(
                           LandscapeTheme.code)))
        barriers = tuple(Barrier(b.code, b.label, tuple(provenance[("barrier", b.code)]))
                         for b in session.execute(select(LandscapeBarrier.__table__).order_by(
                             LandscapeBarrier.code)))
    answers = {subject: tuple(targets) for (relation, subject), targets in links.items()
               if relation == "answer_barrier"}
    return LandscapeData(organisations, partnerships, themes, barriers, dict(sorted(
        answers.items())))


def _organisation_exists(session: Session, key: str) -> bool:
    return session.get(LandscapeOrganisation, key) is not None


def add_organisation(store: Store, organisation: Organisation) -> None:
    """Add one organisation with its aliases, provenance and links (``L111`` if its key
    is taken)."""
    with store.write() as session:
        if _organisation_exists(session, organisation.key):
            raise LandscapeError.of("L111", f"an organisation with key '{organisation.key}' "
                                    "already exists")
        insert_organisations(session, [organisation])


def add_alias(store: Store, organisation_key: str, alias: Alias) -> bool:
    """Record ``alias`` for an organisation; False if that text is already its alias.

    Raises ``L111`` for an unknown organisation key.
    """
    with store.write() as session:
        return insert_alias(session, organisation_key, alias)


def insert_alias(session: Session, organisation_key: str, alias: Alias) -> bool:
    """:func:`add_alias` inside ``session``."""
    if not _organisation_exists(session, organisation_key):
        raise LandscapeError.of("L111", f"there is no organisation with key "
                                f"'{organisation_key}'")
    exists = session.execute(select(LandscapeAlias.id).where(
        LandscapeAlias.organisation_key == organisation_key,
        LandscapeAlias.text == alias.text)).first()
    if exists:
        return False
    session.execute(insert(LandscapeAlias), [_alias_row(organisation_key, alias)])
    return True


def add_partnership(store: Store, partnership: Partnership) -> None:
    """Add (or replace, by key) one partnership; every member must exist (``L110``)."""
    with store.write() as session:
        missing = [m for m in partnership.members if not _organisation_exists(session, m)]
        if missing or len(set(partnership.members)) < 2:
            raise LandscapeError.of("L110", f"partnership {partnership.key}: needs two or "
                                    f"more known members (unknown: {missing[:3]})")
        session.execute(delete(LandscapePartnership).where(
            LandscapePartnership.key == partnership.key))
        session.execute(delete(LandscapeLink).where(
            LandscapeLink.subject == partnership.key,
            LandscapeLink.relation.in_(("member", "partnership_theme",
                                        "partnership_barrier"))))
        insert_partnerships(session, [partnership])


# -- the review queue -----------------------------------------------------------------------

def _item(row: LandscapeReview, names: dict[str, str]) -> ReviewItem:
    return ReviewItem(id=row.id, text=row.text, candidate_key=row.candidate_key,
                      candidate_name=names.get(row.candidate_key or ""), score=row.score,
                      source=Provenance(row.source_kind, row.source_reference),
                      status=row.status, organisation_key=row.organisation_key,
                      decided_by=row.decided_by, decided_at=_iso(row.decided_at))


def _names(session: Session) -> dict[str, str]:
    rows = session.execute(select(LandscapeOrganisation.key, LandscapeOrganisation.name))
    return {key: name for key, name in rows}


def queue_review(store: Store, text: str, candidate_key: str | None, score: float,
                 source: Provenance) -> ReviewItem:
    """Put a typed name in the review queue (once per normalised name).

    A name already queued (pending or decided) is not queued again; its item is returned.
    """
    with store.write() as session:
        row = queue_in(session, text, candidate_key, score, source)
        return _item(row, _names(session))


def queue_in(session: Session, text: str, candidate_key: str | None, score: float,
             source: Provenance) -> LandscapeReview:
    """:func:`queue_review` inside ``session`` (returns the row)."""
    key = normalise(text)
    row = session.execute(select(LandscapeReview).where(
        LandscapeReview.normalised == key)).scalar_one_or_none()
    if row is None:
        row = LandscapeReview(text=text, normalised=key, candidate_key=candidate_key,
                              score=float(score), source_kind=source.kind,
                              source_reference=source.reference, status="pending",
                              created_at=_now())
        session.add(row)
        session.flush()
    return row


def pending_reviews(store: Store, *, include_decided: bool = False) -> list[ReviewItem]:
    """The queue, oldest first (with ``include_decided``, decided items too)."""
    with store.session() as session:
        query = select(LandscapeReview).order_by(LandscapeReview.id)
        if not include_decided:
            query = query.where(LandscapeReview.status == "pending")
        names = _names(session)
        return [_item(row, names) for row in session.execute(query).scalars()]


def reviewed_text(store: Store, text: str) -> ReviewItem | None:
    """The queue item for ``text`` (by normalised form), decided or not, if any."""
    with store.session() as session:
        row = session.execute(select(LandscapeReview).where(
            LandscapeReview.normalised == normalise(text))).scalar_one_or_none()
        return None if row is None else _item(row, _names(session))


def decide_review(store: Store, review_id: int, decision: str, reviewer: str, *,
                  organisation: Organisation | None = None,
                  unresolved_key: str | None = None) -> ReviewItem:
    """Record a reviewer's decision on a queued name, as an alias with reviewer provenance.

    Parameters
    ----------
    decision : {"accept", "reject", "create"}
        ``accept`` links the name to the candidate; ``reject`` records it as a new
        unresolved organisation (key ``unresolved_key``, default ``unresolved-`` and the
        name's slug); ``create`` records the new
        ``organisation`` the reviewer describes, with the name as its alias.
    reviewer : str
        Who decided (stored with the time, UTC).

    Raises ``L112`` for an unknown or already decided item, a bad decision or reviewer.
    """
    if decision not in DECISIONS:
        raise LandscapeError.of("L112", f"'{decision}' is not a decision; use one of "
                                f"{', '.join(DECISIONS)}")
    if not reviewer.strip():
        raise LandscapeError.of("L112", "give the reviewer's name (--reviewer)")
    when = _now()
    with store.write() as session:
        row = session.get(LandscapeReview, review_id)
        if row is None:
            raise LandscapeError.of("L112", f"there is no queued name with id {review_id}")
        if row.status != "pending":
            raise LandscapeError.of("L112", f"item {review_id} was already decided "
                                    f"({row.status} by {row.decided_by})")
        provenance = Provenance("reviewer", f"review {review_id}",
                                f"{decision}: '{row.text}' (seen in {row.source_kind} "
                                f"{row.source_reference}, score {row.score:.0f})",
                                recorded_by=reviewer, recorded_at=when.isoformat())
        alias = Alias(row.text, provenance)
        if decision == "accept":
            if row.candidate_key is None:
                raise LandscapeError.of("L112", f"item {review_id} has no candidate to accept")
            key = row.candidate_key
            if not insert_alias(session, key, alias):
                # Already an alias (e.g. a possibly ambiguous registry synonym): the
                # reviewer's decision now stands behind it.
                session.execute(update(LandscapeAlias).where(
                    LandscapeAlias.organisation_key == key, LandscapeAlias.text == row.text
                ).values(**_prov_columns(provenance)))
        else:
            if decision == "create":
                if organisation is None:
                    raise LandscapeError.of("L112", "give the new organisation's name and type")
                new = replace(organisation, aliases=(*organisation.aliases, alias),
                              provenance=(*organisation.provenance, provenance))
            else:
                key = unresolved_key or f"unresolved-{slug(row.text)}"[:120]
                if not unresolved_key and _organisation_exists(session, key):
                    key = f"{key[:100]}-{review_id}"
                new = Organisation(key=key,
                                   name=row.text, type="unknown", aliases=(alias,),
                                   provenance=(provenance,), resolved=False,
                                   note="not matched to a registry body by a reviewer")
            if _organisation_exists(session, new.key):
                raise LandscapeError.of("L111", f"an organisation with key '{new.key}' "
                                        "already exists")
            insert_organisations(session, [new])
            key = new.key
        session.execute(update(LandscapeReview).where(LandscapeReview.id == review_id).values(
            status={"accept": "accepted", "reject": "rejected", "create": "created"}[decision],
            organisation_key=key, decided_by=reviewer, decided_at=when))
        row = session.get(LandscapeReview, review_id)
        assert row is not None
        session.refresh(row)
        return _item(row, _names(session))
