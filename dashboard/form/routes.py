"""The form's routes: one request, from the link to the saved response.

See :mod:`dashboard.form` for the addresses, the page-at-a-time flow and the
security rules (CSP, signed CSRF token, response keys).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
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
from werkzeug.wrappers import Response

from dashboard.csrf import csrf_ok, csrf_seed, csrf_token, set_csrf_cookie
from dashboard.form.fields import parse_answer, question_view, raw_from_answer
from dashboard.form.pages import FormPage, clean_answers, form_pages, path_taken, visible_pages
from dashboard.form.text import FORM_CSS, LANGUAGE_NAMES, UI, Label, localise, ui_text
from survey.answers import Problem, check_answers, describe
from survey.errors import LandscapeError
from survey.instrument.information import ParticipantInformation, load_information
from survey.instrument.logic import is_shown
from survey.instrument.model import InstrumentVersion
from survey.instrument.registry import instruments_dir
from survey.store import (
    SavedResponse,
    Store,
    find_invitation,
    load_recorded_instrument,
    load_saved_response,
    open_link_allowed,
    save_response,
)

__all__ = ["form_blueprint"]

_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,128}$")
_EXTENSION = "landscape"
_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


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


@dataclass(slots=True)
class _Attempt:
    """Who is answering which version, in which language, and what is saved so far."""

    iv: InstrumentVersion
    lang: str
    key: str
    token: str | None = None
    respondent_id: str | None = None
    saved: SavedResponse | None = None
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


def _information(iv: InstrumentVersion) -> ParticipantInformation | None:
    # One read per process: the file serves every version of the instrument.
    cache: dict[str, ParticipantInformation | None] = _state().setdefault("information", {})
    if iv.instrument not in cache:
        cache[iv.instrument] = load_information(instruments_dir(), iv.instrument,
                                                tuple(iv.languages))
    return cache[iv.instrument]


def _information_context(iv: InstrumentVersion, lang: str) -> dict[str, Any]:
    info = _information(iv)
    if info is None:
        return {"information": None}
    return {"information": info.in_language(lang),
            "information_note": info.note if info.reconstructed else "",
            "information_href": url_for("form.information", instrument=iv.instrument,
                                        version=str(iv.version), lang=lang)}


def _language(iv: InstrumentVersion, posted: str | None = None) -> str:
    wanted = posted or request.args.get("lang")
    if wanted in iv.languages and wanted in UI:
        return wanted
    offered = [lang for lang in iv.languages if lang in UI]
    best = request.accept_languages.best_match(offered)
    return best or "en"


def _message_page(lang: str, title: str, body: str, status: int, *,
                  attempt: _Attempt | None = None, link: str | None = None,
                  link_text: str | None = None, panel: bool = False) -> Response:
    html = render_template(
        "form/message.html", lang=lang, ui=UI[lang], title=ui_text(lang, title),
        body=ui_text(lang, body), link=link, link_text=link_text, panel=panel,
        survey_title=localise(attempt.iv.title, lang) if attempt else None,
        demo_label=_state().get("demo_label"),
    )
    return make_response(html, status)


def _render_page(attempt: _Attempt, page: FormPage, raw: Mapping[str, Any],
                 errors: Mapping[str, Label], status: int = 200) -> Response:
    iv, lang = attempt.iv, attempt.lang
    answers = attempt.answers
    visible = visible_pages(iv, answers)
    shown = [q for q in page.questions if is_shown(iv, q, answers)]
    questions = []
    for q in shown:
        view = question_view(iv, q, raw.get(q.code), errors.get(q.code), lang)
        if q.other:
            other = raw.get(f"{q.code}.other")
            view["other_value"] = other if isinstance(other, str) else ""
        questions.append(view)
    later = [p for p in visible if p.index > page.index]
    earlier = [p for p in visible if p.index < page.index]
    # Each problem names its question: "Answer this question" alone says not which.
    summary = [{"href": "#" + v["first_id"], "question": v["label"], "text": v["error"]}
               for v in questions if v["error"] is not None]
    seed = csrf_seed()
    switch = [{"lang": other, "name": LANGUAGE_NAMES.get(other, other),
               "href": attempt.url(page=page.index, lang=other)}
              for other in iv.languages if other != lang and other in UI]
    html = render_template(
        "form/page.html", lang=lang, ui=UI[lang], survey_title=localise(iv.title, lang),
        section=page.section, page_number=[p.index for p in visible].index(page.index) + 1
        if page in visible else page.index + 1, page_count=max(len(visible), 1),
        questions=questions, summary=summary, action=attempt.url(),
        back=attempt.url(page=earlier[-1].index) if earlier else None,
        last=not later, page_index=page.index, key=attempt.key,
        csrf_token=csrf_token(seed),
        switch=switch, demo_label=_state().get("demo_label"),
        # Shown before consent: the page holding the consent question carries it.
        **(_information_context(iv, lang) if any(q.type == "consent" and q.required
                                                 for q in shown) else {}),
    )
    response = make_response(html, status)
    set_csrf_cookie(response, seed)
    return response


def _page_for(attempt: _Attempt, wanted: int) -> FormPage | None:
    visible = visible_pages(attempt.iv, attempt.answers)
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
        raw[q.code] = raw_from_answer(q, attempt.answers.get(q.code))
        if q.other:
            raw[f"{q.code}.other"] = attempt.answers.get(f"{q.code}.other")
    return _render_page(attempt, page, raw, {})


def _save(attempt: _Attempt, answers: Mapping[str, Any], state: str) -> str:
    return save_response(
        _store(), attempt.iv, answers, source="web", token=attempt.token, state=state,
        path=path_taken(attempt.iv, answers), idempotency_key=attempt.key,
    )


def _problems(attempt: _Attempt, answers: Mapping[str, Any], state: str) -> list[Problem]:
    """The answer model's problems with ``answers`` (one check per request)."""
    return check_answers(attempt.iv, answers, path=path_taken(attempt.iv, answers),
                         state=state)


