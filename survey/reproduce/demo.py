"""The demo: the 2022 survey reconstructed into a store, labelled as such everywhere.

:func:`load_demo` fills a store (SQLite or PostgreSQL) with

* the three shipped instrument versions (``local_government@1.0.0``,
  ``local_government@1.1.0``, ``researcher@1.0.0``);
* a **synthetic** local-government sampling frame of 256 contacts (England 193,
  Scotland 32, Wales 21, Northern Ireland 10, as in 2022) with fake names and
  ``example.org`` addresses, each invited to ``local_government@1.0.0``;
* 52 responses: 35 local-government (from frame members, so the monitor shows
  35 completed of 256) and 17 researcher responses (open link, no frame). Their
  rankings are the reconstructed ones in ``survey/data/demo_rankings.csv``
  (LG01-LG35 and R01-R17 in file order), their challenge texts the synthetic ones
  in ``survey/data/demo_challenges.csv``, and their profile answers (nation,
  region, organisation type, path and the path's choice questions) are generated
  from a fixed seed, following each instrument's skip logic and required
  questions. Local-government nations are in proportion to the frame (27/4/3/1).

How the demo is labelled in the data
------------------------------------
Every demo response has ``responses.source_file`` =
:data:`DEMO_SOURCE_FILE` (``"demo: "`` + :data:`DEMO_LABEL`) and an idempotency
key ``demo:<id>`` (``demo:LG01`` ...); demo contacts are named "Synthetic contact
NNN", work for "Synthetic council NNN (demo)" and have the role "synthetic demo
contact". :func:`survey.store.analysis.data_labels` finds the label again, and
every command that reads the store prints it.

A respondent with a blank challenge answer simply leaves their path's challenges
question unanswered: the question is optional on both paths.
"""

from __future__ import annotations

import csv
import random
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func, select, update

from survey.errors import LandscapeError
from survey.instrument.logic import is_shown
from survey.instrument.model import InstrumentVersion, QuestionType
from survey.instrument.places import REGIONS
from survey.instrument.registry import Catalogue
from survey.settings import resolve
from survey.store.analysis import DEMO_PREFIX
from survey.store.engine import Store
from survey.store.frame import import_frame
from survey.store.instruments import record_instrument
from survey.store.invitations import issue_invitations, open_link
from survey.store.models import Contact, Invitation, Respondent, Response, data_tables
from survey.store.writing import ResponseRow, save_responses

__all__ = [
    "DEMO_LABEL",
    "DEMO_SEED",
    "DEMO_SOURCE_FILE",
    "FRAME_BY_NATION",
    "SHIPPED_VERSIONS",
    "DemoSummary",
    "demo_frame",
    "demo_responses",
    "load_demo",
]

#: What the demo data is, in the data (``responses.source_file``) and on screen.
DEMO_LABEL = ("reconstructed to match published aggregates, not the real responses "
              "(rankings reconstructed from the 2022 report's Tables 1 and 2; profile "
              "answers, challenge texts and the sampling frame are synthetic)")
DEMO_SOURCE_FILE = DEMO_PREFIX + DEMO_LABEL
DEMO_SEED = 2022
#: The instrument versions the demo records, as shipped in ``instruments/``.
SHIPPED_VERSIONS = ("local_government@1.0.0", "local_government@1.1.0", "researcher@1.0.0")
#: The 2022 local-government frame by nation (report section 2).
FRAME_BY_NATION: dict[str, int] = {"england": 193, "scotland": 32, "wales": 21,
                                   "northern_ireland": 10}
_LG = "local_government@1.0.0"
_RESEARCHER = "researcher@1.0.0"
_QUESTION = "evidence_priorities"
_ENGLISH_REGIONS = [r.code for r in REGIONS if r.nation == "england"]
# English local government is mostly district and unitary councils.
_ENGLISH_TYPES = (["district_council"] * 9 + ["unitary_authority"] * 6 + ["county_council"] * 2
                  + ["combined_authority", "local_enterprise_partnership"])
_OTHER_TYPES = {"scotland": "unitary_authority", "wales": "unitary_authority",
                "northern_ireland": "district_council"}
