"""The respondent web form: server-rendered HTML on the explorer's Flask server.

A plain HTML form, so it works by keyboard, with screen readers and without
JavaScript, with real POST / redirect / GET semantics:

``/respond/<token>``
    An invitation link (``survey.store.LINK_PATH``). Unknown tokens get a 404
    page, links whose response is complete a 410 page.
``/open/<instrument>/<version>``
    The open link (``survey.store.OPEN_LINK_PATH``, no frame), for instrument
    versions recorded in the store that no invitation points to (in 2022 the
    researcher version went out through newsletters).

The questionnaire is shown a page at a time: one page per section, and a new
page wherever a question's condition refers to a question on the page so far,
so the server always knows which questions to show (no JavaScript needed).
Every page is saved as an ``in_progress`` response, answers to questions the
skip logic hides are discarded, and every answer is validated on the server by
:func:`survey.store.validate_answers`, with the message beside the question and
an error summary at the top (the GOV.UK design system pattern).

Labels, hints, answers and organisation names are attacker input: the templates
are Jinja2 with autoescaping on, and nothing is marked safe. Form pages carry a
restrictive Content-Security-Policy (no scripts at all) and a CSRF token that
must match a cookie (double submit). Each attempt carries a random response key
(``secrets``) used as the store's idempotency key, so submitting the same
answers twice never makes two responses, and different answers for a completed
response are refused (``S107``).
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import (
    Blueprint,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from survey.answers import Problem, check_answers, describe
from survey.errors import LandscapeError
from survey.instrument.logic import evaluate, is_shown, parse_expression, references
from survey.instrument.model import InstrumentVersion, Question, QuestionType, Text
from survey.instrument.places import places_for
from survey.store import (
    Store,
    find_invitation,
    load_recorded_instrument,
    save_response,
)
from survey.store.models import Answer, InstrumentVersionRow, Invitation
from survey.store.models import Response as ResponseRow

__all__ = ["FORM_CSP", "FormPage", "answer_fields", "form_blueprint", "form_pages"]

#: The Content-Security-Policy of every form page: no scripts, our own stylesheet only.
FORM_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'")

_CSRF_COOKIE = "landscape_form_csrf"
_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,128}$")
_NUMBER_PATTERN = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")
_EXTENSION = "landscape"

# Interface texts. The Welsh should be checked by a Welsh speaker before fieldwork.
_UI: dict[str, dict[str, str]] = {
    "en": {
        "continue": "Continue", "submit": "Submit my answers",
        "save": "Save and continue later", "back": "Back",
        "problem": "There is a problem", "error_prefix": "Error:",
        "optional": "(optional)", "other": "Other", "specify": "Please specify",
        "no_position": "Not ranked", "position": "Position",
        "rank_help": "Choose a position for each option from the list next to it: "
                     "1 is the most important.",
        "rank_help_top": "Choose positions 1 to {k} for your top {k} options and leave "
                         "the rest as 'Not ranked'.",
        "number": "Enter a number, like 12", "whole_number": "Enter a whole number, like 12",
        "choose_listed": "Choose one of the options listed",
        "done_title": "Your answers have been submitted",
        "done_body": "Thank you for taking part. You can now close this page.",
        "saved_title": "Your answers have been saved",
        "saved_invited": "To carry on, open the link in your invitation email again. "
                         "Your answers will be there.",
        "saved_open": "To carry on later, bookmark this page or copy this link. Anyone "
                      "with the link can see your answers, so keep it private:",
        "resume": "Carry on now",
        "used_title": "This link has already been used",
        "used_body": "A response has already been submitted with this link. Thank you for "
                     "taking part.",
        "unknown_title": "This link is not valid",
        "unknown_body": "Check that you copied the whole link from your email, or use the "
                        "most recent link we sent you. If it still does not work, contact "
                        "the survey team.",
        "not_open_title": "This survey is not open",
        "not_open_body": "There is no open survey at this address. Check the link, or "
                         "contact the survey team.",
        "expired_title": "Your page has expired",
        "expired_body": "For your security, the answers on that page were not saved. Go back "
                        "to the survey, reload the page and answer again.",
        "conflict_title": "Your response was already submitted",
        "conflict_body": "This survey was already completed with different answers, so "
                         "these answers were not saved. If you need to change your response, "
                         "contact the survey team.",
        "language": "Language", "page": "Page {n}", "survey": "Survey",
        "skip": "Skip to main content",
    },
    "cy": {
        "continue": "Parhau", "submit": "Cyflwyno fy atebion",
        "save": "Cadw a pharhau yn nes ymlaen", "back": "Yn ôl",
        "problem": "Mae problem wedi codi", "error_prefix": "Gwall:",
        "optional": "(dewisol)", "other": "Arall", "specify": "Nodwch",
        "no_position": "Heb ei drefnu", "position": "Safle",
        "rank_help": "Dewiswch safle ar gyfer pob opsiwn o'r rhestr nesaf ato: "
                     "1 yw'r pwysicaf.",
        "rank_help_top": "Dewiswch safleoedd 1 i {k} ar gyfer eich {k} prif opsiwn a "
                         "gadewch y gweddill fel 'Heb ei drefnu'.",
        "number": "Rhowch rif, fel 12", "whole_number": "Rhowch rif cyfan, fel 12",
        "choose_listed": "Dewiswch un o'r opsiynau a restrir",
        "done_title": "Mae eich atebion wedi'u cyflwyno",
        "done_body": "Diolch am gymryd rhan. Gallwch gau'r dudalen hon nawr.",
        "saved_title": "Mae eich atebion wedi'u cadw",
        "saved_invited": "I barhau, agorwch y ddolen yn eich e-bost gwahoddiad eto. Bydd "
                         "eich atebion yno.",
        "saved_open": "I barhau yn nes ymlaen, rhowch nod tudalen ar y dudalen hon neu "
                      "copïwch y ddolen hon. Gall unrhyw un sydd â'r ddolen weld eich "
                      "atebion, felly cadwch hi'n breifat:",
        "resume": "Parhau nawr",
        "used_title": "Mae'r ddolen hon eisoes wedi'i defnyddio",
        "used_body": "Mae ymateb eisoes wedi'i gyflwyno gyda'r ddolen hon. Diolch am gymryd "
                     "rhan.",
        "unknown_title": "Nid yw'r ddolen hon yn ddilys",
        "unknown_body": "Gwiriwch eich bod wedi copïo'r ddolen gyfan o'ch e-bost, neu "
                        "defnyddiwch y ddolen ddiweddaraf a anfonwyd atoch. Os nad yw'n "
                        "gweithio o hyd, cysylltwch â thîm yr arolwg.",
        "not_open_title": "Nid yw'r arolwg hwn ar agor",
        "not_open_body": "Nid oes arolwg agored yn y cyfeiriad hwn. Gwiriwch y ddolen, neu "
                         "cysylltwch â thîm yr arolwg.",
        "expired_title": "Mae eich tudalen wedi dod i ben",
        "expired_body": "Er eich diogelwch, ni chafodd yr atebion ar y dudalen honno eu "
                        "cadw. Ewch yn ôl i'r arolwg, ail-lwythwch y dudalen ac atebwch eto.",
        "conflict_title": "Roedd eich ymateb wedi'i gyflwyno eisoes",
        "conflict_body": "Roedd yr arolwg hwn wedi'i gwblhau eisoes gydag atebion gwahanol, "
                         "felly ni chafodd yr atebion hyn eu cadw. Os oes angen i chi newid "
                         "eich ymateb, cysylltwch â thîm yr arolwg.",
        "language": "Iaith", "page": "Tudalen {n}", "survey": "Arolwg",
        "skip": "Neidio i'r prif gynnwys",
    },
}
_LANGUAGE_NAMES = {"en": "English", "cy": "Cymraeg"}

# Readable, high-contrast, GOV.UK-like; served from our own origin so the CSP can
# forbid inline styles.
_CSS = """
*,*::before,*::after{box-sizing:border-box}
body{margin:0;font-family:Arial,Helvetica,sans-serif;font-size:19px;line-height:1.4;
color:#0b0c0c;background:#fff}
a{color:#1d70b8}a:visited{color:#4c2c92}
a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #fd0;
outline-offset:0;box-shadow:0 0 0 4px #0b0c0c}
.skip{position:absolute;left:-9999px}.skip:focus{left:8px;top:8px;background:#fd0;padding:4px}
header{background:#0b0c0c;color:#fff;padding:12px 16px;display:flex;
justify-content:space-between;flex-wrap:wrap;gap:8px}
header a{color:#fff}
.demo{background:#fff7bf;border-bottom:4px solid #f47738;padding:8px 16px;font-weight:bold}
main{max-width:42em;margin:0 auto;padding:16px 16px 48px}
h1{font-size:32px;margin:16px 0 24px}.caption{color:#505a5f;margin:16px 0 0;font-size:19px}
fieldset{margin:0;padding:0;border:0}
.question{margin:0 0 32px}
.question legend,.question>label,.label{font-weight:bold;display:block;margin-bottom:8px;
padding:0}
.hint{color:#505a5f;margin:0 0 12px}
.error .hint{margin-bottom:8px}
.question.error{border-left:5px solid #d4351c;padding-left:15px}
.error-message{color:#d4351c;font-weight:bold;margin:0 0 12px}
.visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;
clip:rect(0 0 0 0)}
.choice{display:flex;align-items:flex-start;gap:10px;margin:0 0 10px}
.choice input{width:28px;height:28px;margin:0;flex:none}
input[type=text],textarea,select{font:inherit;border:2px solid #0b0c0c;padding:5px;
max-width:100%}
input[type=text]{width:100%}textarea{width:100%;min-height:6em}
.error input[type=text],.error textarea,.error select{border-color:#d4351c}
.rank-row{display:grid;grid-template-columns:1fr auto;gap:12px;align-items:center;
padding:8px 0;border-bottom:1px solid #b1b4b6}
.other{margin:4px 0 12px 38px}
.error-summary{border:5px solid #d4351c;padding:16px;margin-bottom:32px}
.error-summary h2{margin-top:0}
.error-summary a{color:#d4351c;font-weight:bold}
.buttons{display:flex;gap:16px;flex-wrap:wrap;margin-top:24px}
button{font:inherit;border:0;padding:10px 14px;cursor:pointer;
box-shadow:0 2px 0 #002d18;background:#00703c;color:#fff}
button.secondary{background:#f3f2f1;color:#0b0c0c;box-shadow:0 2px 0 #929191}
.panel{background:#00703c;color:#fff;padding:24px;margin:24px 0}
.panel h1{margin:0}
.resume{word-break:break-all}
"""

# -- pages of the questionnaire ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class FormPage:
    """One page of the form: consecutive questions of one section."""

    index: int
    section: str | None
    questions: tuple[Question, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(q.code for q in self.questions)


_PAGES: dict[tuple[str, str, str], tuple[FormPage, ...]] = {}


def _condition_refs(iv: InstrumentVersion, q: Question) -> set[str]:
    refs: set[str] = set()
    if q.relevant:
        refs |= references(parse_expression(q.relevant))
    if q.path is not None:
        path = iv.path(q.path)
        if path is not None:
            refs |= references(parse_expression(path.when))
    return refs


def form_pages(iv: InstrumentVersion) -> tuple[FormPage, ...]:
    """Split ``iv`` into form pages.

    A new page starts at each new section, and before any question whose
    condition refers to a question already on the page: so whether a question is
    shown is always decided by answers the server already has.

    Examples
    --------
    >>> from survey.instrument import parse_instrument_text
    >>> iv = parse_instrument_text('''
    ... instrument: demo
    ... version: 1.0.0
    ... title: Demo
    ... questions:
    ...   - {code: a, type: number, label: A, section: One}
    ...   - {code: b, type: number, label: B, section: One, relevant: "a > 1"}
    ...   - {code: c, type: number, label: C, section: Two}
    ... ''')
    >>> [p.codes for p in form_pages(iv)]
    [('a',), ('b',), ('c',)]
    """
    cache_key = (iv.instrument, str(iv.version), iv.content_hash)
    cached = _PAGES.get(cache_key)
    if cached is not None:
        return cached
    pages: list[FormPage] = []
    current: list[Question] = []
    for q in iv.questions:
        on_page = {c.code for c in current}
        if current and (q.section != current[0].section or _condition_refs(iv, q) & on_page):
            pages.append(FormPage(len(pages), current[0].section, tuple(current)))
            current = []
        current.append(q)
    if current:
        pages.append(FormPage(len(pages), current[0].section, tuple(current)))
    _PAGES[cache_key] = result = tuple(pages)
    return result


# -- answers: form fields <-> answer values ---------------------------------------


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _other_chosen(value: Any) -> bool:
    return value == "other" or (isinstance(value, list) and "other" in value)


def _clean(iv: InstrumentVersion, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Only the answers to questions shown, given the answers kept before them."""
    kept: dict[str, Any] = {}
    for q in iv.questions:
        value = answers.get(q.code)
        if _is_empty(value) or not is_shown(iv, q, kept):
            continue
        kept[q.code] = value
        other = answers.get(f"{q.code}.other")
        if q.other and _other_chosen(value) and isinstance(other, str) and other:
            kept[f"{q.code}.other"] = other
    return kept


def _path_taken(iv: InstrumentVersion, answers: Mapping[str, Any]) -> str | None:
    return next((p.code for p in iv.paths if evaluate(p.when, answers)), None)


def answer_fields(iv: InstrumentVersion, answers: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The form fields (name, value) a browser sends for ``answers``.

    The inverse of what the form reads, for tests and the benchmark.

    Examples
    --------
    >>> from survey.instrument import parse_instrument_text
    >>> iv = parse_instrument_text('''
    ... instrument: demo
    ... version: 1.0.0
    ... title: Demo
    ... questions:
    ...   - {code: top, type: ranking, label: Rank,
    ...      options: [{code: a, label: A}, {code: b, label: B}]}
    ... ''')
    >>> answer_fields(iv, {"top": {"a": 2, "b": 1}})
    [('top:a', '2'), ('top:b', '1')]
    """
    fields: list[tuple[str, str]] = []
    for q in iv.questions:
        value = answers.get(q.code)
        if value is None:
            continue
        if q.type is QuestionType.RANKING:
            fields.extend((f"{q.code}:{o}", str(r)) for o, r in value.items())
        elif q.type is QuestionType.MULTIPLE_CHOICE:
            fields.extend((q.code, str(v)) for v in value)
        elif q.type is QuestionType.CONSENT:
            if value is True:
                fields.append((q.code, "true"))
        else:
            fields.append((q.code, str(value)))
        other = answers.get(f"{q.code}.other")
        if other is not None:
            fields.append((f"{q.code}.other", str(other)))
    return fields


def _raw_from_answer(q: Question, value: Any) -> Any:
    """What the form shows for a saved answer."""
    if value is None:
        return None
    if q.type is QuestionType.RANKING:
        return {str(o): str(r) for o, r in value.items()}
    if q.type is QuestionType.MULTIPLE_CHOICE:
        return [str(v) for v in value]
    if q.type is QuestionType.CONSENT:
        return bool(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(slots=True)
class _Parsed:
    value: Any = None
    raw: Any = None
    other: str | None = None
    error: str | None = None  # a key of _UI


def _parse(q: Question, form: MultiDict[str, str]) -> _Parsed:
    """Read one question's answer from the posted form (None when unanswered)."""
    t = q.type
    out = _Parsed()
    if t is QuestionType.RANKING:
        raw = {o: form.get(f"{q.code}:{o}", "").strip() for o in q.option_codes}
        out.raw = raw
        picks: dict[str, int] = {}
        for option, text in raw.items():
            if not text:
                continue
            if not text.isdigit():
                out.error = "choose_listed"
                return out
            picks[option] = int(text)
        out.value = picks or None
    elif t is QuestionType.MULTIPLE_CHOICE:
        chosen = [v for v in form.getlist(q.code) if v]
        order = [*q.option_codes, "other"]
        known = [c for c in order if c in chosen]
        out.raw = chosen
        out.value = (known + [c for c in dict.fromkeys(chosen) if c not in order]) or None
    elif t is QuestionType.CONSENT:
        ticked = form.get(q.code) == "true"
        out.raw = ticked
        out.value = True if ticked else (None if q.required else False)
    elif t in (QuestionType.FREE_TEXT, QuestionType.ORGANISATION):
        # Browsers send CRLF; count a line break once, as the maxlength attribute does.
        text = form.get(q.code, "").replace("\r\n", "\n")
        out.raw = text
        out.value = text.strip() or None
    else:
        text = form.get(q.code, "").strip()
        out.raw = text
        if not text:
            return out
        if t is QuestionType.NUMBER:
            plain = text.replace(",", "")
            if not _NUMBER_PATTERN.match(plain):
                out.error = "whole_number" if q.integer else "number"
                return out
            number = float(plain)
            if q.integer and not number.is_integer():
                out.error = "whole_number"
                return out
            out.value = int(number) if number.is_integer() else number
        elif t is QuestionType.RATING:
            if not text.lstrip("-").isdigit():
                out.error = "choose_listed"
                return out
            out.value = int(text)
        else:
            out.value = text
    if q.other and _other_chosen(out.value):
        out.other = form.get(f"{q.code}.other", "").strip() or None
    return out


# -- messages ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Label:
    """A text to show, and the language it is in (for the lang attribute)."""

    text: str
    lang: str
    #: The answer model's problem code, for a message about an answer's problem.
    problem: str | None = None


def _label(text: Text, lang: str) -> _Label:
    if lang in text.translations:
        return _Label(text.translations[lang].text, lang)
    return _Label(text.en, "en")


def _ui(lang: str, key: str, **values: Any) -> _Label:
    return _Label(_UI[lang][key].format(**values), lang)


# -- store access -----------------------------------------------------------------


@dataclass(slots=True)
class _Saved:
    response_id: str
    state: str
    key: str | None
    answers: dict[str, Any]


def _load_saved(store: Store, iv: InstrumentVersion, *, respondent_id: str | None = None,
                key: str | None = None) -> _Saved | None:
    """The response saved so far by a respondent (invitation) or under a key (open link)."""
    query = select(ResponseRow.id, ResponseRow.state, ResponseRow.idempotency_key).where(
        ResponseRow.instrument == iv.instrument, ResponseRow.version == str(iv.version))
    if respondent_id is not None:
        query = query.where(ResponseRow.respondent_id == respondent_id)
    elif key is not None:
        query = query.where(ResponseRow.idempotency_key == key)
    else:
        return None
    with store.session() as session:
        row = session.execute(query.order_by(ResponseRow.updated_at.desc())).first()
        if row is None:
            return None
        answers = {code: json.loads(value) for code, value in session.execute(
            select(Answer.question_code, Answer.value).where(Answer.response_id == row[0]))}
    return _Saved(row[0], row[1], row[2], answers)


def _open_allowed(store: Store, instrument: str, version: str) -> bool:
    """Open links serve only versions opened by 'landscape open-link', never invited ones."""
    with store.session() as session:
        iv_id = session.execute(select(InstrumentVersionRow.id).where(
            InstrumentVersionRow.instrument == instrument,
            InstrumentVersionRow.version == version,
            InstrumentVersionRow.open_link.is_(True))).scalar_one_or_none()
        if iv_id is None:
            return False
        invited = session.execute(select(func.count()).select_from(Invitation).where(
            Invitation.instrument_version_id == iv_id)).scalar_one()
    return int(invited) == 0


def _state() -> dict[str, Any]:
    state: dict[str, Any] = current_app.extensions[_EXTENSION]
    return state


def _store() -> Store:
    store: Store = _state()["store"]
    return store


def _instrument(instrument: str, version: str) -> InstrumentVersion:
    # Recorded versions are immutable (S105), so one parse per process is enough.
    cache: dict[tuple[str, str], InstrumentVersion] = _state().setdefault("instruments", {})
    iv = cache.get((instrument, version))
    if iv is None:
        iv = cache[(instrument, version)] = load_recorded_instrument(_store(), instrument,
                                                                     version)
    return iv


# -- one request -----------------------------------------------------------------


@dataclass(slots=True)
class _Attempt:
    """Who is answering which version, in which language, and what is saved so far."""

    iv: InstrumentVersion
    lang: str
    key: str
    token: str | None = None
    respondent_id: str | None = None
    saved: _Saved | None = None
    answers: dict[str, Any] = field(default_factory=dict)

    def url(self, suffix: str = "", **params: Any) -> str:
        args: dict[str, Any] = {"lang": self.lang}
        args.update((k, v) for k, v in params.items() if v is not None)
        if self.token is not None:
            endpoint = {"": "form.respond", "done": "form.respond_done",
                        "saved": "form.respond_saved"}[suffix]
            return url_for(endpoint, token=self.token, **args)
        endpoint = {"": "form.open_form", "done": "form.open_done",
                    "saved": "form.open_saved"}[suffix]
        return url_for(endpoint, instrument=self.iv.instrument, version=str(self.iv.version),
                       r=self.key, **args)


def _language(iv: InstrumentVersion, posted: str | None = None) -> str:
    wanted = posted or request.args.get("lang")
    if wanted in iv.languages and wanted in _UI:
        return wanted
    offered = [lang for lang in iv.languages if lang in _UI]
    best = request.accept_languages.best_match(offered)
    return best or "en"


def _security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = FORM_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _message_page(lang: str, title: str, body: str, status: int, *,
                  attempt: _Attempt | None = None, link: str | None = None,
                  link_text: str | None = None, panel: bool = False) -> Response:
    html = render_template(
        "form/message.html", lang=lang, ui=_UI[lang], title=_ui(lang, title),
        body=_ui(lang, body), link=link, link_text=link_text, panel=panel,
        survey_title=_label(attempt.iv.title, lang) if attempt else None,
        demo_label=_state().get("demo_label"),
    )
    return make_response(html, status)


def _csrf_token() -> str:
    token = request.cookies.get(_CSRF_COOKIE, "")
    return token if _KEY_PATTERN.match(token) else secrets.token_urlsafe(32)


def _csrf_ok() -> bool:
    cookie = request.cookies.get(_CSRF_COOKIE, "")
    posted = request.form.get("csrf_token", "")
    return bool(cookie) and hmac.compare_digest(cookie.encode(), posted.encode())


def _visible_pages(iv: InstrumentVersion, answers: Mapping[str, Any]) -> list[FormPage]:
    return [p for p in form_pages(iv) if any(is_shown(iv, q, answers) for q in p.questions)]


def _question_view(iv: InstrumentVersion, q: Question, raw: Any, error: _Label | None,
                   lang: str) -> dict[str, Any]:
    """Everything the template needs to draw one question (all text still unescaped)."""
    qid = f"q-{q.code}"
    hint = _label(q.hint, lang) if q.hint is not None else None
    described = " ".join(x for x in (f"{qid}-hint" if hint else "",
                                     f"{qid}-error" if error else "") if x)
    view: dict[str, Any] = {
        "code": q.code, "type": q.type.value, "id": qid, "label": _label(q.label, lang),
        "hint": hint, "error": error, "required": q.required, "describedby": described,
        "first_id": qid,
    }
    choices: list[dict[str, Any]] = []
    if q.type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        chosen = raw if isinstance(raw, list) else [raw] if raw else []
        for o in q.options:
            choices.append({"value": o.code, "label": _label(o.label, lang),
                            "checked": o.code in chosen})
        if q.other:
            choices.append({"value": "other", "label": _ui(lang, "other"),
                            "checked": "other" in chosen})
    elif q.type is QuestionType.PLACE:
        for place in places_for(q.place_level or "region"):
            choices.append({"value": place.code,
                            "label": _Label(place.cy if lang == "cy" else place.en, lang),
                            "checked": raw == place.code})
    elif q.type is QuestionType.RATING:
        assert q.scale is not None
        for point in range(q.scale.min, q.scale.max + 1):
            text = q.scale.labels.get(point)
            shown = _label(text, lang) if text is not None else None
            choices.append({
                "value": str(point), "checked": raw == str(point),
                "label": _Label(f"{point} – {shown.text}" if shown else str(point),
                                shown.lang if shown else lang),
            })
    for i, choice in enumerate(choices):
        choice["id"] = qid if i == 0 else f"{qid}-{i}"
    view["choices"] = choices
    if q.type is QuestionType.RANKING:
        assert q.ranking is not None
        positions = q.ranking.positions(len(q.options))
        picks = raw if isinstance(raw, dict) else {}
        view["positions"] = [str(p) for p in range(1, positions + 1)]
        view["rank_help"] = (_ui(lang, "rank_help") if q.ranking.mode == "full"
                             else _ui(lang, "rank_help_top", k=positions))
        view["rows"] = [{"id": qid if i == 0 else f"{qid}-{o.code}", "name": f"{q.code}:{o.code}",
                         "label": _label(o.label, lang), "selected": picks.get(o.code, "")}
                        for i, o in enumerate(q.options)]
    if q.type is QuestionType.CONSENT:
        view["checked"] = bool(raw)
    if q.type in (QuestionType.FREE_TEXT, QuestionType.ORGANISATION, QuestionType.NUMBER):
        view["value"] = raw if isinstance(raw, str) else ""
        view["max_length"] = q.max_length
        view["multiline"] = q.type is QuestionType.FREE_TEXT and (q.max_length or 10**6) > 200
        view["inputmode"] = ("numeric" if q.integer else "decimal") \
            if q.type is QuestionType.NUMBER else None
    if q.other:
        view["other_id"] = f"{qid}-other-text"
        view["other_name"] = f"{q.code}.other"
        view["other_value"] = ""
    return view


def _render_page(attempt: _Attempt, page: FormPage, raw: Mapping[str, Any],
                 errors: Mapping[str, _Label], status: int = 200) -> Response:
    iv, lang = attempt.iv, attempt.lang
    answers = attempt.answers
    visible = _visible_pages(iv, answers)
    shown = [q for q in page.questions if is_shown(iv, q, answers)]
    questions = []
    for q in shown:
        view = _question_view(iv, q, raw.get(q.code), errors.get(q.code), lang)
        if q.other:
            other = raw.get(f"{q.code}.other")
            view["other_value"] = other if isinstance(other, str) else ""
        questions.append(view)
    later = [p for p in visible if p.index > page.index]
    earlier = [p for p in visible if p.index < page.index]
    summary = [{"href": "#" + v["first_id"], "text": v["error"]} for v in questions
               if v["error"] is not None]
    token = _csrf_token()
    switch = [{"lang": other, "name": _LANGUAGE_NAMES.get(other, other),
               "href": attempt.url(page=page.index, lang=other)}
              for other in iv.languages if other != lang and other in _UI]
    html = render_template(
        "form/page.html", lang=lang, ui=_UI[lang], survey_title=_label(iv.title, lang),
        section=page.section, page_number=[p.index for p in visible].index(page.index) + 1
        if page in visible else page.index + 1,
        questions=questions, summary=summary, action=attempt.url(),
        back=attempt.url(page=earlier[-1].index) if earlier else None,
        last=not later, page_index=page.index, key=attempt.key, csrf_token=token,
        switch=switch, demo_label=_state().get("demo_label"),
    )
    response = make_response(html, status)
    response.set_cookie(_CSRF_COOKIE, token, httponly=True, samesite="Lax",
                        secure=request.is_secure, path="/")
    return response


def _page_for(attempt: _Attempt, wanted: int) -> FormPage | None:
    visible = _visible_pages(attempt.iv, attempt.answers)
    if not visible:
        return None
    return next((p for p in visible if p.index >= wanted), visible[-1])


def _show(attempt: _Attempt) -> Response:
    try:
        wanted = max(0, int(request.args.get("page", "0")))
    except ValueError:
        wanted = 0
    page = _page_for(attempt, wanted)
    if page is None:  # pragma: no cover - an instrument always has a question
        return _message_page(attempt.lang, "not_open_title", "not_open_body", 404)
    raw: dict[str, Any] = {}
    for q in page.questions:
        raw[q.code] = _raw_from_answer(q, attempt.answers.get(q.code))
        if q.other:
            raw[f"{q.code}.other"] = attempt.answers.get(f"{q.code}.other")
    return _render_page(attempt, page, raw, {})


def _save(attempt: _Attempt, answers: Mapping[str, Any], state: str) -> str:
    return save_response(
        _store(), attempt.iv, answers, source="web", token=attempt.token, state=state,
        path=_path_taken(attempt.iv, answers), idempotency_key=attempt.key,
    )


def _problems(attempt: _Attempt, answers: Mapping[str, Any], state: str) -> list[Problem]:
    """The answer model's problems with ``answers`` (one check per request)."""
    return check_answers(attempt.iv, answers, path=_path_taken(attempt.iv, answers),
                         state=state)


def _message(iv: InstrumentVersion, problem: Problem, lang: str) -> _Label:
    """A problem in the page's language, with option labels as the respondent saw them."""
    q = iv.question((problem.question or "").split(".")[0])

    def option_label(code: str) -> str:
        option = q.option(code) if q is not None else None
        return _label(option.label, lang).text if option is not None else code

    return _Label(describe(problem, lang, option_label), lang, problem.code)


def _page_errors(attempt: _Attempt, page: FormPage, problems: Sequence[Problem],
                 parse_errors: Mapping[str, _Label]) -> dict[str, _Label]:
    """Messages for the questions on ``page``: what could not be read, else its problem."""
    codes = set(page.codes)
    errors: dict[str, _Label] = {c: m for c, m in parse_errors.items() if c in codes}
    for problem in problems:
        code = (problem.question or "").split(".")[0]
        if code in codes and code not in errors:
            errors[code] = _message(attempt.iv, problem, attempt.lang)
    return errors


def _handle_post(attempt: _Attempt) -> Response:
    iv, lang = attempt.iv, attempt.lang
    if not _csrf_ok():
        return _message_page(lang, "expired_title", "expired_body", 403, attempt=attempt)
    pages = form_pages(iv)
    try:
        page = pages[int(request.form.get("page", "0"))]
    except (ValueError, IndexError):
        page = pages[0]
    action = request.form.get("action", "next")
    working = {k: v for k, v in attempt.answers.items()
               if k.split(".")[0] not in set(page.codes)}
    raw: dict[str, Any] = {}
    parse_errors: dict[str, _Label] = {}
    for q in page.questions:
        if not is_shown(iv, q, working):
            continue
        parsed = _parse(q, request.form)
        raw[q.code] = parsed.raw
        raw[f"{q.code}.other"] = request.form.get(f"{q.code}.other", "")
        if parsed.error is not None:
            parse_errors[q.code] = _ui(lang, parsed.error)
        elif parsed.value is not None:
            working[q.code] = parsed.value
            if parsed.other is not None:
                working[f"{q.code}.other"] = parsed.other
    answers = _clean(iv, working)
    # One check of the whole response per request (save_response checks it again
    # before writing: no save path skips the rules).
    problems = _problems(attempt, answers, "in_progress" if action == "save" else "complete")
    errors = _page_errors(attempt, page, problems, parse_errors)
    if errors:
        attempt.answers = answers
        return _render_page(attempt, page, raw, errors, status=400)
    later = [p for p in _visible_pages(iv, answers) if p.index > page.index]
    try:
        if action == "save" or later:
            _save(attempt, answers, "in_progress")
            if action == "save":
                return redirect(attempt.url("saved"), code=303)
            return redirect(attempt.url(page=later[0].index), code=303)
        # The last page: the check above covered every page; show the first with a problem.
        for other in _visible_pages(iv, answers):
            other_errors = _page_errors(attempt, other, problems, {})
            if other_errors:
                _save(attempt, answers, "in_progress")
                attempt.answers = answers
                saved_raw: dict[str, Any] = {}
                for q in other.questions:
                    saved_raw[q.code] = _raw_from_answer(q, answers.get(q.code))
                    saved_raw[f"{q.code}.other"] = answers.get(f"{q.code}.other")
                return _render_page(attempt, other, saved_raw, other_errors, status=400)
        _save(attempt, answers, "complete")
    except LandscapeError as exc:
        codes = {i.code for i in exc.issues}
        if "S107" in codes:
            return _message_page(lang, "conflict_title", "conflict_body", 409, attempt=attempt)
        if "S109" in codes:
            return _message_page(lang, "unknown_title", "unknown_body", 404)
        raise
    return redirect(attempt.url("done"), code=303)


# -- the blueprint ----------------------------------------------------------------


def form_blueprint() -> Blueprint:
    """The respondent form's routes, to register on the app's Flask server.

    The app must have ``app.extensions["landscape"] = {"store": Store, ...}``
    (:func:`dashboard.app.create_app` does this).

    Examples
    --------
    >>> form_blueprint().name
    'form'
    """
    bp = Blueprint("form", __name__, template_folder="templates")
    bp.after_request(_security_headers)
    bp.record_once(_tidy_templates)

    def invited(token: str) -> _Attempt | Response:
        info = find_invitation(_store(), token)
        if info is None:
            return _message_page(_language_default(), "unknown_title", "unknown_body", 404)
        iv = _instrument(info.instrument, info.version)
        lang = _language(iv, request.form.get("lang") if request.method == "POST" else None)
        saved = _load_saved(_store(), iv, respondent_id=info.respondent_id)
        if request.method == "GET" and (info.used or (saved and saved.state == "complete")):
            return _message_page(lang, "used_title", "used_body", 410)
        posted = request.form.get("key", "") if request.method == "POST" else ""
        # The saved response's own key wins: a posted key could name someone else's.
        key = saved.key if saved and saved.key else (
            posted if _KEY_PATTERN.match(posted) else secrets.token_urlsafe(24))
        return _Attempt(iv, lang, key, token=token, respondent_id=info.respondent_id,
                        saved=saved, answers=dict(saved.answers) if saved else {})

    def opened(instrument: str, version: str) -> _Attempt | Response:
        lang_guess = _language_default()
        if not _open_allowed(_store(), instrument, version):
            return _message_page(lang_guess, "not_open_title", "not_open_body", 404)
        iv = _instrument(instrument, version)
        lang = _language(iv, request.form.get("lang") if request.method == "POST" else None)
        given = (request.form.get("key", "") if request.method == "POST"
                 else request.args.get("r", ""))
        saved = _load_saved(_store(), iv, key=given) if _KEY_PATTERN.match(given) else None
        if request.method == "GET" and saved is None:
            given = ""  # never adopt a key from a URL that we did not hand out
        key = given if _KEY_PATTERN.match(given) else secrets.token_urlsafe(24)
        return _Attempt(iv, lang, key, saved=saved,
                        answers=dict(saved.answers) if saved else {})

    @bp.route("/respond/<token>", methods=["GET", "POST"])
    def respond(token: str) -> Any:
        attempt = invited(token)
        if isinstance(attempt, Response):
            return attempt
        return _handle_post(attempt) if request.method == "POST" else _show(attempt)

    @bp.route("/respond/<token>/done")
    def respond_done(token: str) -> Any:
        attempt = invited(token)
        if isinstance(attempt, Response) and attempt.status_code != 410:
            return attempt
        lang = _language_default()
        if isinstance(attempt, _Attempt):  # not complete yet: back to the form
            return redirect(attempt.url(), code=303)
        return _message_page(lang, "done_title", "done_body", 200, panel=True)

    @bp.route("/respond/<token>/saved")
    def respond_saved(token: str) -> Any:
        attempt = invited(token)
        if isinstance(attempt, Response):
            return attempt
        return _message_page(attempt.lang, "saved_title", "saved_invited", 200,
                             attempt=attempt)

    @bp.route("/open/<instrument>/<version>", methods=["GET", "POST"])
    def open_form(instrument: str, version: str) -> Any:
        attempt = opened(instrument, version)
        if isinstance(attempt, Response):
            return attempt
        if request.method == "GET" and attempt.saved and attempt.saved.state == "complete":
            return redirect(attempt.url("done"), code=303)
        return _handle_post(attempt) if request.method == "POST" else _show(attempt)

    @bp.route("/open/<instrument>/<version>/done")
    def open_done(instrument: str, version: str) -> Any:
        attempt = opened(instrument, version)
        if isinstance(attempt, Response):
            return attempt
        if attempt.saved is None or attempt.saved.state != "complete":
            return redirect(attempt.url(), code=303)
        return _message_page(attempt.lang, "done_title", "done_body", 200, attempt=attempt,
                             panel=True)

    @bp.route("/open/<instrument>/<version>/saved")
    def open_saved(instrument: str, version: str) -> Any:
        attempt = opened(instrument, version)
        if isinstance(attempt, Response):
            return attempt
        if attempt.saved is None:
            return redirect(attempt.url(), code=303)
        link = request.url_root.rstrip("/") + attempt.url()
        return _message_page(attempt.lang, "saved_title", "saved_open", 200, attempt=attempt,
                             link=link, link_text=link)

    @bp.route("/form-assets/form.css")
    def stylesheet() -> Any:
        response = make_response(_CSS, 200)
        response.headers["Content-Type"] = "text/css; charset=utf-8"
        return response

    return bp


def _tidy_templates(state: BlueprintSetupState) -> None:
    # Smaller pages: drop the blank lines that block tags would leave.
    state.app.jinja_env.trim_blocks = True
    state.app.jinja_env.lstrip_blocks = True


def _language_default() -> str:
    wanted = request.args.get("lang")
    if wanted in _UI:
        return str(wanted)
    return request.accept_languages.best_match(list(_UI)) or "en"
