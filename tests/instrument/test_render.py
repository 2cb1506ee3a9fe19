"""The questionnaire as Markdown: content, conditions in words, and escaping of labels."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_assert import no_traceback
from click.testing import CliRunner

from survey.cli import main
from survey.errors import LandscapeError
from survey.instrument.loader import load_instrument, parse_instrument_text
from survey.instrument.model import InstrumentVersion
from survey.instrument.registry import Catalogue
from survey.instrument.render import escape_markdown, render_markdown

markdown_it = pytest.importorskip("markdown_it")

SHIPPED = Catalogue.default().files()

DEMO = """
instrument: demo
version: 1.2.0
title: {en: Demo survey, cy: Arolwg demo}
languages: [en, cy]
paths:
  partner: {label: {en: Partners, cy: Partneriaid}, when: "in_partnership == 'yes'"}
questions:
  - code: in_partnership
    type: single_choice
    section: About you
    required: true
    label: {en: "In a partnership?", cy: "Mewn partneriaeth?"}
    options:
      - {code: 'yes', label: {en: 'Yes', cy: 'Ydy'}}
      - {code: 'no', label: {en: 'No', cy: 'Nac ydy'}}
  - code: priorities
    type: ranking
    section: Priorities
    path: partner
    concept: evidence_priorities
    label: {en: Rank these}
    options:
      - {code: o1, label: One, concept: c1}
      - {code: o2, label: Two}
      - {code: o3, label: Three}
      - {code: o4, label: Four}
      - {code: o5, label: Five}
      - {code: o6, label: Six}
      - {code: o7, label: Seven}
      - {code: o8, label: Eight}
      - {code: o9, label: Nine}
  - code: top
    type: ranking
    section: Priorities
    ranking: {mode: top_k, k: 3, ties: allow}
    label: Your top three
    options: [{code: a, label: A}, {code: b, label: B}, {code: c, label: C},
              {code: d, label: D}]
  - code: success
    type: rating
    section: Priorities
    scale: {min: 1, max: 5, labels: {1: Not at all, 5: Very}}
    label: How successful?
    relevant: "rank(priorities, 'o1') <= 3 or count(top) >= 2"
  - code: staff
    type: number
    integer: true
    min: 0
    max: 50
    label: Staff
    relevant: "not answered(success) and in_partnership in ['yes', 'no']"
"""

EVIL = "<script>alert(1)</script> [x](javascript:alert(1)) **bold** ![i](http://e/x.png) `c`"


@pytest.fixture(scope="module")
def demo() -> InstrumentVersion:
    return parse_instrument_text(DEMO)


def _html(markdown: str) -> str:
    return str(markdown_it.MarkdownIt("commonmark").enable("table").enable(
        "strikethrough").render(markdown))


def test_header_and_questions(demo: InstrumentVersion) -> None:
    text = render_markdown(demo)
    lines = text.splitlines()
    assert lines[0] == "# Demo survey"
    assert "- Version: 1.2.0 (draft)" in lines
    assert f"- Content hash: `{demo.content_hash}`" in lines
    assert "- Languages: English (en), Cymraeg (cy)" in lines
    assert "## About you" in lines and "## Priorities" in lines
    assert lines.index("## About you") < lines.index("### Q1. In a partnership?")
    assert "### Q5. Staff" in lines
    assert "`in_partnership` · single choice · **required**" in lines
    assert "`staff` · number · optional" in lines
    assert "- `yes` Yes" in lines and "- `no` No" in lines
    assert "A whole number, at least 0 and at most 50." in lines


def test_ranking_rules_and_scale(demo: InstrumentVersion) -> None:
    lines = render_markdown(demo).splitlines()
    assert "Rank all 9 options, 1 = most important; no ties." in lines
    assert ("Rank your top 3 of the 4 options, 1 = most important; the rest stay unranked; "
            "ties allowed.") in lines
    assert "- `o1` One *(concept `c1`)*" in lines
    assert "- 1 = Not at all" in lines and "- 3" in lines and "- 5 = Very" in lines


def test_conditions_in_words(demo: InstrumentVersion) -> None:
    lines = render_markdown(demo).splitlines()
    assert ("- **Partners** (`partner`): asked if Q1 (`in_partnership`) is “Yes” (`yes`)"
            in lines)
    assert ("Asked on path `partner`, that is if Q1 (`in_partnership`) is “Yes” (`yes`)."
            in lines)
    assert ("Asked if the rank given to “One” (`o1`) at Q2 (`priorities`) is at most 3 or "
            "the number of options chosen at Q3 (`top`) is at least 2.") in lines
    assert ("Asked if not (Q4 (`success`) is answered) and Q1 (`in_partnership`) is one of "
            "“Yes” (`yes`), “No” (`no`).") in lines


def test_welsh_with_english_fallback_marked(demo: InstrumentVersion) -> None:
    lines = render_markdown(demo, language="cy").splitlines()
    assert lines[0] == "# Arolwg demo"
    assert "### Q1. Mewn partneriaeth?" in lines
    assert "- `yes` Ydy" in lines
    assert "### Q2. Rank these *(no Cymraeg text; English shown)*" in lines


def test_unknown_language_is_refused(demo: InstrumentVersion) -> None:
    with pytest.raises(LandscapeError) as caught:
        render_markdown(demo, language="fr")
    assert caught.value.issues[0].code == "I215"


# -- escaping -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "**bold** and _it_ and ~~gone~~",
    "![img](http://example.org/x.png)",
    "`code` | a | b |",
    "1. not a list",
    "- not a list",
    "# not a heading",
    "a\n\n# heading after a blank line\n<img src=x onerror=alert(1)>",
    "&lt; stays an entity text",
    "back\\slash\\*",
])
def test_escape_markdown_renders_literally(text: str) -> None:
    html = _html(escape_markdown(text))
    # One paragraph holding exactly the text (whitespace folded), nothing else.
    expected = " ".join(text.split())
    escaped = (expected.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
               .replace('"', "&quot;"))
    assert html == f"<p>{escaped}</p>\n"


def test_hostile_labels_render_literally() -> None:
    evil = EVIL.replace("'", "''")
    iv = parse_instrument_text(f"""
