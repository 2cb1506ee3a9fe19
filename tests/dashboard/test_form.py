"""The respondent web form, through Flask's test client against a real SQLite store."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from dashboard.app import create_app, current_demo_label, current_store
from dashboard.form import FORM_CSP, answer_fields, form_pages
from survey.instrument import Catalogue, InstrumentVersion, Question, parse_instrument_text
from survey.store import Store, find_invitation, record_instrument
from survey.store.frame import import_frame
from survey.store.invitations import issue_invitations, open_link
from survey.store.models import Answer
from survey.store.models import Response as ResponseRow

BASE = "http://127.0.0.1:8050"
FRAME = (
    "name,email,organisation,organisation_type,role,nation,region\n"
    "Siân Jones,sian@example.org,Cyngor Sir Ynys Môn,unitary,Officer,Wales,\n"
    "Ann Lee,ann@example.org,Leeds City Council,metropolitan,Officer,England,"
    "Yorkshire and The Humber\n"
    "Rob Roy,rob@example.org,Glasgow City Council,unitary,Officer,Scotland,\n"
)
SCRIPT = "<script>alert(1)</script>"
# A synthetic test instrument for the rules the shipped ones do not use.
DEMO_YAML = f"""
instrument: form_demo
version: 1.0.0
title: "Form demo (synthetic test instrument) {SCRIPT}"
questions:
  - code: staff
    type: number
    required: true
    section: Numbers
    label: "How many staff? {SCRIPT}"
    min: 0
    max: 1000
    integer: true
  - code: kind
    type: single_choice
    section: Numbers
    label: Kind
    options:
      - {{code: a, label: "<img src=x onerror=alert(1)>"}}
      - {{code: b, label: Plain}}
  - code: top_two
    type: ranking
    required: true
    section: Rankings
    label: Your top two
    ranking: {{mode: top_k, k: 2, ties: forbid}}
    options:
      - {{code: a, label: Option A}}
      - {{code: b, label: Option B}}
      - {{code: c, label: Option C}}
  - code: tied
    type: ranking
    section: Rankings
    label: Rank with ties allowed
    ranking: {{mode: full, ties: allow}}
    options:
      - {{code: x, label: Option X}}
      - {{code: y, label: Option Y}}
