"""Export an instrument version as an XLSForm, for fielding in ODK or KoboToolbox.

An XLSForm is a workbook with three sheets: ``survey`` (one row per question or
group), ``choices`` (the option lists) and ``settings``. :func:`xlsform_sheets`
builds the rows (pure, so it is easy to test); :func:`write_xlsform` writes them
with openpyxl, atomically.

The mapping, question type by question type:

================  ===================================================================
ours              XLSForm
================  ===================================================================
single_choice     ``select_one <code>`` (``other``: an ``other`` choice and a text
                  follow-up ``<code>_other`` shown when it is chosen)
multiple_choice   ``select_multiple <code>`` (``other`` as above)
ranking           ``rank <code>``; a ``top_k`` rule adds a hint that only the first k
                  positions count (the ODK rank widget always orders every option)
free_text         ``text`` (``max_length`` as a constraint)
organisation      ``text``
rating            ``select_one <code>`` over the scale points, ``likert`` appearance
number            ``integer`` or ``decimal``, ``min``/``max`` as a constraint
place             ``select_one place-nation`` / ``place-region``
consent           ``select_one consent-yes-no``
================  ===================================================================

A question's path condition and its own ``relevant`` are translated from the
skip-logic tree (:mod:`survey.instrument.logic`) into one XPath ``relevant``,
keeping our rule that any comparison involving an unanswered question is false.
Sections become groups. Every language of the instrument gets its own
``label::English (en)`` / ``label::Cymraeg (cy)`` (and ``hint::``) column; a text
with no translation repeats the English so no cell is left blank.

Labels are instrument text, which we do not trust: characters ODK would read as
formatting (``* _ # \\``) are backslash-escaped as ODK documents, and ``${`` and
``](`` (a field reference and a Markdown link) are broken with a zero-width space.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from openpyxl import Workbook

from survey.errors import LandscapeError, Location
from survey.files import atomic_write
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
    LANGUAGES,
    InstrumentVersion,
    Question,
    QuestionType,
    Text,
    Translation,
)
from survey.instrument.places import places_for

__all__ = ["language_column", "relevant_xpath", "write_xlsform", "xlsform_sheets"]

Row = dict[str, str]

#: Texts the export adds itself (not from the instrument), per language.
# The Welsh wording here is ours, not a professional translator's: review it.
_ADDED_TEXTS: dict[str, dict[str, str]] = {
    "other": {"en": "Other", "cy": "Arall"},
    "other_specify": {"en": "Please specify", "cy": "Nodwch"},
    "yes": {"en": "Yes", "cy": "Ie"},
    "no": {"en": "No", "cy": "Na"},
    "top_k": {"en": "Only your first {k} choices count.",
              "cy": "Dim ond eich {k} dewis cyntaf sy'n cyfrif."},
}

_ZERO_WIDTH_SPACE = "\u200b"
_CONSENT_LIST = "consent-yes-no"  # hyphens: cannot clash with a lower_snake_case code


def language_column(language: str) -> str:
    """The XLSForm name of a language, as used in ``label::<name>`` columns.

    Examples
    --------
    >>> language_column("cy")
    'Cymraeg (cy)'
    """
    return f"{LANGUAGES[language]} ({language})"


def _odk_text(text: str) -> str:
    """Make instrument text display literally in ODK Collect and Enketo."""
    out = text
    for special in ("\\", "*", "_", "#"):
        out = out.replace(special, "\\" + special)
    return out.replace("${", "$" + _ZERO_WIDTH_SPACE + "{").replace(
        "](", "]" + _ZERO_WIDTH_SPACE + "(")


def _texts(iv: InstrumentVersion, column: str, text: Text | None, suffix: str = "") -> Row:
    """``column::Language (xx)`` cells for ``text`` in every language of ``iv``."""
    if text is None:
        return {}
    return {
        f"{column}::{language_column(lang)}": _odk_text(text.get(lang) or text.en) + suffix
        for lang in iv.languages
    }


def _added(iv: InstrumentVersion, column: str, key: str, **fields: object) -> Row:
    texts = _ADDED_TEXTS[key]
    return {
        f"{column}::{language_column(lang)}": texts.get(lang, texts["en"]).format(**fields)
        for lang in iv.languages
    }


# -- skip logic ----------------------------------------------------------------------


def _xpath_string(value: str) -> str:
    """An XPath 1.0 string literal (which has no escapes) for ``value``."""
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    parts = value.split("'")
    return "concat(" + ", \"'\", ".join(f"'{p}'" for p in parts) + ")"


def _xpath_number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    text = format(value, "f").rstrip("0")
    return text if not text.endswith(".") else text + "0"


class _XPath:
    """Translates one condition tree into XPath for one instrument."""

    def __init__(self, iv: InstrumentVersion, location: Location) -> None:
        self.iv = iv
        self.location = location

    def fail(self, message: str) -> LandscapeError:
        return LandscapeError.of("I209", f"cannot export this condition to XLSForm: {message}",
                                 self.location)

    def question(self, name: Name) -> Question:
        q = self.iv.question(name.code)
        if q is None:
            raise LandscapeError.of("I207", f"the condition refers to '{name.code}', which is "
                                    f"not a question of {self.iv.ref}", self.location)
        return q

    @staticmethod
    def ref(code: str) -> str:
        return "${" + code + "}"

    # A condition (true/false) ----------------------------------------------------
    def condition(self, expr: Expr) -> str:
        if isinstance(expr, BoolOp):
            parts = [self.wrapped(o) for o in expr.operands]
            return f" {expr.op} ".join(parts)
        if isinstance(expr, Not):
            return f"not({self.condition(expr.operand)})"
        if isinstance(expr, Compare):
            return self.compare(expr)
        if isinstance(expr, Literal) and isinstance(expr.value, bool):
            return "true()" if expr.value else "false()"
        if isinstance(expr, Name):
            q = self.question(expr)
            if q.type is QuestionType.CONSENT:
                return f"{self.ref(q.code)} = 'yes'"
            raise self.fail(f"'{q.code}' is a {q.type.value}, not true/false")
        if isinstance(expr, Call) and expr.function in ("answered", "selected"):
            q = self.question(expr.question)
            if expr.function == "answered":
                return f"string-length({self.ref(q.code)}) > 0"
            assert expr.option is not None
            return f"selected({self.ref(q.code)}, {_xpath_string(str(expr.option.value))})"
        raise self.fail("this part is not a true/false condition")

    def wrapped(self, expr: Expr) -> str:
        """``expr`` as an operand of 'and' / 'or': nested 'and'/'or' in parentheses."""
        text = self.condition(expr)
        return f"({text})" if isinstance(expr, BoolOp) else text

    # A value -------------------------------------------------------------------------
    def value(self, expr: Expr, other: Expr | None = None) -> str:
        """``expr`` as an XPath value; ``other`` is what it is compared with."""
        if isinstance(expr, Literal):
            v = expr.value
            if isinstance(v, bool):
                # Consent answers are the choices 'yes' / 'no'.
                return "'yes'" if v else "'no'"
            if isinstance(v, str):
                return _xpath_string(v)
            return _xpath_number(v)
        if isinstance(expr, Name):
            return self.ref(self.question(expr).code)
        if isinstance(expr, Call):
            q = self.question(expr.question)
            if expr.function == "count":
                return f"count-selected({self.ref(q.code)})"
            if expr.function == "rank":
                assert expr.option is not None
                return self.rank_position(q, str(expr.option.value))
        raise self.fail("this part is not a value that can be compared")

    def rank_position(self, q: Question, option: str) -> str:
        """The 1-based position of ``option`` in a rank answer, or '' if not ranked.

        ODK stores a rank answer as the option codes in order, space-separated.
        """
        positions = len(q.options)
        if q.ranking is not None:
            positions = q.ranking.positions(len(q.options))
        text = "''"
        for index in reversed(range(positions)):
            text = (f"if(selected-at({self.ref(q.code)}, {index}) = {_xpath_string(option)}, "
                    f"{index + 1}, {text})")
        return text

    def presence(self, expr: Expr) -> list[str]:
        """XPath tests that the answers ``expr`` reads are given."""
        if isinstance(expr, Name):
            return [f"string-length({self.ref(expr.code)}) > 0"]
        if isinstance(expr, Call) and expr.function == "count":
            return [f"string-length({self.ref(expr.question.code)}) > 0"]
        if isinstance(expr, Call) and expr.function == "rank":
            assert expr.option is not None
            return [f"{self.rank_position(self.question(expr.question), str(expr.option.value))}"
                    " != ''"]
        return []

    def compare(self, cmp: Compare) -> str:
        if cmp.op in ("in", "not in"):
            assert isinstance(cmp.right, ListLiteral)
            left = self.value(cmp.left)
            items = [f"{left} = {self.value(item, cmp.left)}" for item in cmp.right.items]
            body = " or ".join(items) if items else "false()"
            text = f"({body})" if len(items) > 1 else body
            if cmp.op == "not in":
                text = f"not({body})"
            literals = list(cmp.right.items)
        else:
            op = "=" if cmp.op == "==" else cmp.op
            text = f"{self.value(cmp.left, cmp.right)} {op} {self.value(cmp.right, cmp.left)}"
            literals = [n for n in (cmp.left, cmp.right) if isinstance(n, Literal)]
        # In our language a comparison with an unanswered question is false. XPath
        # agrees for '=' against a non-empty value (an empty answer equals nothing),
        # but not for '!=', 'not in', count-selected() (0 when unanswered) or ''.
        needs_guard = (
            cmp.op not in ("==", "in")
            or any(isinstance(n, Call) and n.function == "count" for n in (cmp.left, cmp.right))
            or any(lit.value == "" for lit in literals)
        )
        guards = self.presence(cmp.left) + self.presence(cmp.right)
        if needs_guard and guards:
            return "(" + " and ".join([*guards, text]) + ")"
        return text


def relevant_xpath(iv: InstrumentVersion, question: Question) -> str | None:
    """The XLSForm ``relevant`` of ``question``: its path's condition and its own.

    Raises
    ------
    LandscapeError
        ``I206`` for a condition that does not parse, ``I207`` for an unknown
        question or ``I213`` for an unknown path (``landscape instrument validate``
        reports these in full).

    Examples
    --------
    >>> from survey.instrument.loader import parse_instrument_text
    >>> iv = parse_instrument_text('''
    ... instrument: demo
    ... version: 1.0.0
    ... title: Demo
    ... paths: {p: {label: Partners, when: "partner == 'yes'"}}
    ... questions:
    ...   - code: partner
    ...     type: single_choice
    ...     label: In a partnership?
    ...     options: [{code: 'yes', label: 'Yes'}, {code: 'no', label: 'No'}]
    ...   - {code: n, type: number, label: How many, path: p}
    ...   - {code: why, type: free_text, label: Why not three, path: p, relevant: "n != 3"}
    ... ''')
    >>> relevant_xpath(iv, iv.questions[2])
    "${partner} = 'yes' and (string-length(${n}) > 0 and ${n} != 3)"
    """
    conditions: list[tuple[str, Location]] = []
    here = Location(file=iv.source_file, line=question.line, question=question.code)
    if question.path is not None:
        path = iv.path(question.path)
        if path is None:
            raise LandscapeError.of("I213", f"question '{question.code}' is on path "
                                    f"'{question.path}', which {iv.ref} does not declare", here)
        conditions.append((path.when, Location(file=iv.source_file, line=path.line,
                                               question=question.code)))
    if question.relevant is not None:
        conditions.append((question.relevant, Location(
            file=iv.source_file, line=question.relevant_line or question.line,
            question=question.code)))
    parts: list[str] = []
    for text, location in conditions:
        try:
            tree = parse_expression(text)
        except LandscapeError as exc:
            first = exc.issues[0]
            raise LandscapeError.of("I206", first.message, replace(
                location, column=first.location.column)) from None
        translator = _XPath(iv, location)
        parts.append(translator.wrapped(tree))
    if not parts:
        return None
    return " and ".join(parts)


# -- sheets ------------------------------------------------------------------------------


class _Names:
    """Row names must be unique across the survey sheet (case-insensitively)."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = {t.lower() for t in taken}

    def new(self, wanted: str) -> str:
        name, n = wanted, 2
        while name.lower() in self.taken:
            name = f"{wanted}_{n}"
            n += 1
        self.taken.add(name.lower())
        return name