instrument: evil
version: 1.0.0
title: '{evil}'
description: '{evil}'
paths:
  p: {{label: '{evil}', when: "a == 'x'"}}
questions:
  - code: a
    type: single_choice
    section: '{evil}'
    label: '{evil}'
    hint: '{evil}'
    options:
      - {{code: x, label: '{evil}'}}
      - {{code: y, label: ok}}
  - {{code: b, type: rating, path: p, label: '{evil}',
      scale: {{min: 1, max: 2, labels: {{1: '{evil}'}}}}}}
""")
    html = _html(render_markdown(iv))
    assert "<script" not in html
    assert "<a " not in html and "<img" not in html
    assert "<strong>bold</strong>" not in html
    # The only markup is ours: headings, lists, paragraphs, our emphasis and code spans.
    tags = set(re.findall(r"</?([a-z0-9]+)", html))
    assert tags <= {"h1", "h2", "h3", "p", "ul", "li", "em", "strong", "code"}
    literal = ("&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1)) **bold** "
               "![i](http://e/x.png) `c`")
    # Title, description, path label, section, two question labels, hint, option label,
    # scale label, and the option label quoted in two conditions in words (the path's
    # and question b's): 11 places, every one literal.
    assert html.count(literal) == 11


def test_hostile_condition_source_is_escaped() -> None:
    iv = parse_instrument_text("""
instrument: evil
version: 1.0.0
title: Evil
questions:
  - {code: a, type: free_text, label: A}
  - {code: b, type: free_text, label: B, relevant: "a == '<b>[x](y)</b>'"}
  - {code: c, type: free_text, label: C, relevant: "a == <script>"}
""")
    html = _html(render_markdown(iv))
    assert "<b>" not in html and "<a " not in html and "<script" not in html
    assert "&lt;b&gt;[x](y)&lt;/b&gt;" in html
    assert "a == &lt;script&gt; <em>(this condition does not parse)</em>" in html


# -- shipped instruments and the command -----------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED, ids=[f"{p.parent.name}@{p.stem}" for p in SHIPPED])
@pytest.mark.parametrize("language", ["en", "cy"])
def test_shipped_versions_render(path: Path, language: str) -> None:
    iv = load_instrument(path)
    text = render_markdown(iv, language=language)
    for number, q in enumerate(iv.questions, start=1):
        assert f"### Q{number}. " in text
        assert f"`{q.code}` · " in text
    ranking = iv.ranking_questions()
    for q in ranking:
        assert f"Rank all {len(q.options)} options, 1 = most important; no ties." in text
    assert "does not parse" not in text
    tags = set(re.findall(r"</?([a-z0-9]+)", _html(text)))
    assert tags <= {"h1", "h2", "h3", "p", "ul", "li", "em", "strong", "code"}


def test_cli_render(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["instrument", "render", "local_government@1.0.0"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Local research partnerships survey")
    assert "Rank all 9 options, 1 = most important; no ties." in result.output
    out = tmp_path / "lg.md"
    result = runner.invoke(main, ["instrument", "render", "researcher@1.0.0", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("# ")


def test_cli_render_unknown_ref() -> None:
    result = CliRunner().invoke(main, ["instrument", "render", "nobody@1.0.0"])
    assert result.exit_code == 2
    assert "I110" in result.output and no_traceback(result)
