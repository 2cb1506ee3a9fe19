"""The questionnaire as readable Markdown, for people reviewing an instrument.

:func:`render_markdown` prints a version's title, version, hash, languages and
paths, then every question in order under its section heading: its number,
code, type, whether it is required, when it is asked (the skip logic in words),
its options with their codes, the ranking rule and the rating scale.

Every text that comes from the instrument (labels, hints, headings, even the
skip-logic source) is escaped so that it renders literally: a label such as
``<script>``, ``[x](javascript:...)`` or ``**bold**`` shows as typed and never
becomes HTML, a link or formatting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from survey.errors import LandscapeError
from survey.instrument.logic import (
    BoolOp,
    Call,
    Compare,
    Expr,
    ListLiteral,
    Literal,
    Name,
    Not,
    parse_expression,
)
from survey.instrument.model import (
    CODE_PATTERN,
    LANGUAGES,
    InstrumentVersion,
    Question,
    QuestionType,
    Text,
)
from survey.instrument.places import places_for

__all__ = ["escape_markdown", "markdown_table", "render_markdown"]

# ASCII punctuation that means something inline in CommonMark or GitHub-flavoured
# Markdown (emphasis, code, links and images, tables, strikethrough), escaped with
# a backslash. Escaping '[' and ']' is enough to stop links and images, so '(' and
# '!' stay readable. '<', '>' and '&' become entities instead, which stops raw HTML.
_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]#|~])")
# Block syntax only matters at the start of a line: "1. ", "2) ", "- ", "+ ", "= ".
_LINE_START = re.compile(r"^(\d+)([.)])|^([-+=])")

_TYPE_WORDS: dict[QuestionType, str] = {
    QuestionType.SINGLE_CHOICE: "single choice",
    QuestionType.MULTIPLE_CHOICE: "multiple choice (select all that apply)",
    QuestionType.RANKING: "ranking",
    QuestionType.FREE_TEXT: "free text",
    QuestionType.RATING: "rating",
    QuestionType.NUMBER: "number",
    QuestionType.ORGANISATION: "organisation name",
    QuestionType.PLACE: "place",
    QuestionType.CONSENT: "consent",
}

_COMPARISON_WORDS = {
    "==": "is",
    "!=": "is not",
    "<": "is less than",
    "<=": "is at most",
    ">": "is more than",
    ">=": "is at least",
    "in": "is one of",
    "not in": "is none of",
}


def escape_markdown(text: str) -> str:
    """``text`` as Markdown that renders exactly as typed, on one line.

    Whitespace (including line breaks) is folded to single spaces, ``& < >``
    become HTML entities and Markdown punctuation is backslash-escaped.

    Examples
    --------
    >>> escape_markdown("**bold** <script>")
    '\\\\*\\\\*bold\\\\*\\\\* &lt;script&gt;'
    >>> print(escape_markdown("[x](javascript:alert(1))"))
    \\[x\\](javascript:alert(1))
    """
    folded = " ".join(text.split())
    html_safe = folded.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = _INLINE_SPECIALS.sub(r"\\\1", html_safe)
    return _LINE_START.sub(lambda m: (m[1] + "\\" + m[2]) if m[1] else "\\" + m[3], escaped)


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A Markdown table's lines: every cell escaped, the first column left-aligned and
    the others (figures) right-aligned.

    Examples
    --------
    >>> print("\\n".join(markdown_table(["Option", "1-3"], [["*a*", "51%"]])))
    | Option | 1-3 |
    |---|---:|
    | \\*a\\* | 51% |
    """
    lines = ["| " + " | ".join(escape_markdown(str(h)) for h in header) + " |",
             "|---|" + "---:|" * (len(header) - 1)]
    lines += ["| " + " | ".join(escape_markdown(str(c)) for c in row) + " |" for row in rows]
    return lines


def _code(code: str) -> str:
    """A code in a code span (codes are lower_snake_case, so nothing to escape)."""
    return f"`{code}`" if CODE_PATTERN.match(code) else escape_markdown(code)