_RESEARCHER_TYPES = ["university"] * 6 + ["research_institute"] * 2 + [
    "evidence_centre", "think_tank"]
# Share of respondents on the partnership path (a plausible synthetic split).
_PARTNERSHIP_SHARE = {"local_government": 0.65, "researcher": 0.7}
# Filled explicitly, or not at all (free text other than challenges stays blank).
_EXPLICIT = {"consent", "organisation", "organisation_type", "role", "nation", "region",
             "in_partnership", _QUESTION, "challenges", "challenges_no_partnership",
             "partner_organisation_1", "partner_organisation_2", "partner_organisation_3"}
# Partner organisations synthetic respondents type, as people type them (abbreviations,
# old names, Welsh names, typos), by the respondent's region; "*" for anywhere. Local
# government names research partners, researchers name councils and other bodies.
_PARTNERS: dict[str, dict[str, tuple[str, ...]]] = {
    "local_government": {
        "north_east": ("Durham Uni", "Newcastle University", "CURDS", "Northumbria Uni",
                       "Teesside University"),
        "north_west": ("Univeristy of Manchester", "Manchester Met", "Lancaster Uni",
                       "The Productivity Institute"),
        "yorkshire_humber": ("Uni of Sheffield", "Sheffield Hallam", "Leeds University",
                             "University of York"),
        "east_midlands": ("University of Lincoln", "Nottingham Trent", "Univ of Nottingham",
                          "Lincoln Uni"),
        "west_midlands": ("City-REDI", "Univ. of Birmingham", "Aston Uni", "Warwick Uni",
                          "WMREDI", "Birmingham City Uni", "Midlands Engine Observatory"),
        "east_of_england": ("UEA", "University of East Anglia", "Anglia Ruskin",
                            "Cambridge University"),
        "london": ("LSE", "UCL", "Kings College London", "Centre for Cities"),
        "south_east": ("University of Southampton", "Univ of Kent", "Brighton Uni"),
        "south_west": ("University of Gloucestershire", "UWE Bristol", "Exeter Uni",
                       "Plymouth University"),
        "wales": ("Wrexham Glyndwr University", "Prifysgol Wrecsam", "Cardiff Uni",
                  "Welsh Centre for Public Policy", "Bangor Uni", "Swansea University"),
        "scotland": ("Glasgow University", "University of Strathclyde", "Edinburgh Uni",
                     "Univ of Stirling"),
        "northern_ireland": ("Queens University Belfast", "Ulster Uni", "QUB"),
        "*": ("What Works Centre for Local Economic Growth", "Local Research Co-op (demo)",
              "Resolution Foundation", "Open University"),
    },
    "researcher": {
        "north_east": ("North East LEP", "Durham County Council", "Newcastle Council"),
        "north_west": ("Greater Manchester Combined Authority", "Lancashire CC"),
        "yorkshire_humber": ("Sheffield City Council", "South Yorkshire Combined Authority",
                             "Leeds City Council"),
        "east_midlands": ("Greater Lincolnshire LEP", "Lincolnshire County Council"),
        "west_midlands": ("WMCA", "Birmingham Council", "Coventry City Council"),
        "east_of_england": ("Norwich City Council", "Norfolk County Council"),
        "london": ("Greater London Authority", "Camden Council"),
        "south_east": ("Kent County Council", "Brighton and Hove Council"),
        "south_west": ("Gloucestershire County Council", "GFirst LEP", "Bristol City Council"),
        "wales": ("Wrexham Council", "Cyngor Gwynedd", "Cardiff Council",
                  "Welsh Government"),
        "scotland": ("Glasgow City Council", "City of Edinburgh Council"),
        "northern_ireland": ("Belfast City Council", "Derry City and Strabane"),
        "*": ("Local Government Association", "Local Research Co-op (demo)"),
    },
}


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What :func:`load_demo` loaded."""

    store_url: str
    label: str
    instruments: tuple[str, ...]
    frame: int
    frame_by_nation: dict[str, int]
    invited: int
    responses: dict[str, int]
    #: The landscape loaded: registry + 2022 dataset + partners the answers name.
    organisations: int = 0
    partnerships: int = 0
    partner_names: int = 0
    queued: int = 0


def _allocate(total: int, weights: Mapping[str, int]) -> dict[str, int]:
    """Largest-remainder split of ``total`` in proportion to ``weights``."""
    whole = sum(weights.values())
    exact = {k: total * w / whole for k, w in weights.items()}
    out = {k: int(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: exact[k] - out[k], reverse=True)[:total - sum(
            out.values())]:
        out[k] += 1
    return out


def demo_frame(seed: int = DEMO_SEED) -> pd.DataFrame:
    """The synthetic local-government sampling frame: 256 fake contacts.

    Columns as ``landscape frame import`` reads them (name, email, organisation,
    organisation_type, role, nation, region).

    Examples
    --------
    >>> frame = demo_frame()
    >>> len(frame), int((frame["nation"] == "wales").sum()), frame["email"][0]
    (256, 21, 'contact001@example.org')
    """
    rng = random.Random(seed)  # noqa: S311 - a repeatable demo, not a secret
    rows: list[dict[str, str]] = []
    number = 0
    for nation, count in FRAME_BY_NATION.items():
        for _ in range(count):
            number += 1
            english = nation == "england"
            rows.append({
                "name": f"Synthetic contact {number:03d}",
                "email": f"contact{number:03d}@example.org",
                "organisation": f"Synthetic council {number:03d} (demo)",
                "organisation_type": rng.choice(_ENGLISH_TYPES) if english
                else _OTHER_TYPES[nation],
                "role": "synthetic demo contact",
                "nation": nation,
                "region": rng.choice(_ENGLISH_REGIONS) if english else "",
            })
    return pd.DataFrame(rows, columns=["name", "email", "organisation", "organisation_type",
                                       "role", "nation", "region"])


def _data_file(name: str) -> Path:
    # Read directly rather than through survey.ranking / survey.coding: importing those
    # packages pulls in the statistics stack and would triple the demo's start-up time.
    return Path(str(resources.files("survey") / "data" / name))


def _fill_choices(iv: InstrumentVersion, answers: dict[str, Any], rng: random.Random) -> None:
    """Answer every shown choice and rating question not filled explicitly, in order."""
    for q in iv.questions:
        if q.code in _EXPLICIT or not is_shown(iv, q, answers):
            continue
        if q.type is QuestionType.SINGLE_CHOICE:
            answers[q.code] = rng.choice(q.option_codes)
        elif q.type is QuestionType.MULTIPLE_CHOICE:
            answers[q.code] = rng.sample(list(q.option_codes),
                                         rng.randint(1, min(3, len(q.options))))
        elif q.type is QuestionType.RATING and q.scale is not None:
            answers[q.code] = rng.randint(q.scale.min, q.scale.max)


def _partner_answers(iv: InstrumentVersion, instrument: str, place: str,
                     rng: random.Random) -> dict[str, str]:
    """One to three typed partner names, mostly from the respondent's own region."""
    pool = _PARTNERS[instrument]
    names: list[str] = []
    for _ in range(rng.randint(1, 3)):
        local = pool.get(place, ())
        choices = local if local and rng.random() < 0.8 else pool["*"]
        name = rng.choice(choices)
        if name not in names:
            names.append(name)
    asked = [q.code for q in iv.questions if q.code.startswith("partner_organisation_")]
    return dict(zip(asked, names, strict=False))