def _message(iv: InstrumentVersion, problem: Problem, lang: str) -> Label:
    """A problem in the page's language, with option labels as the respondent saw them."""
    q = iv.question((problem.question or "").split(".")[0])

    def option_label(code: str) -> str:
        option = q.option(code) if q is not None else None
        return localise(option.label, lang).text if option is not None else code

    return Label(describe(problem, lang, option_label), lang, problem.code)


def _page_errors(attempt: _Attempt, page: FormPage, problems: Sequence[Problem],
                 parse_errors: Mapping[str, Label]) -> dict[str, Label]:
    """Messages for the questions on ``page``: what could not be read, else its problem."""
    codes = set(page.codes)
    errors: dict[str, Label] = {c: m for c, m in parse_errors.items() if c in codes}
    for problem in problems:
        code = (problem.question or "").split(".")[0]
        if code in codes and code not in errors:
            errors[code] = _message(attempt.iv, problem, attempt.lang)
    return errors


def _posted_page(attempt: _Attempt, page: FormPage
                 ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Label]]:
    """Read ``page`` from the posted form: (answers so far, what to show again, parse errors)."""
    iv = attempt.iv
    working = {k: v for k, v in attempt.answers.items()
               if k.split(".")[0] not in set(page.codes)}
    raw: dict[str, Any] = {}
    parse_errors: dict[str, Label] = {}
    for q in page.questions:
        if not is_shown(iv, q, working):
            continue
        parsed = parse_answer(q, request.form)
        raw[q.code] = parsed.raw
        raw[f"{q.code}.other"] = request.form.get(f"{q.code}.other", "")
        if parsed.error is not None:
            parse_errors[q.code] = ui_text(attempt.lang, parsed.error)
        elif parsed.value is not None:
            working[q.code] = parsed.value
            if parsed.other is not None:
                working[f"{q.code}.other"] = parsed.other
    return clean_answers(iv, working), raw, parse_errors


def _finish(attempt: _Attempt, answers: dict[str, Any],
            problems: Sequence[Problem]) -> Response:
    """The last page: complete the response, or show the first page with a problem."""
    # The one check of this request covered every page.
    for other in visible_pages(attempt.iv, answers):
        other_errors = _page_errors(attempt, other, problems, {})
        if other_errors:
            _save(attempt, answers, "in_progress")
            attempt.answers = answers
            saved_raw: dict[str, Any] = {}
            for q in other.questions:
                saved_raw[q.code] = raw_from_answer(q, answers.get(q.code))
                saved_raw[f"{q.code}.other"] = answers.get(f"{q.code}.other")
            return _render_page(attempt, other, saved_raw, other_errors, status=400)
    _save(attempt, answers, "complete")
    return redirect(attempt.url("done"), code=303)


