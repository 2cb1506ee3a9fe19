"""Coding stored free-text answers: rule codings, people's overrides and theme shares.

The ``codings`` table (migration 0003) holds two kinds of row:

``source = 'rule'``
    What the codebook's rules found, written by :func:`code_responses` (one row
    per response and theme the rules apply; ``coder`` and ``codebook`` name the
    codebook version, ``note`` the rules that matched). A record of the last
    coding run, replaced by the next one.
``source = 'manual'``
    A person's override (:func:`add_override`): the theme does (``applied``) or
    does not apply, with who, when (UTC) and why. Never replaced; the latest
    decision on a response and theme wins.

:func:`codings_frame` always codes the *current* stored answers with the
codebook's rules and then applies every override
(:func:`survey.coding.apply_overrides`), so new responses are coded without a
separate step. The coded responses are the complete responses to instrument
versions that ask one of the coded questions (``challenges`` on the partnership
path, ``challenges_no_partnership`` on the other); a response answers at most
one of them, and one that leaves it blank counts as not answering. Shares are of
respondents who answered (:func:`survey.coding.theme_shares`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import delete, insert, or_, select

from survey.coding.codebook import Codebook, load_codebook
from survey.coding.quotes import Redactor
from survey.coding.rules import CodingOverride, apply_overrides, code_answers
from survey.coding.shares import theme_shares
from survey.errors import LandscapeError
from survey.store.analysis import GROUP_FIELDS, response_attributes
from survey.store.engine import Store
from survey.store.instruments import load_recorded_instrument
from survey.store.models import (
    Answer,
    Coding,
    Contact,
    LandscapeAlias,
    LandscapeOrganisation,
    Response,
)

__all__ = [
    "QUESTION_CODES",
    "add_override",
    "barrier_quotes",
    "barrier_shares",
    "code_responses",
    "codings_frame",
    "groups_of",
    "list_overrides",
    "resolve_response",
    "rule_codings_for_coders",
    "stored_answers",
]

#: The free-text questions on challenges to collaboration, one per path.
QUESTION_CODES: tuple[str, ...] = ("challenges", "challenges_no_partnership")
#: A response's own answers naming organisations, withheld from its quote.
NAMING_QUESTIONS: tuple[str, ...] = ("organisation", "partner_organisation_1",
                                     "partner_organisation_2", "partner_organisation_3")


def _now() -> datetime:
    return datetime.now(UTC)


def _codebook(codebook: Codebook | None) -> Codebook:
    if codebook is not None:
        return codebook
    return load_codebook()


def stored_answers(store: Store, question_codes: Sequence[str] = QUESTION_CODES
                   ) -> pd.DataFrame:
    """The text each coded response gave: ``response_id, question_code, text`` plus
    the response's grouping fields and ``key``.

    One row per complete response to a version asking any of ``question_codes``;
    ``text`` is ``""`` (and ``question_code`` the first code its version asks) when
    the response left the question blank.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> len(stored_answers(store))
    0
    """
    attrs = response_attributes(store)
    asks: dict[tuple[str, str], str | None] = {}
    for name, version in {(str(i), str(v)) for i, v in zip(attrs["instrument"],
                                                            attrs["version"], strict=True)}:
        iv = load_recorded_instrument(store, name, version)
        asks[(name, version)] = next((c for c in question_codes if iv.question(c) is not None),
                                     None)
    first = [asks[(str(i), str(v))] for i, v in zip(attrs["instrument"], attrs["version"],
                                                     strict=True)]
    attrs = attrs.assign(question_code=first)
    attrs = attrs[attrs["question_code"].notna()]
    query = (select(Answer.response_id, Answer.question_code, Answer.value)
             .join(Response, Response.id == Answer.response_id)
             .where(Answer.question_code.in_(list(question_codes)),
                    Response.state == "complete"))
    with store.session() as session:
        given = session.execute(query).all()
    text = pd.Series("", index=attrs.index, dtype=object)
    question = attrs["question_code"].copy()
    for rid, code, value in given:
        if rid in text.index:
            parsed = json.loads(value)
            if isinstance(parsed, str) and parsed.strip():
                text[rid] = parsed
                question[rid] = code
    out = attrs.drop(columns=["question_code", "source_file"]).assign(
        question_code=question, text=text)
    out = out.sort_values(["instrument", "key"], na_position="last", kind="stable")
    return out.reset_index()[["response_id", "question_code", "text", *GROUP_FIELDS, "key"]]


def _rule_coding(store: Store, codebook: Codebook, question_codes: Sequence[str]
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    answers = stored_answers(store, question_codes)
    coded = code_answers(answers, codebook, id_column="response_id", text_column="text")
    extra = answers.set_index("response_id")
    coded["question_code"] = coded["response_id"].map(extra["question_code"])
    coded["key"] = coded["response_id"].map(extra["key"])
    return coded, answers


def rule_codings_for_coders(store: Store, codebook: Codebook | None = None,
                            question_codes: Sequence[str] = QUESTION_CODES) -> pd.DataFrame:
    """The rules' coding of every answered response, with empty columns for a coder.

    Columns: ``response_id, key, instrument, answer``, then ``rule_THEME``
    (1/0) and an empty ``THEME`` per theme of the codebook, in its order. Rules
    only: overrides are not applied (a coder codes beside the rules).

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> rule_codings_for_coders(store).empty
    True
    """
    book = _codebook(codebook)
    coded, answers = _rule_coding(store, book, question_codes)
    themes = [t.code for t in book.themes]
    columns = ["response_id", "key", "instrument", "answer",
               *(f"rule_{t}" for t in themes), *themes]
    if coded.empty:
        return pd.DataFrame(columns=columns)
    answered = coded[coded["answered"]]
    wide = (answered.pivot_table(index="response_id", columns="theme", values="applied",
                                 aggfunc="max", sort=False)
            .reindex(columns=themes).fillna(False).astype(int))
    info = answers.set_index("response_id").loc[wide.index]
    out = pd.DataFrame({"response_id": wide.index, "key": info["key"].to_numpy(),
                        "instrument": info["instrument"].to_numpy(),
                        "answer": info["text"].to_numpy()})
    for t in themes:
        out[f"rule_{t}"] = wide[t].to_numpy()
    for t in themes:
        out[t] = ""
    return out[columns]


def code_responses(store: Store, codebook: Codebook | None = None,
                   question_codes: Sequence[str] = QUESTION_CODES) -> pd.DataFrame:
    """Code every stored answer with the codebook's rules and record the rule codings.

    Earlier rule codings of these questions are replaced (overrides are kept).

    Returns
    -------
    DataFrame
        The coded frame (:data:`survey.coding.CODED_COLUMNS`, plus
        ``question_code`` and ``key``), without overrides.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> len(code_responses(store))
    0
    """
    book = _codebook(codebook)
    coded, _ = _rule_coding(store, book, question_codes)
    now = datetime.now(UTC)
    rows = [{"response_id": r.response_id, "question_code": r.question_code, "theme": r.theme,
             "applied": True, "source": "rule", "coder": f"rules {book.ref}", "coded_at": now,
             "note": r.matched_rules or None, "codebook": book.ref}
            for r in coded[coded["applied"]].itertuples(index=False)]
    with store.write() as session:
        session.execute(delete(Coding).where(Coding.source == "rule",
                                             Coding.question_code.in_(list(question_codes))))
        if rows:
            session.execute(insert(Coding), rows)
    return coded


def resolve_response(store: Store, reference: str) -> str:
    """The response id for ``reference``: a response id or an idempotency key
    (the demo's are ``demo:LG01`` ... ``demo:R17``). ``C151`` if neither.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> resolve_response(store, "demo:LG01")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    survey.errors.LandscapeError: error C151 unknown response: no response has the id ...
      fix: ...
    """
    with store.session() as session:
        found = session.execute(select(Response.id).where(or_(
            Response.id == reference, Response.idempotency_key == reference))).scalars().all()
    if len(found) != 1:
        raise LandscapeError.of("C151", f"no response has the id or key '{reference}'")
    return str(found[0])


def add_override(store: Store, response_id: str, theme: str, applied: bool, coder: str,
                 note: str = "", *, codebook: Codebook | None = None,
                 question_codes: Sequence[str] = QUESTION_CODES) -> CodingOverride:
    """Record a person's decision that ``theme`` does (or does not) apply to a response.

    ``response_id`` may also be the response's idempotency key (``demo:LG01``).
    The time is now, in UTC.

    Raises
    ------
    LandscapeError
        ``C151`` unknown response; ``C111`` theme not in the codebook; ``C112``
        applying a theme to a response that did not answer; ``C115`` no coder.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> add_override(store, "nope", "staff_turnover", True, "jo")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    survey.errors.LandscapeError: error C151 unknown response: no response has the id or key 'nope'
      fix: ...
    """
    book = _codebook(codebook)
    rid = resolve_response(store, response_id)
    if theme not in book.codes:
        raise LandscapeError.of("C111", f"'{theme}' is not a theme of {book.ref}; themes: "
                                + ", ".join(book.codes))
    override = CodingOverride(rid, theme, applied, coder.strip() if isinstance(coder, str)
                              else coder, _now(), note or "")
    answers = stored_answers(store, question_codes).set_index("response_id")
    if rid not in answers.index:
        raise LandscapeError.of("C112", f"response '{response_id}' is not a complete response "
                                f"to a version asking {' or '.join(question_codes)}")
    answered = bool(str(answers.loc[rid, "text"]).strip())
    if applied and not answered:
        raise LandscapeError.of("C112", f"response '{response_id}' left "
                                f"{answers.loc[rid, 'question_code']} blank: a theme cannot "
                                "apply to no answer")
    with store.write() as session:
        session.add(Coding(response_id=rid, question_code=str(answers.loc[rid, "question_code"]),
                           theme=theme, applied=applied, source="manual",
                           coder=override.coder, coded_at=override.at,
                           note=override.note or None, codebook=book.ref))
    return override


def list_overrides(store: Store) -> list[CodingOverride]:
    """Every stored override, oldest first.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> list_overrides(store)
    []
    """
    with store.session() as session:
        rows = session.execute(select(Coding).where(Coding.source == "manual")
                               .order_by(Coding.coded_at, Coding.id)).scalars().all()
    out = []
    for row in rows:
        at = row.coded_at if row.coded_at.tzinfo else row.coded_at.replace(tzinfo=UTC)
        out.append(CodingOverride(row.response_id, row.theme, bool(row.applied), row.coder,
                                  at, row.note or ""))
    return out


def codings_frame(store: Store, codebook: Codebook | None = None,
                  question_codes: Sequence[str] = QUESTION_CODES) -> pd.DataFrame:
    """The current coding: rules on the stored answers, then every override applied.

    Columns: :data:`survey.coding.CODED_COLUMNS` plus ``question_code`` and ``key``.
    Overrides of responses no longer complete are left out.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> codings_frame(store).empty
    True
    """
    coded, _ = _rule_coding(store, _codebook(codebook), question_codes)
    present = set(coded["response_id"])
    overrides = [o for o in list_overrides(store) if o.response_id in present]
    return apply_overrides(coded, overrides) if overrides else coded


def groups_of(store: Store, by: str | None, *, check_only: bool = False
              ) -> dict[str, str] | None:
    """Response id -> its group under ``by`` (a missing value is ``(missing)``); None for
    ``by=None`` (everyone in one group). Raises ``A171`` for a field not in
    :data:`~survey.store.analysis.GROUP_FIELDS`; ``check_only`` only checks ``by``.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> groups_of(store, "nation"), groups_of(store, None)
    ({}, None)
    """
    if by is not None and by not in GROUP_FIELDS:
        raise LandscapeError.of("A171", f"cannot group by '{by}'; fields are "
                                f"{', '.join(GROUP_FIELDS)}")
    if by is None or check_only:
        return None
    attrs = response_attributes(store)
    return {str(rid): ("(missing)" if value is None or pd.isna(value) else str(value))
            for rid, value in attrs[by].items()}


def barrier_shares(store: Store, by: str | None = "instrument",
                   codebook: Codebook | None = None,
                   question_codes: Sequence[str] = QUESTION_CODES) -> pd.DataFrame:
    """Share of answering respondents mentioning each theme, per group, with Wilson 95% CIs.

    ``by`` is one of :data:`survey.store.analysis.GROUP_FIELDS` or None (one group,
    ``all``). Columns as :func:`survey.coding.theme_shares` plus ``label``.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> barrier_shares(store).empty
    True
    """
    groups_of(store, by, check_only=True)
    book = _codebook(codebook)
    coded = codings_frame(store, book, question_codes)
    columns = ["group", "theme", "label", "count", "answered", "respondents", "share",
               "ci_low", "ci_high", "small_n"]
    if coded.empty:
        return pd.DataFrame(columns=columns)
    shares = theme_shares(coded, groups_of(store, by))
    labels = {t.code: t.label for t in book.themes}
    shares.insert(2, "label", shares["theme"].map(labels))
    return shares.sort_values(["group"], kind="stable").reset_index(drop=True)[columns]


def _known_names(store: Store) -> list[str]:
    """Every organisation name and alias the landscape (store and registries) holds."""
    with store.session() as session:
        names = list(session.execute(select(LandscapeOrganisation.name)).scalars())
        names += list(session.execute(select(LandscapeAlias.text)).scalars())
    return names


def _own_names(store: Store, response_ids: Sequence[str]) -> dict[str, list[str]]:
    """Per response, the names it gave itself (its organisation, partners) and its contact's
    (the person's name, each part of it, and their organisation), to withhold from its quote."""
    out: dict[str, list[str]] = {rid: [] for rid in response_ids}
    with store.session() as session:
        for rid, value in session.execute(
                select(Answer.response_id, Answer.value)
                .where(Answer.question_code.in_(NAMING_QUESTIONS))):
            parsed = json.loads(value)
            if rid in out and isinstance(parsed, str):
                out[rid].append(parsed)
        for rid, name, organisation in session.execute(
                select(Response.id, Contact.name, Contact.organisation)
                .join(Contact, Contact.respondent_id == Response.respondent_id)):
            if rid in out:
                # The person's whole name and each part of it ("Jo Bloggs", "Bloggs").
                out[rid] += [name, organisation, *str(name or "").split()]
    return out


def barrier_quotes(store: Store, codebook: Codebook | None = None,
                   question_codes: Sequence[str] = QUESTION_CODES) -> pd.DataFrame:
    """The answers on challenges as quotes, with identifying details withheld.

    One row per response that answered: ``group`` (its instrument, e.g.
    ``local_government``), ``themes`` (the theme codes its coding applies, rules
    with overrides, in codebook order) and ``text``, the answer through
    :class:`survey.coding.Redactor` with every organisation name and alias in the
    landscape and the response's own organisation, partners and contact withheld.
    Nothing else about the response (no id, key, place or type) is returned.
    Rows are in a stable order that is not the order of the responses' keys.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> list(barrier_quotes(store).columns)
    ['group', 'themes', 'text']
    """
    book = _codebook(codebook)
    answers = stored_answers(store, question_codes)
    answers = answers[answers["text"].str.strip() != ""]
    if answers.empty:
        return pd.DataFrame(columns=["group", "themes", "text"])
    coded = codings_frame(store, book, question_codes)
    applied = coded[coded["applied"]]
    themes = {rid: list(rows["theme"]) for rid, rows in applied.groupby("response_id",
                                                                         sort=False)}
    redact = Redactor(_known_names(store))
    own = _own_names(store, list(answers["response_id"]))
    rows = [{"group": str(row.instrument), "themes": themes.get(row.response_id, []),
             "text": redact(str(row.text), own.get(row.response_id, ()))}
            for row in answers.itertuples()]
    # Ordered by text, not key: the order of keys would tie a quote to its respondent.
    return (pd.DataFrame(rows, columns=["group", "themes", "text"])
            .sort_values(["group", "text"], kind="stable").reset_index(drop=True))
