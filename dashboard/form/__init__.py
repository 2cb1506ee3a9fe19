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
skip logic hides are discarded, and the response is checked on the server once
per request by the answer model (:func:`survey.answers.check_answers`, the rules
the store and the importers use), each problem worded in the page's language
beside its question, with an error summary at the top (the GOV.UK design system
pattern).

Labels, hints, answers and organisation names are attacker input: the templates
are Jinja2 with autoescaping on, and nothing is marked safe. Form pages carry a
restrictive Content-Security-Policy (no scripts at all; :mod:`dashboard.security`) and
a CSRF token: a random cookie signed with the server's secret key, so a cookie an
attacker plants cannot be paired with a token they make up; cross-site posts are
refused outright. Each attempt carries a random response key
(``secrets``) used as the store's idempotency key, so submitting the same
answers twice never makes two responses, and different answers for a completed
response are refused (``S107``).

The form is in four modules: :mod:`~dashboard.form.pages` (pagination),
:mod:`~dashboard.form.fields` (form fields <-> answers, each question's view),
:mod:`~dashboard.form.routes` (the blueprint and one request) and
:mod:`~dashboard.form.text` (interface texts and stylesheet, read from
``templates/form/text.yaml`` and ``static/form.css``).
"""

from __future__ import annotations

from dashboard.form.fields import answer_fields
from dashboard.form.pages import FormPage, form_pages
from dashboard.form.routes import form_blueprint
from dashboard.security import FORM_CSP

__all__ = ["FORM_CSP", "FormPage", "answer_fields", "form_blueprint", "form_pages"]
