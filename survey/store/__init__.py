"""The response store: respondents, invitations, responses and their answers.

For the web form and the importers, the whole API is:

``Store.open(url=None)``
    Open the store named by ``url`` or ``$LANDSCAPE_DATABASE_URL`` (default
    ``sqlite:///landscape.db``). Refuses an unmigrated or too-new schema
    (``S101``-``S103``); ``Store.open(url, check=False, create=True).upgrade()``
    creates/migrates it (what ``landscape db upgrade`` does). ``store.session()``
    reads; ``with store.write() as session:`` writes in one transaction
    (``BEGIN IMMEDIATE`` on SQLite).

``validate_answers(iv, answers, path=None, state="complete", is_shown=None)``
    A list of ``S106`` issues, one per question (``issue.location.question``):
    the answer model's problems (:func:`survey.answers.check_answers`, codes in
    ``issue.reason``) worded in English. Answer shapes are documented in
    :mod:`survey.answers.rules`; the web form calls the model itself, to word
    the problems in the respondent's language.

``save_response(store, iv, answers, source="web", token=, state=, path=, idempotency_key=)``
    Validate and save one response; returns its id. Same payload again -> same
    id; a different payload updates an ``in_progress`` response (save and come
    back) and is refused for a ``complete`` one (``S107``). ``token`` is the raw
    token from an invitation link (``{base_url}/respond/{token}``, see
    :data:`LINK_PATH`); an unknown token raises ``S109``. Open-link responses
    (``{base_url}/open/{instrument}/{version}``) have no token or respondent.

``save_responses(store, iv, rows, source_file)``
    Bulk import of :class:`ResponseRow` (or plain answer mappings): every row is
    validated first (``file:row`` locations), then all are inserted in one
    transaction, or none.

``find_invitation(store, token)``
    The invitation behind a link: ``(respondent_id, instrument, version, used)``
    or None; for the web form to pick the version and refuse used links.

``load_saved_response(store, instrument, version, respondent_id=, key=)``
    For the web form: the response saved so far, to carry on from.

``open_link_allowed(store, instrument, version)``
    Whether the open link of a version may be served (switched on, nobody invited).

``analysis_frame(store, question_code, instrument=None, ...)``
    A pandas DataFrame of one ranking question: one row per complete response,
    one ``Int64`` column per option, plus instrument, version, nation, region,
    organisation_type and path.

``record_instrument(store, iv)`` / ``load_recorded_instrument(store, id, version)``
    Keep (and get back) the exact instrument version responses were answered on.
"""

from __future__ import annotations

from survey.store.engine import SchemaStatus, Store
from survey.store.instruments import load_recorded_instrument, record_instrument
from survey.store.invitations import (
    LINK_PATH,
    OPEN_LINK_PATH,
    find_invitation,
    open_link_allowed,
)
from survey.store.reading import SavedResponse, analysis_frame, load_saved_response
from survey.store.validation import validate_answers
from survey.store.writing import ResponseRow, save_response, save_responses

__all__ = [
    "LINK_PATH",
    "OPEN_LINK_PATH",
    "ResponseRow",
    "SavedResponse",
    "SchemaStatus",
    "Store",
    "analysis_frame",
    "find_invitation",
    "load_recorded_instrument",
    "load_saved_response",
    "open_link_allowed",
    "record_instrument",
    "save_response",
    "save_responses",
    "validate_answers",
]