@dataclass(frozen=True, slots=True)
class _DemoResponse:
    demo_id: str
    instrument: str
    answers: dict[str, Any]
    path: str
    frame_row: int | None  # index into demo_frame() for invited respondents


def demo_responses(versions: Mapping[str, InstrumentVersion] | None = None,
                   seed: int = DEMO_SEED) -> list[_DemoResponse]:
    """The 52 demo responses (answers, path, frame row), deterministic for a seed.

    Examples
    --------
    >>> responses = demo_responses()
    >>> len(responses), responses[0].demo_id, responses[-1].demo_id
    (52, 'LG01', 'R17')
    """
    if versions is None:
        catalogue = Catalogue.default()
        versions = {ref: catalogue.load(ref) for ref in (_LG, _RESEARCHER)}
    rng = random.Random(seed)  # noqa: S311 - a repeatable demo, not a secret
    # Partner names draw on their own stream, so the other answers stay as they were.
    partner_rng = random.Random(seed + 1)  # noqa: S311 - a repeatable demo
    rankings = pd.read_csv(_data_file("demo_rankings.csv"), dtype={"respondent_id": str,
                           "instrument": str, "data_status": str}, encoding="utf-8-sig")
    challenges = pd.read_csv(_data_file("demo_challenges.csv"), dtype=str,
                             keep_default_na=False, encoding="utf-8"
                             ).set_index("response_id")["challenges"]
    frame = demo_frame(seed)
    by_nation = {n: [i for i in frame.index[frame["nation"] == n]] for n in FRAME_BY_NATION}
    for rows in by_nation.values():
        rng.shuffle(rows)
    out: list[_DemoResponse] = []
    for ref, prefix in ((_LG, "LG"), (_RESEARCHER, "R")):
        iv = versions[ref]
        name = iv.instrument
        options = iv.question(_QUESTION).option_codes  # type: ignore[union-attr]
        rows = rankings[rankings["instrument"] == name].reset_index(drop=True)
        nations = [n for n, k in _allocate(len(rows), FRAME_BY_NATION).items()
                   for _ in range(k)]
        rng.shuffle(nations)
        for i, row in rows.iterrows():
            demo_id = f"{prefix}{int(str(i)) + 1:02d}"
            nation = nations[int(str(i))]
            frame_row: int | None = None
            if name == "local_government":
                frame_row = by_nation[nation].pop()
                contact = frame.loc[frame_row]
                organisation = str(contact["organisation"])
                org_type = str(contact["organisation_type"])
                region = str(contact["region"])
            else:
                organisation = f"Synthetic university {int(str(i)) + 1:02d} (demo)"
                org_type = rng.choice(_RESEARCHER_TYPES)
                region = rng.choice(_ENGLISH_REGIONS) if nation == "england" else ""
            partnership = rng.random() < _PARTNERSHIP_SHARE[name]
            path = "partnership" if partnership else "no_partnership"
            answers: dict[str, Any] = {
                "consent": True, "organisation": organisation, "organisation_type": org_type,
                "role": "synthetic demo respondent", "nation": nation,
            }
            if nation == "england":
                answers["region"] = region
            answers["in_partnership"] = "yes" if partnership else "no"
            _fill_choices(iv, answers, rng)
            if partnership:
                answers.update(_partner_answers(iv, name, region or nation, partner_rng))
            answers[_QUESTION] = {o: int(row[o]) for o in options}
            text = str(challenges.get(demo_id, ""))
            if text.strip():
                answers["challenges" if partnership else "challenges_no_partnership"] = text
            out.append(_DemoResponse(demo_id, name, answers, path, frame_row))
    return out