class _Renderer:
    def __init__(self, iv: InstrumentVersion, language: str) -> None:
        self.iv = iv
        self.language = language
        self.numbers = {q.code: i for i, q in enumerate(iv.questions, start=1)}
        self.lines: list[str] = []

    # -- texts ------------------------------------------------------------------------
    def text(self, text: Text | None) -> str:
        if text is None:
            return ""
        shown = text.get(self.language, fallback=False)
        if shown is None:
            name = LANGUAGES.get(self.language, self.language)
            return escape_markdown(text.en) + f" *(no {name} text; English shown)*"
        return escape_markdown(shown)

    def question_ref(self, code: str) -> str:
        number = self.numbers.get(code)
        return f"Q{number} ({_code(code)})" if number else _code(code)

    def option_text(self, q: Question | None, code: str) -> str:
        if q is not None and q.type is QuestionType.PLACE:
            place = next((p for p in places_for(q.place_level or "region") if p.code == code),
                         None)
            if place is not None:
                return f"“{escape_markdown(place.cy if self.language == 'cy' else place.en)}”"
        option = q.option(code) if q is not None else None
        if option is not None:
            return f"“{self.text(option.label)}” ({_code(code)})"
        return f"“{escape_markdown(code)}”"

    # -- conditions in words ---------------------------------------------------------
    def words(self, expr: Expr, context: Question | None = None) -> str:
        if isinstance(expr, BoolOp):
            parts = [self.words(o) for o in expr.operands]
            parts = [f"({p})" if isinstance(o, BoolOp) else p
                     for p, o in zip(parts, expr.operands, strict=True)]
            return f" {expr.op} ".join(parts)
        if isinstance(expr, Not):
            return f"not ({self.words(expr.operand)})"
        if isinstance(expr, Compare):
            left_q = self.question_of(expr.left)
            right_q = self.question_of(expr.right)
            left = self.words(expr.left, right_q)
            right = self.words(expr.right, left_q)
            return f"{left} {_COMPARISON_WORDS[expr.op]} {right}"
        if isinstance(expr, ListLiteral):
            return ", ".join(self.words(i, context) for i in expr.items)
        if isinstance(expr, Literal):
            value = expr.value
            if isinstance(value, bool):
                return "yes" if value else "no"
            if isinstance(value, str):
                return self.option_text(context, value)
            return escape_markdown(repr(value))
        if isinstance(expr, Name):
            q = self.iv.question(expr.code)
            if q is not None and q.type is QuestionType.CONSENT and context is None:
                return f"{self.question_ref(expr.code)} is yes"
            return self.question_ref(expr.code)
        assert isinstance(expr, Call)
        q = self.iv.question(expr.question.code)
        where = self.question_ref(expr.question.code)
        option = self.option_text(q, str(expr.option.value)) if expr.option else ""
        if expr.function == "answered":
            return f"{where} is answered"
        if expr.function == "selected":
            return f"{option} is chosen at {where}"
        if expr.function == "count":
            return f"the number of options chosen at {where}"
        return f"the rank given to {option} at {where}"

    def question_of(self, expr: Expr) -> Question | None:
        return self.iv.question(expr.code) if isinstance(expr, Name) else None

    def condition(self, source: str) -> str:
        try:
            tree = parse_expression(source)
        except LandscapeError:
            return f"{escape_markdown(source)} *(this condition does not parse)*"
        return self.words(tree)

    # -- questions ----------------------------------------------------------------------
    def answer_lines(self, q: Question) -> list[str]:
        if q.type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE,
                      QuestionType.RANKING):
            lines = [f"- {_code(o.code)} {self.text(o.label)}"
                     + (f" *(concept {_code(o.concept)})*" if o.concept else "")
                     for o in q.options]
            if q.other and q.option("other") is None:
                lines.append("- `other` Other, please specify *(free text follows)*")
            return lines
        if q.type is QuestionType.RATING and q.scale is not None:
            lines = []
            for point in range(q.scale.min, q.scale.max + 1):
                label = q.scale.labels.get(point)
                lines.append(f"- {point}" + (f" = {self.text(label)}" if label else ""))
            return lines
        if q.type is QuestionType.PLACE:
            return [f"- {_code(p.code)} {escape_markdown(p.cy if self.language == 'cy' else p.en)}"
                    for p in places_for(q.place_level or "region")]
        if q.type is QuestionType.CONSENT:
            return ["- yes: agrees", "- no: does not agree"]
        return []

    def rule(self, q: Question) -> str | None:
        """The answering rule in words, for types that have one."""
        if q.type is QuestionType.RANKING and q.ranking is not None:
            n = len(q.options)
            ties = "no ties" if q.ranking.ties == "forbid" else "ties allowed"
            if q.ranking.mode == "full":
                return f"Rank all {n} options, 1 = most important; {ties}."
            return (f"Rank your top {q.ranking.k} of the {n} options, 1 = most important; "
                    f"the rest stay unranked; {ties}.")
        if q.type is QuestionType.RATING and q.scale is not None:
            return f"Choose one point from {q.scale.min} to {q.scale.max}."
        if q.type is QuestionType.NUMBER:
            kind = "A whole number" if q.integer else "A number"
            bounds = []
            if q.minimum is not None:
                bounds.append(f"at least {_number(q.minimum)}")
            if q.maximum is not None:
                bounds.append(f"at most {_number(q.maximum)}")
            return kind + (", " + " and ".join(bounds) if bounds else "") + "."
        if q.type is QuestionType.FREE_TEXT:
            return ("Free text" + (f", at most {q.max_length} characters" if q.max_length
                                   else "") + ".")
        if q.type is QuestionType.ORGANISATION:
            return "The organisation's name, as free text (matched to an organisation later)."
        if q.type is QuestionType.PLACE:
            return f"One UK {'nation' if q.place_level == 'nation' else 'ITL1 region'}."
        if q.type is QuestionType.MULTIPLE_CHOICE:
            return "Choose all that apply."
        if q.type is QuestionType.SINGLE_CHOICE:
            return "Choose one."
        return None

    def question(self, q: Question) -> None:
        number = self.numbers[q.code]
        out = self.lines
        out += [f"### Q{number}. {self.text(q.label)}", ""]
        facts = [_code(q.code), _TYPE_WORDS[q.type], "**required**" if q.required else "optional"]
        if q.concept:
            facts.append(f"concept {_code(q.concept)}")
        out += [" · ".join(facts), ""]
        asked: list[str] = []
        if q.path is not None:
            path = self.iv.path(q.path)
            if path is None:
                asked.append(f"on path {_code(q.path)} *(not declared)*")
            else:
                asked.append(f"on path {_code(path.code)}, that is if "
                             f"{self.condition(path.when)}")
        if q.relevant is not None:
            asked.append(f"if {self.condition(q.relevant)}")
        if asked:
            out += ["Asked " + "; and ".join(asked) + ".", ""]
        if q.hint is not None:
            out += [f"*Hint:* {self.text(q.hint)}", ""]
        rule = self.rule(q)
        if rule:
            out += [rule, ""]
        answers = self.answer_lines(q)
        if answers:
            out += [*answers, ""]

    def render(self) -> str:
        iv, out = self.iv, self.lines
        languages = ", ".join(f"{LANGUAGES.get(lang, lang)} ({lang})" for lang in iv.languages)
        out += [
            f"# {self.text(iv.title)}",
            "",
            f"- Instrument: {_code(iv.instrument)}",
            f"- Version: {iv.version} ({escape_markdown(iv.status)})",
            f"- Content hash: `{iv.content_hash}`" if re.fullmatch(r"[\w:]+", iv.content_hash)
            else f"- Content hash: {escape_markdown(iv.content_hash)}",
            f"- Languages: {languages}",
            f"- Shown in: {LANGUAGES.get(self.language, self.language)} ({self.language})",
            f"- Questions: {len(iv.questions)}",
            "",
        ]
        if iv.description is not None:
            out += [self.text(iv.description), ""]
        if iv.paths:
            out += ["## Paths", ""]
            for path in iv.paths:
                out.append(f"- **{self.text(path.label)}** ({_code(path.code)}): asked if "
                           f"{self.condition(path.when)}")
            out.append("")
        section: str | None = None
        for q in iv.questions:
            if q.section != section and q.section is not None:
                out += [f"## {escape_markdown(q.section)}", ""]
            section = q.section
            self.question(q)
        return "\n".join(out).rstrip("\n") + "\n"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def render_markdown(iv: InstrumentVersion, language: str = "en") -> str:
    """The questionnaire of ``iv`` as Markdown, with texts in ``language``.

    Texts with no translation in ``language`` show the English, marked as such.

    Examples
    --------
    >>> from survey.instrument.loader import parse_instrument_text
    >>> iv = parse_instrument_text('''
    ... instrument: demo
    ... version: 1.0.0
    ... title: "Demo <b>survey</b>"
    ... questions:
    ...   - {code: name, type: free_text, label: "Your **name**?", required: true}
    ... ''')
    >>> text = render_markdown(iv)
    >>> text.splitlines()[0]
    '# Demo &lt;b&gt;survey&lt;/b&gt;'
    >>> "### Q1. Your \\\\*\\\\*name\\\\*\\\\*?" in text
    True
    """
    if language not in LANGUAGES:
        raise LandscapeError.of("I215", f"language '{language}' is not supported "
                                f"(use one of: {', '.join(LANGUAGES)})")
    return _Renderer(iv, language).render()