def _slug(text: str) -> str:
    """A lower_snake_case name for a group from its heading ("About you" -> about_you)."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    slug = "_".join(words)[:40].strip("_")
    return slug if slug[:1].isalpha() else f"section_{slug}".strip("_")


def _choices_rows(iv: InstrumentVersion, q: Question, list_name: str) -> list[Row]:
    rows: list[Row] = []
    for option in q.options:
        rows.append({"list_name": list_name, "name": option.code,
                     **_texts(iv, "label", option.label)})
    if q.other and q.option("other") is None:
        rows.append({"list_name": list_name, "name": "other", **_added(iv, "label", "other")})
    return rows


def _scale_rows(iv: InstrumentVersion, q: Question) -> list[Row]:
    assert q.scale is not None
    rows: list[Row] = []
    for point in range(q.scale.min, q.scale.max + 1):
        label = q.scale.labels.get(point)
        cells = (_texts(iv, "label", label) if label is not None else
                 {f"label::{language_column(lang)}": str(point) for lang in iv.languages})
        rows.append({"list_name": q.code, "name": str(point), **cells})
    return rows


def _number_constraint(q: Question) -> str | None:
    parts = []
    if q.minimum is not None:
        parts.append(f". >= {_xpath_number(q.minimum)}")
    if q.maximum is not None:
        parts.append(f". <= {_xpath_number(q.maximum)}")
    return " and ".join(parts) or None


def _type_cells(iv: InstrumentVersion, q: Question, choices: list[Row], place_lists: set[str]
                ) -> tuple[Row, Row]:
    """A question's ``type`` cell (and constraint or appearance), adding its choice rows.

    Returns the cells and any note the export adds to the question's hint.
    """
    cells: Row = {}
    hint_suffix: Row = {}
    if q.type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        kind = "select_one" if q.type is QuestionType.SINGLE_CHOICE else "select_multiple"
        cells["type"] = f"{kind} {q.code}"
        choices += _choices_rows(iv, q, q.code)
    elif q.type is QuestionType.RANKING:
        cells["type"] = f"rank {q.code}"
        choices += _choices_rows(iv, q, q.code)
        if q.ranking is not None and q.ranking.mode == "top_k":
            hint_suffix = _added(iv, "hint", "top_k", k=q.ranking.k)
    elif q.type in (QuestionType.FREE_TEXT, QuestionType.ORGANISATION):
        cells["type"] = "text"
        if q.max_length is not None:
            cells["constraint"] = f"string-length(.) <= {q.max_length}"
    elif q.type is QuestionType.RATING:
        cells["type"] = f"select_one {q.code}"
        cells["appearance"] = "likert"
        choices += _scale_rows(iv, q)
    elif q.type is QuestionType.NUMBER:
        cells["type"] = "integer" if q.integer else "decimal"
        constraint = _number_constraint(q)
        if constraint:
            cells["constraint"] = constraint
    elif q.type is QuestionType.PLACE:
        level = q.place_level or "region"
        list_name = f"place-{level}"
        cells["type"] = f"select_one {list_name}"
        if list_name not in place_lists:
            place_lists.add(list_name)
            for place in places_for(level):
                by_language = {"en": place.en, "cy": place.cy}
                choices.append({"list_name": list_name, "name": place.code, **{
                    f"label::{language_column(lang)}": _odk_text(by_language[lang])
                    for lang in iv.languages}})
    else:  # consent
        cells["type"] = f"select_one {_CONSENT_LIST}"
    return cells, hint_suffix


def xlsform_sheets(iv: InstrumentVersion) -> dict[str, list[dict[str, str]]]:
    """The rows of the ``survey``, ``choices`` and ``settings`` sheets for ``iv``.

    Each row maps a column header to its cell text; the sheet's columns are the
    union of its rows' keys, in order of first appearance.

    Examples
    --------
    >>> from survey.instrument.loader import parse_instrument_text
    >>> iv = parse_instrument_text('''
    ... instrument: demo
    ... version: 1.2.0
    ... title: Demo
    ... questions:
    ...   - code: best
    ...     type: ranking
    ...     label: Rank these
    ...     options: [{code: a, label: A}, {code: b, label: B}]
    ... ''')
    >>> sheets = xlsform_sheets(iv)
    >>> sheets["survey"][0]["type"], sheets["settings"][0]["version"]
    ('rank best', '1.2.0')
    """
    names = _Names({q.code for q in iv.questions})
    survey: list[Row] = []
    choices: list[Row] = []
    place_lists: set[str] = set()
    consent_used = False
    section: str | None = None

    for q in iv.questions:
        if q.section != section:
            if section is not None:
                survey.append({"type": "end_group"})
            section = q.section
            if section is not None:
                heading = Text({"en": Translation(section)})
                survey.append({"type": "begin_group", "name": names.new(_slug(section)),
                               **_texts(iv, "label", heading)})
        row: Row = {"type": "", "name": q.code, **_texts(iv, "label", q.label)}
        cells, hint_suffix = _type_cells(iv, q, choices, place_lists)
        row.update(cells)
        consent_used = consent_used or q.type is QuestionType.CONSENT
        row.update(_hint_cells(iv, q.hint, hint_suffix))
        if q.required:
            row["required"] = "yes"
        relevant = relevant_xpath(iv, q)
        if relevant:
            row["relevant"] = relevant
        survey.append(row)
        if q.other and q.type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
            follow_up: Row = {"type": "text", "name": names.new(f"{q.code}_other"),
                              **_added(iv, "label", "other_specify"), "required": "yes",
                              "relevant": f"selected(${{{q.code}}}, 'other')"}
            survey.append(follow_up)
    if section is not None:
        survey.append({"type": "end_group"})
    if consent_used:
        for code in ("yes", "no"):
            choices.append({"list_name": _CONSENT_LIST, "name": code,
                            **_added(iv, "label", code)})
    settings: Row = {
        "form_title": iv.title.en,
        "form_id": iv.instrument,
        "version": str(iv.version),
        "default_language": language_column("en"),
    }
    return {"survey": survey, "choices": choices, "settings": [settings]}


def _hint_cells(iv: InstrumentVersion, hint: Text | None, extra: Row) -> Row:
    """Hint cells: the question's hint, then any note the export adds."""
    cells = _texts(iv, "hint", hint)
    for column, note in extra.items():
        cells[column] = f"{cells[column]} {note}" if column in cells else note
    return cells