def _handle_post(attempt: _Attempt) -> Response:
    iv, lang = attempt.iv, attempt.lang
    if not csrf_ok():
        return _message_page(lang, "expired_title", "expired_body", 403, attempt=attempt)
    pages = form_pages(iv)
    try:
        page = pages[int(request.form.get("page", "0"))]
    except (ValueError, IndexError):
        page = pages[0]
    action = request.form.get("action", "next")
    answers, raw, parse_errors = _posted_page(attempt, page)
    # One check of the whole response per request (save_response checks it again
    # before writing: no save path skips the rules).
    problems = _problems(attempt, answers, "in_progress" if action == "save" else "complete")
    errors = _page_errors(attempt, page, problems, parse_errors)
    if errors:
        attempt.answers = answers
        return _render_page(attempt, page, raw, errors, status=400)
    later = [p for p in visible_pages(iv, answers) if p.index > page.index]
    try:
        if action != "save" and not later:
            return _finish(attempt, answers, problems)
        _save(attempt, answers, "in_progress")
    except LandscapeError as exc:
        codes = {i.code for i in exc.issues}
        if "S107" in codes:
            return _message_page(lang, "conflict_title", "conflict_body", 409, attempt=attempt)
        if "S109" in codes:
            return _message_page(lang, "unknown_title", "unknown_body", 404)
        raise
    if action == "save":
        return redirect(attempt.url("saved"), code=303)
    return redirect(attempt.url(page=later[0].index), code=303)


# -- the routes ---------------------------------------------------------------------


def _invited(token: str) -> _Attempt | Response:
    """The attempt behind an invitation link, or the page to show instead."""
    info = find_invitation(_store(), token)
    if info is None:
        return _message_page(_language_default(), "unknown_title", "unknown_body", 404)
    iv = _instrument(info.instrument, info.version)
    lang = _language(iv, request.form.get("lang") if request.method == "POST" else None)
    saved = load_saved_response(_store(), iv.instrument, str(iv.version),
                                respondent_id=info.respondent_id)
    if request.method == "GET" and (info.used or (saved and saved.state == "complete")):
        return _message_page(lang, "used_title", "used_body", 410)
    posted = request.form.get("key", "") if request.method == "POST" else ""
    # The saved response's own key wins: a posted key could name someone else's.
    key = saved.key if saved and saved.key else (
        posted if _KEY_PATTERN.match(posted) else secrets.token_urlsafe(24))
    return _Attempt(iv, lang, key, token=token, respondent_id=info.respondent_id,
                    saved=saved, answers=dict(saved.answers) if saved else {})


def _opened(instrument: str, version: str) -> _Attempt | Response:
    """The attempt behind an open link, or the page to show instead."""
    lang_guess = _language_default()
    if not open_link_allowed(_store(), instrument, version):
        return _message_page(lang_guess, "not_open_title", "not_open_body", 404)
    iv = _instrument(instrument, version)
    lang = _language(iv, request.form.get("lang") if request.method == "POST" else None)
    given = (request.form.get("key", "") if request.method == "POST"
             else request.args.get("r", ""))
    saved = (load_saved_response(_store(), iv.instrument, str(iv.version), key=given)
             if _KEY_PATTERN.match(given) else None)
    if request.method == "GET" and saved is None:
        given = ""  # never adopt a key from a URL that we did not hand out
    key = given if _KEY_PATTERN.match(given) else secrets.token_urlsafe(24)
    return _Attempt(iv, lang, key, saved=saved,
                    answers=dict(saved.answers) if saved else {})


def _respond(token: str) -> Any:
    attempt = _invited(token)
    if isinstance(attempt, Response):
        return attempt
    return _handle_post(attempt) if request.method == "POST" else _show(attempt)


def _respond_done(token: str) -> Any:
    attempt = _invited(token)
    if isinstance(attempt, Response) and attempt.status_code != 410:
        return attempt
    lang = _language_default()
    if isinstance(attempt, _Attempt):  # not complete yet: back to the form
        return redirect(attempt.url(), code=303)
    return _message_page(lang, "done_title", "done_body", 200, panel=True)