def _is_empty(store: Store) -> bool:
    with store.session() as session:
        return not any(session.execute(select(func.count()).select_from(table)).scalar_one()
                       for table in data_tables())


def _holds_only_demo(store: Store) -> bool:
    """True when every response in the store is a demo response (a re-run of the demo)."""
    with store.session() as session:
        sources = session.execute(select(Response.source_file).distinct()).scalars().all()
    return bool(sources) and all((s or "").startswith(DEMO_PREFIX) for s in sources)


def _clear(store: Store) -> None:
    with store.write() as session:
        for table in reversed(data_tables()):
            session.execute(table.delete())


def load_demo(url: str | None = None, *, reset: bool = False,
              seed: int = DEMO_SEED) -> DemoSummary:
    """Create (or with ``reset``, empty) the store at ``url`` and load the demo into it.

    A new database is migrated first. A store holding only an earlier demo is
    emptied and loaded again, so the command can be re-run; a store holding
    anything else is refused (``S151``) unless ``reset`` is true, which deletes
    every row first.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> url = "sqlite:///" + str(pathlib.Path(tempfile.mkdtemp()) / "demo.db")
    >>> summary = load_demo(url)
    >>> summary.responses, summary.frame
    ({'local_government': 35, 'researcher': 17}, 256)
    """
    catalogue = Catalogue.default()
    versions = {ref: catalogue.load(ref) for ref in SHIPPED_VERSIONS}
    responses = demo_responses(versions, seed)
    with Store.open_or_create(url) as store:
        if not _is_empty(store):
            if not (reset or _holds_only_demo(store)):
                raise LandscapeError.of(
                    "S151", f"{store.url} already holds data; the demo is loaded only into "
                    "an empty store")
            _clear(store)
        for iv in versions.values():
            record_instrument(store, iv)
        frame = demo_frame(seed)
        with tempfile.TemporaryDirectory() as tmp:
            frame_csv = Path(tmp) / "demo_frame.csv"
            with frame_csv.open("w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(frame.columns)
                writer.writerows(frame.itertuples(index=False))
            import_frame(store, frame_csv, instrument="local_government")
        lg = versions[_LG]
        issue_invitations(store, lg, resolve("base_url"))
        # The researcher survey is fielded by open link (no frame), switched on explicitly.
        open_link(store, versions[_RESEARCHER], resolve("base_url"))
        with store.session() as session:
            respondent_of = dict(session.execute(
                select(Contact.email, Contact.respondent_id)).all())
        counts: dict[str, int] = {}
        for ref in (_LG, _RESEARCHER):
            iv = versions[ref]
            rows = []
            for number, r in enumerate(responses, start=1):
                if r.instrument != iv.instrument:
                    continue
                respondent = (respondent_of[str(frame.loc[r.frame_row, "email"])]
                              if r.frame_row is not None else None)
                rows.append(ResponseRow(answers=r.answers, source_row=number, path=r.path,
                                        respondent_id=respondent,
                                        idempotency_key=f"demo:{r.demo_id}"))
            save_responses(store, iv, rows, DEMO_SOURCE_FILE)
            counts[iv.instrument] = len(rows)
        # A completed response has used its invitation's single-use link.
        with store.write() as session:
            done = select(Response.respondent_id).where(Response.respondent_id.is_not(None),
                                                        Response.state == "complete")
            session.execute(update(Invitation).where(Invitation.respondent_id.in_(done))
                            .values(used_at=func.now()))
            invited = session.execute(select(func.count()).select_from(Invitation)
                                      ).scalar_one()
            nations = dict(session.execute(select(Respondent.nation, func.count())
                                           .group_by(Respondent.nation)).all())
        landscape = load_landscape_demo(store)
        return DemoSummary(store_url=store.url, label=DEMO_LABEL,
                           instruments=tuple(versions), frame=len(frame),
                           frame_by_nation={n: int(nations.get(n, 0)) for n in FRAME_BY_NATION},
                           invited=int(invited), responses=counts,
                           organisations=landscape[0], partnerships=landscape[1],
                           partner_names=landscape[2], queued=landscape[3])


def load_landscape_demo(store: Store) -> tuple[int, int, int, int]:
    """Store the registry and the 2022 landscape, then resolve the partners the stored
    answers name (synthetic partnerships, labelled so) into the same landscape.

    Returns (organisations, partnerships, partner names resolved, names waiting for review).
    """
    # Imported here: the landscape loader reads the registries and the barrier codebook,
    # which only the demo (not every caller of this module) needs.
    from survey.coding.codebook import load_codebook
    from survey.landscape.dataset import load_dataset
    from survey.store.codings import codings_frame
    from survey.store.landscape import load_landscape, pending_reviews, save_landscape
    from survey.store.partners import import_partner_answers

    labels = {t.code: t.label for t in load_codebook().themes}
    save_landscape(store, load_dataset(barrier_labels=labels))
    coded = codings_frame(store)
    applied = coded[coded["applied"]] if not coded.empty else coded
    barriers = {str(rid): tuple(str(t) for t in group["theme"])
                for rid, group in applied.groupby("response_id")} if not applied.empty else {}
    result = import_partner_answers(store, barriers=barriers)
    data = load_landscape(store)
    names = result.linked + result.queued + result.new
    return (len(data.organisations), len(data.partnerships), names,
            len(pending_reviews(store)))