# -- writing ------------------------------------------------------------------------------


def _columns(rows: list[Row]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            seen.setdefault(key, None)
    return list(seen)


def write_xlsform(iv: InstrumentVersion, path: Path) -> Path:
    """Write ``iv`` as an XLSForm workbook at ``path``.

    The workbook is written to a temporary file beside ``path`` and moved into
    place only when complete, so a failure never leaves a half-written file.

    Raises
    ------
    LandscapeError
        ``X101`` when ``path``'s directory does not exist or cannot be written;
        logic errors (``I206``, ``I207``, ``I213``) from :func:`relevant_xpath`.

    Examples
    --------
    >>> import tempfile
    >>> from survey.instrument.loader import parse_instrument_text
    >>> iv = parse_instrument_text(
    ...     "{instrument: d, version: 1.0.0, title: D, questions: "
    ...     "[{code: n, type: number, label: Count}]}")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     write_xlsform(iv, Path(tmp) / "d.xlsx").name
    'd.xlsx'
    """
    sheets = xlsform_sheets(iv)  # may raise: before anything touches the disk
    workbook = Workbook()
    default_sheet = workbook.active
    if default_sheet is not None:
        workbook.remove(default_sheet)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        columns = _columns(rows)
        sheet.append(columns)
        for row in rows:
            sheet.append([row.get(column, "") for column in columns])
    return atomic_write(path, workbook.save)
