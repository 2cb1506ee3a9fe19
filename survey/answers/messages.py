"""The words for each answer problem, in English and Welsh: the one message catalogue.

Every caller - the store, the importers, the web form - words a
:class:`~survey.answers.problems.Problem` with :func:`describe`. The Welsh should
be checked by a Welsh speaker before fieldwork.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from survey.answers.problems import Problem
from survey.errors import Issue, Location, issue
from survey.text import clip

__all__ = ["LANGUAGES", "MESSAGES", "describe", "problem_issue"]

#: The languages every message is written in.
LANGUAGES: tuple[str, ...] = ("en", "cy")

#: code -> language -> message template (``str.format`` with the problem's params).
MESSAGES: dict[str, dict[str, str]] = {
    "unknown_state": {"en": "State '{state}' is not one of {states}",
                      "cy": "Nid yw'r cyflwr '{state}' yn un o {states}"},
    "unknown_path": {"en": "Path '{path}' is not one of {paths}",
                     "cy": "Nid yw'r llwybr '{path}' yn un o {paths}"},
    "unknown_question": {"en": "{instrument} has no question '{key}'",
                         "cy": "Nid oes cwestiwn '{key}' yn {instrument}"},
    "other_text": {"en": "'Other' text is only for a question with an 'other' option",
                   "cy": "Mae testun 'arall' ar gyfer cwestiwn ag opsiwn 'arall' yn unig"},
    "wrong_path": {"en": "The question is on path '{path}', not on the path taken ('{taken}')",
                   "cy": "Mae'r cwestiwn ar lwybr '{path}', nid ar y llwybr a ddilynwyd "
                         "('{taken}')"},
    "hidden": {"en": "Leave this blank: the earlier answers mean this question is not asked",
               "cy": "Gadewch hwn yn wag: mae'r atebion cynharach yn golygu nad yw'r "
                     "cwestiwn hwn yn cael ei ofyn"},
    "required": {"en": "Answer this question", "cy": "Atebwch y cwestiwn hwn"},
    "consent_required": {"en": "Tick the box to continue", "cy": "Ticiwch y blwch i barhau"},
    "not_an_option": {"en": "'{value}' is not one of {options}",
                      "cy": "Nid yw '{value}' yn un o {options}"},
    "not_a_list": {"en": "Give a list of option codes", "cy": "Rhowch restr o godau opsiynau"},
    "unknown_options": {"en": "Unknown option(s) {values}", "cy": "Opsiwn(au) anhysbys {values}"},
    "repeated_option": {"en": "An option is chosen more than once",
                        "cy": "Dewiswyd opsiwn fwy nag unwaith"},
    "not_text": {"en": "Give text", "cy": "Rhowch destun"},
    "too_long": {"en": "At most {limit} characters (got {length})",
                 "cy": "Dim mwy na {limit} nod (rhoddwyd {length})"},
    "control_character": {"en": "Remove the control character {character} at position "
                                "{position} (text may hold tabs and line breaks only)",
                          "cy": "Tynnwch y nod rheoli {character} yn safle {position} (caiff "
                                "testun gynnwys tabiau a thoriadau llinell yn unig)"},
    "not_on_scale": {"en": "Give a whole number from {min} to {max}",
                     "cy": "Rhowch rif cyfan o {min} i {max}"},
    "not_a_number": {"en": "Give a number", "cy": "Rhowch rif"},
    "not_finite": {"en": "Give a finite number (not infinity, NaN or one too large to store)",
                   "cy": "Rhowch rif meidraidd (nid anfeidredd, NaN nac un rhy fawr i'w gadw)"},
    "not_whole": {"en": "Give a whole number", "cy": "Rhowch rif cyfan"},
    "below_minimum": {"en": "Must be at least {minimum:g}", "cy": "Rhaid bod o leiaf {minimum:g}"},
    "above_maximum": {"en": "Must be at most {maximum:g}",
                      "cy": "Rhaid bod dim mwy na {maximum:g}"},
    "not_a_place": {"en": "'{value}' is not a {level} code ({places})",
                    "cy": "Nid yw '{value}' yn god {level} ({places})"},
    "not_true_false": {"en": "Give true or false", "cy": "Rhowch gwir neu gau"},
    "ranking_shape": {"en": "Give a mapping of option code to rank, e.g. {{'a': 1, 'b': 2}}",
                      "cy": "Rhowch fapio o god opsiwn i safle, e.e. {{'a': 1, 'b': 2}}"},
    "ranking_options": {"en": "Unknown option(s) {values}; options are {options}",
                        "cy": "Opsiwn(au) anhysbys {values}; yr opsiynau yw {options}"},
    "ranking_not_whole": {"en": "Every rank must be a whole number",
                          "cy": "Rhaid i bob safle fod yn rif cyfan"},
    "ranking_range": {"en": "Ranks must be between 1 and {positions}",
                      "cy": "Rhaid i'r safleoedd fod rhwng 1 a {positions}"},
    "ranking_unranked": {"en": "Give every option a position: {unranked}",
                         "cy": "Rhowch safle i bob opsiwn: {unranked}"},
    "ranking_positions": {"en": "Each position can be used once: {details}",
                          "cy": "Gellir defnyddio pob safle unwaith: {details}"},
    "ranking_positions_top": {"en": "Rank exactly your top {positions}: {details}",
                              "cy": "Trefnwch eich {positions} uchaf yn union: {details}"},
}

# The pieces the ranking messages are assembled from.
_PARTS: dict[str, dict[str, str]] = {
    "missing_one": {"en": "position {p} is missing", "cy": "mae safle {p} ar goll"},
    "missing_many": {"en": "positions {p} are missing", "cy": "mae safleoedd {p} ar goll"},
    "used_twice": {"en": "{p} is used twice", "cy": "defnyddir {p} ddwywaith"},
    "used_times": {"en": "{p} is used {n} times", "cy": "defnyddir {p} {n} gwaith"},
    "unranked": {"en": "{options} not ranked", "cy": "heb drefnu {options}"},
    "and": {"en": "and", "cy": "a"},
}


def _join(items: Sequence[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {_PARTS['and'][lang]} {items[-1]}"


def _positions_details(params: Mapping[str, Any], lang: str) -> str:
    parts: list[str] = []
    missing = [str(p) for p in params["missing"]]
    if missing:
        key = "missing_one" if len(missing) == 1 else "missing_many"
        parts.append(_PARTS[key][lang].format(p=_join(missing, lang)))
    for position, count in params["repeated"].items():
        key = "used_twice" if count == 2 else "used_times"
        parts.append(_PARTS[key][lang].format(p=position, n=count))
    return ", ".join(parts)


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return clip(value) if isinstance(value, str) else value


def describe(problem: Problem, lang: str = "en",
             option_label: Callable[[str], str] | None = None) -> str:
    """``problem`` in words, in ``lang`` (``en`` or ``cy``; others fall back to English).

    ``option_label`` turns an option code into the text a respondent saw (the
    form passes the option's label); by default codes are shown.

    Examples
    --------
    >>> describe(Problem("ranking_positions", "q", {"missing": [3], "repeated": {1: 2},
    ...     "positions": 3, "mode": "full", "options": ["a", "b"]}))
    'Each position can be used once: position 3 is missing, 1 is used twice'
    >>> describe(Problem("required", "q"), "cy")
    'Atebwch y cwestiwn hwn'
    """
    lang = lang if lang in LANGUAGES else "en"
    params = dict(problem.params)
    code = problem.code
    if code == "ranking_positions":
        params["details"] = _positions_details(params, lang)
        if params.get("mode") == "top_k":
            code = "ranking_positions_top"
    elif code == "ranking_unranked":
        name = option_label or str
        options = _join([f"'{name(c)}'" for c in params["options"]], lang)
        params["unranked"] = _PARTS["unranked"][lang].format(options=options)
    plain = {key: _plain(value) for key, value in params.items()}
    return MESSAGES[code][lang].format(**plain)


def problem_issue(code: str, problem: Problem, location: Location | None = None,
                  column: str | None = None) -> Issue:
    """``problem`` as an issue of catalogue ``code``, worded in English.

    The issue's ``reason`` and ``params`` are the problem's code and params, and
    its location names the question (and ``column``, default the question).

    Examples
    --------
    >>> found = problem_issue("S106", Problem("required", "q1"))
    >>> found.reason, found.message, found.location.question
    ('required', 'Answer this question', 'q1')
    """
    base = location or Location()
    where = Location(file=base.file, row=base.row,
                     column=column if column is not None else problem.question,
                     question=problem.question)
    return issue(code, describe(problem), where, reason=problem.code, params=problem.params)
