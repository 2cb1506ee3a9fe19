"""The fieldwork monitor: response rates against the frame, the funnel, who to remind.

The frame is the people ``landscape frame import`` put there (``in_frame``), each
counted in one instrument's frame: the one it was imported for, or, for people
imported for no particular instrument, the one they were invited to. Responses
from outside the frame (open links, imported responses) are counted apart and
never enter a response rate.

Counts are by pseudonymous respondent; nothing personal is shown unless asked
for (``with_contacts``), and then only to whoever runs the command.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import and_, exists, func, or_, select

from survey.stats.nonresponse import NonresponseTest, nonresponse_test
from survey.store.engine import Store
from survey.store.invitations import due_reminders
from survey.store.models import Contact, InstrumentVersionRow, Invitation, Respondent, Response
from survey.store.revision import remembered

__all__ = ["NO_FRAME_NOTE", "GroupCount", "MonitorReport", "frame_and_sample", "frame_notes",
           "monitor_report", "render_table"]

#: Said wherever figures include respondents from outside a frame (an open link).
NO_FRAME_NOTE = ("Responses from outside the frame (open link, imported) have no frame to "
                 "compare with or weight to: their intervals describe sampling variability "
                 "only under an assumption the design does not provide (that these "
                 "respondents are a random sample of their population).")

_DIMENSIONS = ("nation", "region", "organisation_type")


@dataclass(frozen=True, slots=True)
class GroupCount:
    """The funnel for one group of the frame (e.g. nation = wales)."""

    group: str
    frame: int
    invited: int
    started: int
    completed: int

    @property
    def response_rate(self) -> float | None:
        """Completed responses as a share of the frame (None for an empty group)."""
        return self.completed / self.frame if self.frame else None


@dataclass(frozen=True)
class MonitorReport:
    """Everything ``landscape monitor`` shows."""

    instrument: str | None
    total: GroupCount
    by: dict[str, list[GroupCount]]
    #: Responses from outside the frame (open link, imported): not in any rate.
    outside_started: int
    outside_completed: int
    due: list[dict[str, Any]] = field(default_factory=list)
    #: With an instrument: people in the frame for no particular instrument, not yet
    #: invited to this one (they join its frame when invited).
    unassigned: int = 0

    @property
    def nonresponse(self) -> dict[str, NonresponseTest]:
        """Per dimension: respondents (completed) vs non-respondents, and a test."""
        return {dim: nonresponse_test(dim, [g.group for g in groups],
                                      [g.frame for g in groups],
                                      [g.completed for g in groups])
                for dim, groups in self.by.items()}

    def to_json(self) -> str:
        def counts(g: GroupCount) -> dict[str, Any]:
            out = asdict(g)
            out["response_rate"] = None if g.response_rate is None else round(g.response_rate,
                                                                               4)
            return out

        return json.dumps({
            "instrument": self.instrument,
            "funnel": counts(self.total),
            "by": {dim: [counts(g) for g in groups] for dim, groups in self.by.items()},
            "outside_the_frame": {"started": self.outside_started,
                                  "completed": self.outside_completed},
            "unassigned": self.unassigned,
            "nonresponse": {dim: test.to_dict() for dim, test in self.nonresponse.items()},
            "due_reminders": self.due,
        }, indent=2, ensure_ascii=False)


def _version_ids(store: Store, instrument: str | None) -> list[int] | None:
    if instrument is None:
        return None
    name, _, version = instrument.partition("@")
    query = select(InstrumentVersionRow.id).where(InstrumentVersionRow.instrument == name)
    if version:
        query = query.where(InstrumentVersionRow.version == version)
    with store.session() as session:
        return list(session.execute(query).scalars())


def _in_frame_of(instrument: str | None, invited: Any) -> Any:
    """Who is in ``instrument``'s frame: imported for it, or for none and invited to it."""
    if instrument is None:
        return Respondent.in_frame
    name = instrument.partition("@")[0]
    return and_(Respondent.in_frame, or_(Respondent.instrument == name,
                                         and_(Respondent.instrument.is_(None), invited)))


