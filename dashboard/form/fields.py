"""The form's fields: answers to and from what a browser posts, and each question's view."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from dashboard.form.pages import other_chosen
from dashboard.form.text import Label, localise, ui_text
from survey.instrument.model import InstrumentVersion, Question, QuestionType
from survey.instrument.places import places_for

__all__ = ["Parsed", "answer_fields", "parse_answer", "question_view", "raw_from_answer"]

_NUMBER_PATTERN = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")


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


def raw_from_answer(q: Question, value: Any) -> Any:
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
class Parsed:
    """One question's answer as posted: its value, what to show again, any parse error."""

    value: Any = None
    raw: Any = None
    other: str | None = None
    error: str | None = None  # a key of UI


def parse_answer(q: Question, form: MultiDict[str, str]) -> Parsed:
    """Read one question's answer from the posted form (None when unanswered)."""
    t = q.type
    out = Parsed()
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
    if q.other and other_chosen(out.value):
        out.other = form.get(f"{q.code}.other", "").strip() or None
    return out


def question_view(iv: InstrumentVersion, q: Question, raw: Any, error: Label | None,
                   lang: str) -> dict[str, Any]:
    """Everything the template needs to draw one question (all text still unescaped)."""
    qid = f"q-{q.code}"
    hint = localise(q.hint, lang) if q.hint is not None else None
    described = " ".join(x for x in (f"{qid}-hint" if hint else "",
                                     f"{qid}-error" if error else "") if x)
    view: dict[str, Any] = {
        "code": q.code, "type": q.type.value, "id": qid, "label": localise(q.label, lang),
        "hint": hint, "error": error, "required": q.required, "describedby": described,
        "first_id": qid,
    }
    choices: list[dict[str, Any]] = []
    if q.type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        chosen = raw if isinstance(raw, list) else [raw] if raw else []
        for o in q.options:
            choices.append({"value": o.code, "label": localise(o.label, lang),
                            "checked": o.code in chosen})
        if q.other:
            choices.append({"value": "other", "label": ui_text(lang, "other"),
                            "checked": "other" in chosen})
    elif q.type is QuestionType.PLACE:
        for place in places_for(q.place_level or "region"):
            choices.append({"value": place.code,
                            "label": Label(place.cy if lang == "cy" else place.en, lang),
                            "checked": raw == place.code})
    elif q.type is QuestionType.RATING:
        assert q.scale is not None
        for point in range(q.scale.min, q.scale.max + 1):
            text = q.scale.labels.get(point)
            shown = localise(text, lang) if text is not None else None
            choices.append({
                "value": str(point), "checked": raw == str(point),
                "label": Label(f"{point} – {shown.text}" if shown else str(point),
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
        view["rank_help"] = (ui_text(lang, "rank_help") if q.ranking.mode == "full"
                             else ui_text(lang, "rank_help_top", k=positions))
        view["rows"] = [{"id": qid if i == 0 else f"{qid}-{o.code}", "name": f"{q.code}:{o.code}",
                         "label": localise(o.label, lang), "selected": picks.get(o.code, "")}
                        for i, o in enumerate(q.options)]
    if q.type is QuestionType.CONSENT:
        view["checked"] = bool(raw)
    if q.type in (QuestionType.FREE_TEXT, QuestionType.ORGANISATION, QuestionType.NUMBER):
        view["value"] = raw if isinstance(raw, str) else ""
        view["max_length"] = q.text_limit
        view["multiline"] = q.type is QuestionType.FREE_TEXT and (q.text_limit or 10**6) > 200
        view["inputmode"] = ("numeric" if q.integer else "decimal") \
            if q.type is QuestionType.NUMBER else None
    if q.other:
        view["other_id"] = f"{qid}-other-text"
        view["other_name"] = f"{q.code}.other"
        view["other_value"] = ""
    return view
