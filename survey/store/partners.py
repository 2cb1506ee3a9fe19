"""Survey answers that name partner organisations, resolved into the landscape.

Respondents on the partnership path name up to three partner organisations
(``partner_organisation_1..3``). :func:`import_partner_answers` resolves each typed name,
and the respondent's own organisation, with the one resolver
(:mod:`survey.landscape.resolver`) and records, per response, a partnership of the
respondent's organisation and its partners:

* a name the resolver links (exact, alias or automatic) joins that organisation, and the
  typed text is kept as its alias, with the response as provenance;
* a name that needs review is queued (``landscape network review``) and joins the
  partnership only once a reviewer has decided (the decision is an alias, so the next
  import links it);
* a name below the review floor becomes a new, unresolved organisation (type ``unknown``;
  for the respondent's own organisation, the type, nation and region it gave).

Every record made here has provenance ``survey_response`` (``synthetic`` for the demo's
answers), reference ``response <id>``; the partnership kind is the respondent's answer
to ``formality``, its themes the answer to ``themes`` where the landscape defines them.
Re-running is safe: a response's partnership is replaced, aliases are not repeated.
Coded barriers of the response's challenge text (when given) are linked to the response
(``answer_barrier``) and to its partnership.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace

from sqlalchemy import delete, insert, select

from survey.landscape.names import slug
from survey.landscape.records import (
    ORGANISATION_TYPES,
    PARTNERSHIP_KINDS,
    Alias,
    Organisation,
    Partnership,
    Provenance,
)
from survey.landscape.resolver import Resolution, Resolver
from survey.store.analysis import DEMO_PREFIX
from survey.store.engine import Store
from survey.store.landscape import (
    insert_alias,
    insert_organisations,
    insert_partnerships,
    load_landscape,
    queue_in,
)
from survey.store.models import Answer, LandscapeLink, LandscapePartnership, Response

__all__ = ["PARTNER_QUESTIONS", "PartnerImport", "import_partner_answers"]

#: The questions that name partner organisations.
PARTNER_QUESTIONS = ("partner_organisation_1", "partner_organisation_2",
                     "partner_organisation_3")
# Respondents' organisation_type answers that are not landscape type codes.
_TYPE_OF_ANSWER = {"local_enterprise_partnership": "lep", "research_institute":
                   "research_centre", "evidence_centre": "research_centre",
                   "think_tank": "research_centre"}
_PREFIX = "response-"


@dataclass(frozen=True, slots=True)
class PartnerImport:
    """What :func:`import_partner_answers` did."""

    responses: int
    partnerships: int
    linked: int
    queued: int
    new: int
    resolutions: tuple[tuple[str, str, Resolution], ...]  # (response id, question, result)


def _answers(store: Store) -> dict[str, tuple[bool, dict[str, object]]]:
    """response id -> (synthetic, answers) for complete responses naming a partner."""
    with store.session() as s:
        named = select(Answer.response_id).where(Answer.question_code.in_(PARTNER_QUESTIONS))
        rows = s.execute(select(Response.id, Response.source_file, Answer.question_code,
                                Answer.value).join(Answer, Answer.response_id == Response.id)
                         .where(Response.state == "complete", Response.id.in_(named))
                         .order_by(Response.id)).all()
    out: dict[str, tuple[bool, dict[str, object]]] = {}
    for rid, source, code, value in rows:
        synthetic = (source or "").startswith(DEMO_PREFIX)
        out.setdefault(rid, (synthetic, {}))[1][code] = json.loads(value)
    return out


def _demo_ids(store: Store) -> set[str]:
    with store.session() as s:
        return set(s.execute(select(Response.id).where(
            Response.source_file.startswith(DEMO_PREFIX))).scalars())


def _own_organisation(resolver: Resolver, answers: Mapping[str, object], text: str,
                      provenance: Provenance) -> tuple[Organisation | None, Resolution]:
    result = resolver.resolve(text)
    if result.outcome != "new":
        return None, result
    answered = str(answers.get("organisation_type") or "")
    kind = _TYPE_OF_ANSWER.get(answered, answered)
    nation = answers.get("nation")
    region = answers.get("region") or (nation if nation in ("wales", "scotland",
                                                            "northern_ireland") else None)
    org = Organisation(
        key=f"unresolved-{slug(text)}"[:120], name=text,
        type=kind if kind in ORGANISATION_TYPES else "unknown",
        nation=str(nation) if nation else None, region=str(region) if region else None,
        aliases=(Alias(text, provenance),), provenance=(provenance,), resolved=False,
        note="named by a survey respondent; matched no registry body closely enough")
    return org, result


def _unresolved(text: str, provenance: Provenance) -> Organisation:
    return Organisation(key=f"unresolved-{slug(text)}"[:120], name=text, type="unknown",
                        aliases=(Alias(text, provenance),), provenance=(provenance,),
                        resolved=False, note="named by a survey respondent as a partner; "
                        "matched no registry body closely enough")


def import_partner_answers(store: Store, resolver: Resolver | None = None,
                           barriers: Mapping[str, tuple[str, ...]] | None = None
                           ) -> PartnerImport:
    """Resolve every stored answer naming a partner and record the partnerships.

    Everything is written in one transaction.

    Parameters
    ----------
    resolver : Resolver, optional
        Default: a resolver over the stored landscape (its reviewer aliases included).
    barriers : mapping, optional
        Response id -> coded barrier codes of its challenge text, linked to the response
        and to its partnership; when given, they replace the stored answer-barrier links
        (when not, those links are kept).
    """
    landscape = load_landscape(store)
    resolver = resolver or Resolver(landscape.organisations)
    aliases = {(o.key, a.text) for o in landscape.organisations for a in o.aliases}
    known = {o.key for o in landscape.organisations}
    themes = {t.code for t in landscape.themes}
    barrier_codes = {b.code for b in landscape.barriers}
    new_orgs: list[Organisation] = []
    new_aliases: list[tuple[str, Alias]] = []
    reviews: list[tuple[str, str | None, float, Provenance]] = []
    partnerships: list[Partnership] = []
    outcomes: Counter[str] = Counter()
    results: list[tuple[str, str, Resolution]] = []
    answers_by_response = _answers(store)

    def organisation(org: Organisation, text: str) -> str:
        if org.key not in known:
            known.add(org.key)
            new_orgs.append(org)
            resolver.add(org.key, text, name=org.name)
        return org.key

    def partner(result: Resolution, text: str, provenance: Provenance) -> str | None:
        """The member a partner name adds (None while it waits for review)."""
        if result.linked and result.key:
            if (result.key, text) not in aliases:
                aliases.add((result.key, text))
                new_aliases.append((result.key, Alias(text, replace(
                    provenance, detail=f"{provenance.detail}; {result.reason}"))))
                resolver.add(result.key, text)
            return result.key
        if result.outcome == "review":
            reviews.append((text, result.key, result.score, provenance))
            return None
        return organisation(_unresolved(text, provenance), text)

    for rid, (synthetic, answers) in answers_by_response.items():
        kind_of_source = "synthetic" if synthetic else "survey_response"
        label = " (synthetic demo answer)" if synthetic else ""
        members: list[str] = []
        own_text = str(answers.get("organisation") or "").strip()
        if own_text:
            own_provenance = Provenance(kind_of_source, f"response {rid}",
                                        f"answer to organisation{label}")
            own, result = _own_organisation(resolver, answers, own_text, own_provenance)
            results.append((rid, "organisation", result))
            if own is not None:
                members.append(organisation(own, own_text))
            elif result.linked and result.key:
                members.append(result.key)
        for question in PARTNER_QUESTIONS:
            text = str(answers.get(question) or "").strip()
            if not text:
                continue
            provenance = Provenance(kind_of_source, f"response {rid}",
                                    f"answer to {question}{label}")
            result = resolver.resolve(text)
            results.append((rid, question, result))
            outcomes[result.outcome if result.outcome in ("review", "new") else "linked"] += 1
            member = partner(result, text, provenance)
            if member:
                members.append(member)
        members = list(dict.fromkeys(members))
        coded = tuple(c for c in (barriers or {}).get(rid, ()) if c in barrier_codes)
        if len(members) >= 2:
            partnerships.append(_partnership(rid, answers, tuple(members), coded, themes,
                                             kind_of_source, label))
    _write(store, barriers, barrier_codes, new_orgs, new_aliases, reviews, partnerships,
           [f"{_PREFIX}{rid}" for rid in answers_by_response])
    return PartnerImport(len(answers_by_response), len(partnerships), outcomes["linked"],
                         outcomes["review"], outcomes["new"], tuple(results))


def _partnership(rid: str, answers: Mapping[str, object], members: tuple[str, ...],
                 coded: tuple[str, ...], themes: set[str], kind_of_source: str,
                 label: str) -> Partnership:
    formality = str(answers.get("formality") or "")
    chosen = answers.get("themes")
    assumed = "" if formality in PARTNERSHIP_KINDS else " (not answered: episodic assumed)"
    return Partnership(
        key=f"{_PREFIX}{rid}", name=f"Partnership reported in response {rid}{label}",
        kind=formality if formality in PARTNERSHIP_KINDS else "episodic", members=members,
        themes=tuple(t for t in (chosen if isinstance(chosen, list) else []) if t in themes),
        barriers=coded,
        provenance=(Provenance(kind_of_source, f"response {rid}",
                               f"partners named in the survey{label}; kind from "
                               f"'formality'{assumed}"),))


def _write(store: Store, barriers: Mapping[str, tuple[str, ...]] | None,
           barrier_codes: set[str], new_orgs: list[Organisation],
           new_aliases: list[tuple[str, Alias]],
           reviews: list[tuple[str, str | None, float, Provenance]],
           partnerships: list[Partnership], response_keys: list[str]) -> None:
    """Write one import in one transaction."""
    answer_links: list[dict[str, object]] = []
    # Every coded answer, whether or not it names a partner (the co-occurrence network).
    synthetic_ids = _demo_ids(store)
    for rid, codes in sorted((barriers or {}).items()):
        kind = "synthetic" if rid in synthetic_ids else "survey_response"
        answer_links += [{"relation": "answer_barrier", "subject": rid, "target": code,
                          "position": i, "kind": kind, "reference": f"response {rid}",
                          "detail": "coded challenge text"}
                         for i, code in enumerate(c for c in dict.fromkeys(codes)
                                                  if c in barrier_codes)]
    with store.write() as s:
        insert_organisations(s, new_orgs)
        for key, alias in new_aliases:
            insert_alias(s, key, alias)
        for review in reviews:
            queue_in(s, *review)
        # A response's earlier partnership (and coded links) are replaced.
        keys = [p.key for p in partnerships] + response_keys
        s.execute(delete(LandscapePartnership).where(LandscapePartnership.key.in_(keys)))
        s.execute(delete(LandscapeLink).where(LandscapeLink.subject.in_(keys)))
        if barriers is not None:  # given: they replace the coded answers' links
            s.execute(delete(LandscapeLink).where(LandscapeLink.relation == "answer_barrier"))
        insert_partnerships(s, partnerships)
        if answer_links:
            s.execute(insert(LandscapeLink), answer_links)