"""


@dataclass
class Env:
    store: Store
    client: FlaskClient
    lg: InstrumentVersion
    researcher: InstrumentVersion
    demo: InstrumentVersion
    tokens: list[str]


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    store = Store.open(f"sqlite:///{tmp_path / 'form.db'}", check=False, create=True)
    store.upgrade()
    catalogue = Catalogue.default()
    lg = catalogue.load("local_government@1.0.0")
    researcher = catalogue.load("researcher@1.0.0")
    demo = parse_instrument_text(DEMO_YAML, "form_demo.yaml")
    frame = tmp_path / "frame.csv"
    frame.write_text(FRAME, encoding="utf-8")
    import_frame(store, frame)
    rows = issue_invitations(store, lg, BASE)
    open_link(store, researcher, BASE)
    open_link(store, demo, BASE)
    app = create_app(store, demo_label="Test store: synthetic responses")
    yield Env(store, app.server.test_client(), lg, researcher, demo,
              [r.link.rsplit("/", 1)[1] for r in rows])
    store.close()


def lg_answers(**changes: Any) -> dict[str, Any]:
    """A complete local-government response on the not-involved path."""
    answers: dict[str, Any] = {
        "consent": True, "organisation": "Cyngor Sir Ynys Môn",
        "organisation_type": "unitary_authority", "nation": "wales", "in_partnership": "no",
        "partnership_intention": "open_to_it",
        "evidence_priorities": {
            "research_project_resources": 3, "synthesis_in_policy_orgs": 1,
            "public_sector_data": 2, "synthesis_in_research_orgs": 4,
            "networks_with_research_institutions": 5, "support_from_research_institutions": 6,
            "internal_analytical_capacity": 7, "commercial_data": 8, "analysis_tools": 9,
        },
    }
    answers.update(changes)
    return {k: v for k, v in answers.items() if v is not None}


def _question(iv: InstrumentVersion, code: str) -> Question:
    q = iv.question(code)
    assert q is not None
    return q


# -- helpers that act like a browser --------------------------------------------


def hidden(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))


def form_action(page: str) -> str:
    found = re.search(r'<form method="post" action="([^"]*)"', page)
    assert found, page
    return html.unescape(found.group(1))


def field_names(page: str) -> set[str]:
    names = set(re.findall(r'name="([\w.:]+)"', page))
    return {n.split(":")[0].split(".")[0] for n in names} - {
        "csrf_token", "key", "page", "lang", "action"}


def post(client: FlaskClient, url: str, fields: list[tuple[str, str]],
         action: str = "next") -> tuple[str, Any]:
    """GET ``url``, then submit its form with ``fields``; return (the page, the response)."""
    shown = client.get(url)
    assert shown.status_code == 200, shown.text
    page = shown.text
    data = MultiDict([*fields, *hidden(page).items(), ("action", action)])
    return page, client.post(form_action(page), data=data)


def walk(client: FlaskClient, url: str, iv: InstrumentVersion,
         answers: dict[str, Any]) -> tuple[list[set[str]], Any]:
    """Answer every page with ``answers``; return the question names seen per page."""
    seen: list[set[str]] = []
    for _ in range(40):
        page, response = post(client, url, answer_fields(iv, answers))
        seen.append(field_names(page))
        assert response.status_code == 303, response.text
        url = response.headers["Location"]
        if "/done" in url:
            return seen, response
    raise AssertionError("the form never finished")


def responses(store: Store) -> list[ResponseRow]:
    with store.session() as s:
        return list(s.execute(select(ResponseRow)).scalars())


def stored_answers(store: Store, response_id: str) -> dict[str, str]:
    with store.session() as s:
        return dict(s.execute(select(Answer.question_code, Answer.value)
                              .where(Answer.response_id == response_id)).all())


# -- tests ---------------------------------------------------------------------------


def test_form_renders_in_english_and_welsh(env: Env) -> None:
    token = env.tokens[0]
    english = env.client.get(f"/respond/{token}")
    assert english.status_code == 200
    assert '<html lang="en">' in english.text
    assert "I have read the information about this survey" in english.text
    assert ">Continue</button>" in english.text
    assert 'hreflang="cy"' in english.text  # the language switch
    welsh = env.client.get(f"/respond/{token}?lang=cy")
    assert '<html lang="cy">' in welsh.text
    assert "Rwyf wedi darllen yr wybodaeth am yr arolwg hwn" in welsh.text
    assert ">Parhau</button>" in welsh.text and "Cadw a pharhau yn nes ymlaen" in welsh.text
    assert "Lloegr" in welsh.text and 'hreflang="en"' in welsh.text  # place names in Welsh
    by_header = env.client.get(f"/respond/{token}", headers={"Accept-Language": "cy,en;q=0.5"})
    assert '<html lang="cy">' in by_header.text
    # The researcher version declares English only: ?lang=cy falls back to English.
    open_page = env.client.get("/open/researcher/1.0.0?lang=cy")
    assert '<html lang="en">' in open_page.text and 'hreflang' not in open_page.text


def test_welsh_page_marks_english_fallback_texts(env: Env) -> None:
    answers = lg_answers()
    url = f"/respond/{env.tokens[0]}?lang=cy"
    for _ in range(5):  # answer pages until the not-involved page is reached
        page, response = post(env.client, url, answer_fields(env.lg, answers))
        url = response.headers["Location"]
        if "partnership_intention" in field_names(env.client.get(url).text):
            break
    page = env.client.get(url).text
    assert '<html lang="cy">' in page
    assert "safbwynt eich sefydliad ar ddatblygu partneriaeth ymchwil" in page  # translated
    assert "We are planning to develop one" not in page  # its options are in Welsh too
    # Section headings are English only in the format: shown marked as English.
    assert '<h1><span lang="en">No partnership</span></h1>' in page
    assert "(dewisol)" in page  # "optional" in Welsh


def test_not_involved_path_never_shows_partnership_questions(env: Env) -> None:
    seen, done = walk(env.client, f"/respond/{env.tokens[0]}", env.lg, lg_answers())
    shown = set().union(*seen)
    assert "partnership_intention" in shown and "evidence_priorities" in shown
    assert not shown & {"evidence_sources", "motivations", "focus", "partner_organisation_1"}
    assert "region" not in shown  # asked only in England
    (response,) = responses(env.store)
    assert (response.state, response.path, response.source) == (
        "complete", "no_partnership", "web")
    invitation = find_invitation(env.store, env.tokens[0])
    assert invitation is not None and response.respondent_id == invitation.respondent_id
    assert env.client.get(done.headers["Location"]).status_code == 200


def test_answers_on_a_path_given_up_are_discarded(env: Env) -> None:
    token = env.tokens[1]
    partnership = lg_answers(nation="england", region="yorkshire_humber", in_partnership="yes",
                             partnership_intention=None, evidence_sources=["evidence_centres"],
                             evidence_sources_named="ONS")
    url = f"/respond/{token}"
    for _ in range(3):  # About you (2 pages), then the first partnership page
        page, response = post(env.client, url, answer_fields(env.lg, partnership))
        url = response.headers["Location"]
    assert "evidence_sources" in field_names(page)
    (saved,) = responses(env.store)
    assert '["evidence_centres"]' in stored_answers(env.store, saved.id).values()
    # Back to "About you", now not involved: the partnership answers go.
    walk(env.client, f"/respond/{token}", env.lg, lg_answers(nation="england",
                                                              region="yorkshire_humber"))
    (done,) = responses(env.store)
    kept = stored_answers(env.store, done.id)
    assert "evidence_sources" not in kept and "evidence_sources_named" not in kept
    assert kept["region"] == '"yorkshire_humber"' and done.path == "no_partnership"


def test_validation_messages_sit_beside_their_questions(env: Env) -> None:
    _, response = post(env.client, f"/respond/{env.tokens[0]}",
                       [("role", "x" * 201), ("organisation", "  ")])
    assert response.status_code == 400
    page = response.text
    assert "<title>Error:" in page
    assert 'class="error-summary" role="alert"' in page
    for code in ("consent", "organisation", "organisation_type", "nation"):
        assert f'href="#q-{code}"' in page  # the summary links to the field
        assert f'id="q-{code}-error"' in page
    assert "Tick the box to continue" in page and "Answer this question" in page
    assert "At most 200 characters (got 201)" in page
    # The summary names each question (not "Answer this question" three times) and the
    # page says where the respondent is: "Page 1 of N".
    summary = page.split('class="error-summary"')[1].split("</div>")[0]
    links = re.findall(r'<li><a href="#q-([a-z_]+)">([^<]+): ', summary)
    labels = {q.code: " ".join(q.label.en.split()) for q in env.lg.questions}
    assert links and all(html.unescape(text) == labels[code] for code, text in links)
    assert re.search(r'<p class="caption">Page 1 of \d+</p>', page)
    found = re.search(r'<input type="text" id="q-organisation"[^>]*>', page)
    assert found is not None
    organisation = found.group(0)
    assert 'aria-invalid="true"' in organisation
    assert 'aria-describedby="q-organisation-hint q-organisation-error"' in organisation
    # The message is placed inside the question's own block, before the next question.
    block = page.split('id="q-role-question"')[1].split('class="question')[0]
    assert "At most 200 characters" in block and 'value="' + "x" * 201 + '"' in block
    assert responses(env.store) == []


def test_welsh_messages(env: Env) -> None:
    _, response = post(env.client, f"/respond/{env.tokens[0]}?lang=cy", [])
    assert response.status_code == 400
    assert "Mae problem wedi codi" in response.text and "Atebwch y cwestiwn hwn" in response.text


def _ranking_page_url(env: Env, token: str) -> str:
    url = f"/respond/{token}"
    for _ in range(5):
        _, response = post(env.client, url, answer_fields(env.lg, lg_answers()))
        url = response.headers["Location"]
        if "evidence_priorities" in field_names(env.client.get(url).text):
            return url
    raise AssertionError("no ranking page")


def test_ranking_rule_errors_are_plain_and_keyboard_widgets_are_selects(env: Env) -> None:
    url = _ranking_page_url(env, env.tokens[0])
    page = env.client.get(url).text
    assert "<fieldset" in page and "<legend>Which of the following would contribute" in page
    assert page.count('<select id="q-evidence_priorities') == 9
    assert 'draggable' not in page
    codes = list(_question(env.lg, "evidence_priorities").option_codes)
    ranks = [1, 3, 3, 4, 6, 7, 8, 9, None]
    fields = [(f"evidence_priorities:{c}", str(r)) for c, r in zip(codes, ranks, strict=True)
              if r is not None]
    _, response = post(env.client, url, fields)
    assert response.status_code == 400
    message = "Each position can be used once: positions 2 and 5 are missing, 3 is used twice"
    assert message in response.text
    assert response.text.count('aria-invalid="true"') == 9
    assert 'id="q-evidence_priorities-error"' in response.text
    # The respondent's choices are kept for correcting.
    assert '<option value="3" selected>3</option>' in response.text


def test_ranking_top_k_and_ties_allowed(env: Env) -> None:
    url = "/open/form_demo/1.0.0"
    _, response = post(env.client, url, [("staff", "12")])
    url = response.headers["Location"]
    _, response = post(env.client, url, [("top_two:a", "1"), ("top_two:b", "1"),
                                         ("tied:x", "1")])
    assert response.status_code == 400
    assert "Rank exactly your top 2: position 2 is missing, 1 is used twice" in response.text
    assert "Give every option a position: &#39;Option Y&#39; not ranked" in response.text
    _, response = post(env.client, url, [("top_two:c", "1"), ("top_two:a", "2"),
                                         ("tied:x", "1"), ("tied:y", "1")])
    assert response.status_code == 303 and "/done" in response.headers["Location"]
    (saved,) = responses(env.store)
    kept = stored_answers(env.store, saved.id)
    assert kept["top_two"] == '{"a":2,"c":1}' and kept["tied"] == '{"x":1,"y":1}'


def test_number_questions_are_parsed_and_checked(env: Env) -> None:
    for text, message in (("twelve", "Enter a whole number, like 12"),
                          ("2.5", "Enter a whole number, like 12"),
                          ("1001", "Must be at most 1000")):
        _, response = post(env.client, "/open/form_demo/1.0.0", [("staff", text)])
        assert response.status_code == 400 and message in response.text, text
    _, response = post(env.client, "/open/form_demo/1.0.0", [("staff", "1,000")])
    assert response.status_code == 303


def test_numbers_too_large_for_a_float_get_a_message_not_an_error(env: Env) -> None:
    huge = "9" * 400  # float() makes this infinity
    _, response = post(env.client, "/open/form_demo/1.0.0", [("staff", huge)])
    assert response.status_code == 400 and "Enter a whole number, like 12" in response.text
    # An unbounded, non-integer number question: only the store's check stands in the way.
    unbounded = parse_instrument_text(
        "instrument: number_demo\nversion: 1.0.0\ntitle: Numbers (synthetic test instrument)\n"
        "questions: [{code: budget, type: number, required: true, label: Budget}]\n",
        "number_demo.yaml")
    open_link(env.store, unbounded, BASE)
    for text in (huge, "-" + huge):
        _, response = post(env.client, "/open/number_demo/1.0.0", [("budget", text)])
        assert response.status_code == 400, text
        assert "Give a finite number" in html.unescape(response.text)
    assert not [r for r in responses(env.store) if r.instrument == "number_demo"]
    _, response = post(env.client, "/open/number_demo/1.0.0", [("budget", "1.5")])
    assert response.status_code == 303


def test_save_and_come_back_restores_answers(env: Env) -> None:
    token = env.tokens[0]
    fields = answer_fields(env.lg, {"organisation": "Cyngor Sir Ynys Môn",
                                    "organisation_type": "other", "nation": "wales"})
    fields.append(("organisation_type.other", "Joint committee"))
    _, response = post(env.client, f"/respond/{token}", fields, action="save")
    assert response.status_code == 303 and "/saved" in response.headers["Location"]
    saved_page = env.client.get(response.headers["Location"])
    assert "Your answers have been saved" in saved_page.text
    (saved,) = responses(env.store)
    assert saved.state == "in_progress"
    # A new browser (no cookies) with the same link sees the answers again.
    again = env.client.application.test_client().get(f"/respond/{token}").text
    assert 'value="Cyngor Sir Ynys Môn"' in again
    assert 'value="wales" checked' in again and 'value="other" checked' in again
    assert 'value="Joint committee"' in again
    assert not re.search(r'name="consent" value="true" checked', again)


def test_open_link_save_gives_a_private_resume_link(env: Env) -> None:
    _, response = post(env.client, "/open/researcher/1.0.0",
                       [("organisation", "Wrexham Glyndŵr University")], action="save")
    saved_page = env.client.get(response.headers["Location"]).text
    found = re.search(r'<p class="resume"><a href="([^"]+)"', saved_page)
    assert found is not None
    link = html.unescape(found.group(1))
    assert "/open/researcher/1.0.0?r=" in link
    resumed = env.client.application.test_client().get(link.replace("http://localhost", ""))
    assert 'value="Wrexham Glyndŵr University"' in resumed.text
    # A made-up key is never adopted: it starts a fresh attempt with a new key.
    fresh = env.client.get("/open/researcher/1.0.0?r=" + "A" * 40).text
    assert hidden(fresh)["key"] != "A" * 40 and "Wrexham" not in fresh


def test_same_submission_twice_makes_one_response(env: Env) -> None:
    token = env.tokens[0]
    answers = lg_answers()
    url = f"/respond/{token}"
    for _ in range(10):
        page, response = post(env.client, url, answer_fields(env.lg, answers))
        url = response.headers["Location"]
        if "/done" in url:
            break
    # The browser sends the last page again (double click, reload, retry).
    data = MultiDict([*answer_fields(env.lg, answers), *hidden(page).items(),
                      ("action", "next")])
    again = env.client.post(form_action(page), data=data)
    assert again.status_code == 303 and "/done" in again.headers["Location"]
    done = env.client.get(again.headers["Location"])
    assert done.status_code == 200 and "Your answers have been submitted" in done.text
    assert len(responses(env.store)) == 1
    # A different answer for the completed response is refused, and nothing changes.
    changed = MultiDict([*answer_fields(env.lg, lg_answers(follow_up_interview=True)),
                         *hidden(page).items(), ("action", "next")])
    refused = env.client.post(form_action(page), data=changed)
    assert refused.status_code == 409
    assert "already completed with different answers" in refused.text
    (response,) = responses(env.store)
    assert stored_answers(env.store, response.id)["follow_up_interview"] == "false"


def test_used_and_unknown_links(env: Env) -> None:
    token = env.tokens[0]
    walk(env.client, f"/respond/{token}", env.lg, lg_answers())
    used = env.client.get(f"/respond/{token}")
    assert used.status_code == 410 and "This link has already been used" in used.text
    unknown = env.client.get("/respond/not-a-real-token")
    assert unknown.status_code == 404 and "This link is not valid" in unknown.text
    assert unknown.headers["Content-Security-Policy"] == FORM_CSP
    # Another person's link still works.
    assert env.client.get(f"/respond/{env.tokens[1]}").status_code == 200


def test_open_link_mode(env: Env) -> None:
    answers = {"consent": True, "organisation": "Cardiff University",
               "organisation_type": "university", "nation": "wales", "in_partnership": "no",
               "evidence_priorities": {c: i for i, c in enumerate(
                   _question(env.researcher, "evidence_priorities").option_codes, start=1)}}
    answers.update({q.code: "open_to_it" for q in env.researcher.questions
                    if q.required and q.path == "no_partnership"
                    and q.option("open_to_it") is not None})
    walk(env.client, "/open/researcher/1.0.0", env.researcher, answers)
    walk(env.client, "/open/researcher/1.0.0", env.researcher, answers)
    done = responses(env.store)
    assert len(done) == 2 and all(r.respondent_id is None and r.state == "complete"
                                  for r in done)
    # Invitation-only and unknown versions have no open link.
    assert env.client.get("/open/local_government/1.0.0").status_code == 404
    assert env.client.get("/open/researcher/9.9.9").status_code == 404


def test_open_link_is_served_only_while_explicitly_opened(env: Env) -> None:
    # Recorded (as 'responses import' or record_instrument would) but never opened.
    lg_new = Catalogue.default().load("local_government@1.1.0")
    record_instrument(env.store, lg_new)
    url = "/open/local_government/1.1.0"
    assert env.client.get(url).status_code == 404
    open_link(env.store, lg_new, BASE)
    assert env.client.get(url).status_code == 200
    open_link(env.store, lg_new, BASE, enabled=False)
    assert env.client.get(url).status_code == 404
    # Submitting to a closed link saves nothing.
    assert env.client.post(url, data={"action": "next"}).status_code == 404
    assert not [r for r in responses(env.store) if r.version == "1.1.0"]


def test_labels_and_answers_are_escaped(env: Env) -> None:
    page = env.client.get("/open/form_demo/1.0.0").text
    assert SCRIPT not in page and "<img src=x" not in page
    assert "How many staff? &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    token = env.tokens[0]
    _, saved = post(env.client, f"/respond/{token}",
                    [("organisation", SCRIPT), ("role", '"><script>alert(2)</script>')],
                    action="save")
    assert saved.status_code == 303
    again = env.client.get(f"/respond/{token}")
    assert "<script>" not in again.text
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in again.text
    assert 'value="&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"' in again.text
    assert again.headers["Content-Security-Policy"] == FORM_CSP
    assert "script-src" not in FORM_CSP and "default-src 'none'" in FORM_CSP


def test_a_planted_cookie_equal_to_the_posted_token_is_refused(env: Env) -> None:
    """An attacker who can set the CSRF cookie (a sibling subdomain, a proxy) and post the
    same value as the token was accepted by the plain double-submit check: the token is
    now the cookie signed with the server's secret."""
    url = f"/respond/{env.tokens[0]}"
    page = env.client.get(url).text
    fields = answer_fields(env.lg, lg_answers())
    planted = "A" * 43
    attacker = env.client.application.test_client()
    attacker.set_cookie("landscape_form_csrf", planted)
    response = attacker.post(form_action(page), data=MultiDict(
        [*fields, *{**hidden(page), "csrf_token": planted}.items(), ("action", "save")]))
    assert response.status_code == 403
    # The genuine page's token fits only the genuine cookie.
    assert hidden(page)["csrf_token"] != env.client.get_cookie("landscape_form_csrf").value
    assert responses(env.store) == []


