"""Responses: one import for the whole response API, kept in four modules by concept.

=============================  ==================================================
:mod:`survey.store.validation`  checking answers against their instrument
:mod:`survey.store.writing`     saving one response (web) or many (imports)
:mod:`survey.store.reading`     the analysis frame and respondent profiles
:mod:`survey.store.instruments` the instrument versions responses answered
=============================  ==================================================

The answer value of each question type, and the rules answers must meet, are in
:mod:`survey.answers.rules` (the answer model the store, importers and form share).
"""

from __future__ import annotations

from survey.store.instruments import load_recorded_instrument, record_instrument
from survey.store.invitations import hash_token
from survey.store.reading import PROFILE_FIELDS, analysis_frame, resolve_profiles
from survey.store.validation import validate_answers
from survey.store.writing import ResponseRow, save_response, save_responses

__all__ = [
    "PROFILE_FIELDS",
    "ResponseRow",
    "analysis_frame",
    "hash_token",
    "load_recorded_instrument",
    "record_instrument",
    "resolve_profiles",
    "save_response",
    "save_responses",
    "validate_answers",
]