def _respond_saved(token: str) -> Any:
    attempt = _invited(token)
    if isinstance(attempt, Response):
        return attempt
    return _message_page(attempt.lang, "saved_title", "saved_invited", 200,
                         attempt=attempt)


def _open_form(instrument: str, version: str) -> Any:
    attempt = _opened(instrument, version)
    if isinstance(attempt, Response):
        return attempt
    if request.method == "GET" and attempt.saved and attempt.saved.state == "complete":
        return redirect(attempt.url("done"), code=303)
    return _handle_post(attempt) if request.method == "POST" else _show(attempt)


def _open_done(instrument: str, version: str) -> Any:
    attempt = _opened(instrument, version)
    if isinstance(attempt, Response):
        return attempt
    if attempt.saved is None or attempt.saved.state != "complete":
        return redirect(attempt.url(), code=303)
    return _message_page(attempt.lang, "done_title", "done_body", 200, attempt=attempt,
                         panel=True)


def _open_saved(instrument: str, version: str) -> Any:
    attempt = _opened(instrument, version)
    if isinstance(attempt, Response):
        return attempt
    if attempt.saved is None:
        return redirect(attempt.url(), code=303)
    link = request.url_root.rstrip("/") + attempt.url()
    return _message_page(attempt.lang, "saved_title", "saved_open", 200, attempt=attempt,
                         link=link, link_text=link)


def _stylesheet() -> Any:
    response = make_response(FORM_CSS, 200)
    response.headers["Content-Type"] = "text/css; charset=utf-8"
    return response


def form_blueprint() -> Blueprint:
    """The respondent form's routes, to register on the app's Flask server.

    The app must have ``app.extensions["landscape"] = {"store": Store, ...}``
    (:func:`dashboard.app.create_app` does this).

    Examples
    --------
    >>> form_blueprint().name
    'form'
    """
    bp = Blueprint("form", __name__, template_folder=str(_TEMPLATES))
    bp.record_once(_tidy_templates)

    bp.add_url_rule("/respond/<token>", "respond", _respond, methods=["GET", "POST"])
    bp.add_url_rule("/respond/<token>/done", "respond_done", _respond_done)
    bp.add_url_rule("/respond/<token>/saved", "respond_saved", _respond_saved)
    bp.add_url_rule("/open/<instrument>/<version>", "open_form", _open_form,
                    methods=["GET", "POST"])
    bp.add_url_rule("/open/<instrument>/<version>/done", "open_done", _open_done)
    bp.add_url_rule("/open/<instrument>/<version>/saved", "open_saved", _open_saved)
    bp.add_url_rule("/information/<instrument>/<version>", "information", _information_page)
    bp.add_url_rule("/form-assets/form.css", "stylesheet", _stylesheet)
    bp.app_errorhandler(413)(_too_large)
    return bp


def _too_large(error: Exception) -> Response:
    """The page for a request body over the ``max_request_bytes`` setting (any route)."""
    return _message_page(_ui_language(), "too_large_title", "too_large_body", 413)


def _ui_language() -> str:
    best = request.accept_languages.best_match(list(UI))
    return best or "en"


def _tidy_templates(state: BlueprintSetupState) -> None:
    # Smaller pages: drop the blank lines that block tags would leave.
    state.app.jinja_env.trim_blocks = True
    state.app.jinja_env.lstrip_blocks = True


def _language_default() -> str:
    wanted = request.args.get("lang")
    if wanted in UI:
        return str(wanted)
    return request.accept_languages.best_match(list(UI)) or "en"


def _information_page(instrument: str, version: str) -> Response:
    """The participant information on its own page (linked from the consent page)."""
    lang = _language_default()
    try:
        iv = _instrument(instrument, version)
    except LandscapeError:
        return _message_page(lang, "unknown_title", "unknown_body", 404)
    lang = _language(iv)
    context = _information_context(iv, lang)
    if context["information"] is None:
        return _message_page(lang, "unknown_title", "unknown_body", 404)
    html = render_template("form/information.html", lang=lang, ui=UI[lang],
                           demo_label=_state().get("demo_label"), **context)
    return make_response(html, 200)