def frame_and_sample(store: Store, instrument: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """An instrument's frame and its respondents, for weighting.

    Returns ``(frame, sample)``: the frame's members (index = respondent id) and
    the complete responses of people in it (index = response id), both with the
    columns nation, region, organisation_type. The frame is the monitor's (see
    :func:`monitor_report`); responses from outside it are not in ``sample``.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> [len(part) for part in frame_and_sample(store, "researcher")]
    [0, 0]
    """
    ids = _version_ids(store, instrument) or []
    invited = exists().where(and_(Invitation.respondent_id == Respondent.id,
                                  Invitation.instrument_version_id.in_(ids)))
    columns = [Respondent.nation, Respondent.region, Respondent.organisation_type]
    with store.session() as session:
        members = session.execute(select(Respondent.id, *columns)
                                  .where(_in_frame_of(instrument, invited))).all()
        responses = session.execute(
            select(Response.id, *columns)
            .join(Respondent, Respondent.id == Response.respondent_id)
            .where(_in_frame_of(instrument, invited), Response.state == "complete",
                   Response.instrument_version_id.in_(ids))).all()
    names = ["nation", "region", "organisation_type"]
    frame = pd.DataFrame([tuple(r[1:]) for r in members], columns=names,
                         index=pd.Index([str(r[0]) for r in members], name="respondent_id"),
                         dtype=object)
    sample = pd.DataFrame([tuple(r[1:]) for r in responses], columns=names,
                          index=pd.Index([str(r[0]) for r in responses], name="response_id"),
                          dtype=object)
    return frame, sample


def frame_notes(store: Store, instruments: list[str], *, public: bool = False) -> list[str]:
    """One note per instrument on who its figures describe, for reports' tables.

    An instrument with a frame: the size of the frame and its non-response tests
    (:attr:`MonitorReport.nonresponse`); one without: :data:`NO_FRAME_NOTE`. A
    ``public`` note leaves the tests out: with the (public) frame counts and the
    total n, a precise p-value narrows how many responded in a small group.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> frame_notes(store, ["researcher"])[0][:36]
    'researcher: no sampling frame. Respo'
    """
    # Kept per data revision: the explorer adds these notes to every view.
    return list(remembered(store, ("frame_notes", tuple(instruments), public),
                           lambda: _frame_notes(store, instruments, public)))


def _frame_notes(store: Store, instruments: list[str], public: bool) -> list[str]:
    notes = []
    for name in instruments:
        frame, _ = frame_and_sample(store, name)
        if frame.empty:
            notes.append(f"{name}: no sampling frame. {NO_FRAME_NOTE}")
            continue
        if public:
            notes.append(f"{name}: respondents against its sampling frame of {len(frame)}; "
                         "whether response differed by nation, region or organisation type "
                         "is tested in the internal view ('landscape monitor').")
            continue
        found = "; ".join(
            f"{t.dimension.replace('_', ' ')} p = "
            + ("-" if t.p_value != t.p_value else f"{t.p_value:.3f}")
            for t in monitor_report(store, name).nonresponse.values())
        notes.append(f"{name}: respondents against its sampling frame of {len(frame)}, "
                     f"response by group tested (chi-square or exact): {found}. A low p "
                     "means some groups answered more than others; see 'landscape weights' "
                     "for shares weighted to the frame.")
    return notes


def monitor_report(store: Store, instrument: str | None = None, *,
                   with_contacts: bool = False,
                   reminder_limit: int | None = None) -> MonitorReport:
    """Response rates by nation, region and organisation type, the funnel and reminders due.

    ``instrument`` is ``ID`` or ``ID@VERSION`` (default: every instrument). The
    frame is the people imported into it for that instrument, or for none and
    invited to it. Responses from anyone else (open link, imported responses)
    are counted as outside the frame.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> monitor_report(store).total.frame
    0
    """
    ids = _version_ids(store, instrument)

    def for_versions(column: Any) -> Any:
        return column.in_(ids) if ids is not None else True

    invited = exists().where(and_(Invitation.respondent_id == Respondent.id,
                                  for_versions(Invitation.instrument_version_id)))
    started = exists().where(and_(Response.respondent_id == Respondent.id,
                                  for_versions(Response.instrument_version_id)))
    completed = exists().where(and_(Response.respondent_id == Respondent.id,
                                    for_versions(Response.instrument_version_id),
                                    Response.state == "complete"))
    query = select(Respondent.nation, Respondent.region, Respondent.organisation_type,
                   invited, started, completed).where(_in_frame_of(instrument, invited))
    unassigned_query = None
    if instrument is not None:
        unassigned_query = select(func.count()).where(
            Respondent.in_frame, Respondent.instrument.is_(None), ~invited)
    outside = or_(Response.respondent_id.is_(None),
                  ~exists().where(and_(Respondent.id == Response.respondent_id,
                                       Respondent.in_frame)))
    with store.session() as session:
        people = session.execute(query).all()
        outside_rows = session.execute(
            select(Response.state, func.count())
            .where(outside, for_versions(Response.instrument_version_id))
            .group_by(Response.state)
        ).all()
        unassigned = (session.execute(unassigned_query).scalar_one()
                      if unassigned_query is not None else 0)
    groups: dict[str, dict[str, list[int]]] = {dim: {} for dim in _DIMENSIONS}
    total = [0, 0, 0, 0]
    for nation, region, org_type, was_invited, was_started, was_completed in people:
        flags = (1, int(bool(was_invited)), int(bool(was_started)), int(bool(was_completed)))
        total = [a + b for a, b in zip(total, flags, strict=True)]
        for dim, value in zip(_DIMENSIONS, (nation, region, org_type), strict=True):
            counts = groups[dim].setdefault(value or "(unknown)", [0, 0, 0, 0])
            groups[dim][value or "(unknown)"] = [a + b for a, b in zip(counts, flags,
                                                                       strict=True)]
    by = {dim: [GroupCount(value, *counts) for value, counts in sorted(values.items())]
          for dim, values in groups.items()}
    outside_counts = dict(outside_rows)
    due: list[dict[str, Any]] = []
    for rid, count, ref in due_reminders(store, limit=reminder_limit):
        if instrument is not None and ref.partition("@")[0] != instrument.partition("@")[0]:
            continue
        due.append({"respondent_id": rid, "reminders_sent": count, "instrument": ref})
    if with_contacts and due:
        with store.session() as session:
            contacts = dict(session.execute(
                select(Contact.respondent_id, Contact.email)
                .where(Contact.respondent_id.in_([d["respondent_id"] for d in due]))
            ).all())
        for d in due:
            d["email"] = contacts.get(d["respondent_id"])
    return MonitorReport(
        instrument=instrument,
        total=GroupCount("all", *total),
        by=by,
        outside_started=int(sum(outside_counts.values())),
        outside_completed=int(outside_counts.get("complete", 0)),
        due=due,
        unassigned=int(unassigned),
    )


def _rate(g: GroupCount) -> str:
    return "-" if g.response_rate is None else f"{100 * g.response_rate:.1f}%"


def render_table(report: MonitorReport) -> str:
    """The report as plain-text tables.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> render_table(monitor_report(store)).splitlines()[0]
    'Fieldwork monitor: all instruments'
    """
    lines = [f"Fieldwork monitor: {report.instrument or 'all instruments'}", ""]
    t = report.total
    lines.append(f"Funnel: frame {t.frame} -> invited {t.invited} -> started {t.started} "
                 f"-> completed {t.completed} (response rate {_rate(t)})")
    if report.outside_started:
        lines.append(f"Outside the frame (open link, imported; not in the response rate): "
                     f"started {report.outside_started}, completed {report.outside_completed}")
    if report.unassigned:
        lines.append(f"In the frame for no particular instrument and not invited to this one: "
                     f"{report.unassigned}")
    header = ("group", "frame", "invited", "started", "completed", "no response", "rate")
    for dim, groups in report.by.items():
        rows = [header, *((g.group, str(g.frame), str(g.invited), str(g.started),
                           str(g.completed), str(g.frame - g.completed), _rate(g))
                          for g in groups)]
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines += ["", f"By {dim.replace('_', ' ')}:"]
        for r in rows:
            lines.append("  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                          for i, (c, w) in enumerate(zip(r, widths,
                                                                         strict=True))))
    lines += ["", "Non-response against the frame (respondents = completed; tested for "
              "independence of responding and group):"]
    lines += [f"  {test.reading()}" for test in report.nonresponse.values()]
    if report.outside_completed:
        lines.append(f"  {NO_FRAME_NOTE}")
    lines += ["", f"Due a reminder: {len(report.due)}"]
    for d in report.due:
        extra = f"  {d['email']}" if d.get("email") else ""
        lines.append(f"  {d['respondent_id']}  {d['instrument']}  reminders sent "
                     f"{d['reminders_sent']}{extra}")
    return "\n".join(lines)