def test_posts_without_the_csrf_token_are_refused(env: Env) -> None:
    url = f"/respond/{env.tokens[0]}"
    page = env.client.get(url).text
    fields = answer_fields(env.lg, lg_answers())
    forged = {**hidden(page), "csrf_token": "x" * 43}
    response = env.client.post(form_action(page), data=MultiDict(
        [*fields, *forged.items(), ("action", "save")]))
    assert response.status_code == 403 and "Your page has expired" in response.text
    stranger = env.client.application.test_client()  # no cookie at all
    response = stranger.post(form_action(page), data=MultiDict(
        [*fields, *hidden(page).items(), ("action", "save")]))
    assert response.status_code == 403
    assert responses(env.store) == []


def test_the_dash_app_and_form_share_one_server(env: Env) -> None:
    app = env.client.application
    index = env.client.get("/")
    assert index.status_code == 200 and "dash" in index.text.lower()
    with app.app_context():
        assert current_store() is env.store
        assert current_demo_label() == "Test store: synthetic responses"
    form = env.client.get(f"/respond/{env.tokens[0]}")
    assert "Test store: synthetic responses" in form.text
    css = env.client.get("/form-assets/form.css")
    assert css.status_code == 200 and css.content_type.startswith("text/css")


def test_unmigrated_store_is_refused(tmp_path: Path) -> None:
    from survey.errors import LandscapeError

    Store.open(f"sqlite:///{tmp_path / 'empty.db'}", check=False, create=True).close()
    monkey = pytest.MonkeyPatch()
    monkey.setenv("LANDSCAPE_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        with pytest.raises(LandscapeError) as exc:
            create_app()
    finally:
        monkey.undo()
    assert exc.value.issues[0].code == "S101"


def test_pages_split_where_a_condition_needs_an_answer_on_the_same_page(env: Env) -> None:
    pages = [p.codes for p in form_pages(env.lg)]
    about = [p for p in pages if "consent" in p or "region" in p]
    assert about == [("consent", "organisation", "organisation_type", "role", "nation"),
                     ("region", "in_partnership")]
    assert [c for p in pages for c in p] == [q.code for q in env.lg.questions]
    with env.store.session() as s:
        assert s.execute(select(func.count()).select_from(ResponseRow)).scalar_one() == 0


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_participant_information_is_shown_before_consent_and_linkable(env: Env,
                                                                       lang: str) -> None:
    """The consent question says 'I have read the information about this survey': the page
    that asks it shows that information first, escaped, and links to it on its own page."""
    page = env.client.get(f"/respond/{env.tokens[0]}?lang={lang}").text
    heading = "Who runs this survey" if lang == "en" else "Pwy sy&#39;n cynnal yr arolwg hwn"
    assert heading in page
    assert page.index('class="information"') < page.index('type="checkbox" id=')
    assert "Reconstructed participant information" in page  # labelled as such
    link = html.unescape(re.search(r'<a href="(/information/[^"]+)"', page).group(1))
    own = env.client.get(link)
    assert own.status_code == 200 and heading in own.text
    assert own.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_the_researcher_open_link_shows_its_information_too(env: Env) -> None:
    page = env.client.get("/open/researcher/1.0.0").text
    assert "Why we are asking" in page and "How long we keep them" in page
    assert env.client.get("/information/researcher/9.9.9").status_code == 404


# -- hostile input: size limits and control characters (issue 7, items 6 and 7) --------


@pytest.mark.parametrize(("text", "message"), [
    ("x" * 301, "At most 300 characters (got 301)"),
    ("Cyngor\x00Sir", "Remove the control character U+0000 at position 7"),
    ("Cyngor\x0bSir", "Remove the control character U+000B at position 7"),
])
def test_long_or_control_text_is_refused_with_a_message(env: Env, text: str,
                                                        message: str) -> None:
    """An organisation name has a default limit (no max_length in the published file)."""
    assert _question(env.lg, "organisation").max_length is None
    url = f"/respond/{env.tokens[0]}"
    _, response = post(env.client, url, [("organisation", text)], action="save")
    assert response.status_code != 303 and message in html.unescape(response.text)
    assert responses(env.store) == []


def test_a_request_body_over_the_limit_gets_a_413_page(env: Env) -> None:
    app = create_app(env.store, max_request_bytes=4096)
    client = app.server.test_client()
    url = f"/respond/{env.tokens[0]}"
    page = client.get(url).text
    data = MultiDict([("organisation", "x" * 5000), *hidden(page).items(), ("action", "save")])
    response = client.post(form_action(page), data=data)
    assert response.status_code == 413
    assert "Your answers are too long to send" in response.text
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert responses(env.store) == []
    # Within the limit the same page is saved.
    data = MultiDict([("organisation", "Cardiff"), *hidden(page).items(), ("action", "save")])
    assert client.post(form_action(page), data=data).status_code == 303
