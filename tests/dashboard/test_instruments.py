"""The Instruments page without a browser: versions, questionnaire, diff, downloads, URL."""

from __future__ import annotations

import doctest
import io
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import dashboard.instrument_views as instrument_views
from dashboard.app import create_app
from dashboard.instrument_views import (
    diff_block,
    instrument_export,
    markdown_blocks,
    questionnaire_view,
    version_choices,
)
from dashboard.views import text_of
from survey.cli import main
from survey.instrument.registry import Catalogue
from survey.instrument.render import escape_markdown, render_markdown
from survey.store import Store
from tests.dashboard.conftest import all_components

NASTY = ["<script>alert('x')</script>", "**bold** _it_ `code`", "[x](javascript:alert(1))",
         "# not a heading", "- not an item", "a & b &amp; c", "1. x \\ y | z"]


def test_examples() -> None:
    result = doctest.testmod(instrument_views, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("text", NASTY)
def test_escaped_renderer_text_comes_back_as_the_same_plain_text(text: str) -> None:
    (block,) = markdown_blocks("- " + escape_markdown(text))
    (item,) = block.children
    assert item.children == text and type(item).__module__.startswith("dash.html")
    (paragraph,) = markdown_blocks(escape_markdown(text))
    assert paragraph.children == text


def test_questionnaire_shows_every_question_in_either_language() -> None:
    iv = Catalogue.default().load("local_government@1.0.0")
    for language in ("en", "cy"):
        view = questionnaire_view(iv, language)
        questions = [c.children for c in view.children if type(c).__name__ == "H5"]
        assert len(questions) == len(iv.questions)
        for number, (q, shown) in enumerate(zip(iv.questions, questions, strict=True), 1):
            label = q.label.get(language) or q.label.en
            assert shown == f"Q{number}. {' '.join(label.split())}"
    assert "Markdown" not in {type(c).__name__ for c in view.children}


def test_diff_is_the_cli_diff() -> None:
    old, new = "local_government@1.0.0", "local_government@1.1.0"
    cli = CliRunner().invoke(main, ["instrument", "diff", old, new])
    assert cli.exit_code == 0
    shown = text_of(diff_block(Catalogue.default(), old, new))
    assert " ".join(cli.output.split()[3:]) == " ".join(shown.replace("Every change", "")
                                                        .split())
    assert "partnership_duration: optional question added" in shown
    nothing = text_of(diff_block(Catalogue.default(), old, None))
    assert nothing == "Choose two versions to compare."


def _sheets(content: bytes) -> dict[str, list[tuple[object, ...]]]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in book}


def test_xlsform_download_matches_the_cli_export(tmp_path: Path) -> None:
    ref = "researcher@1.0.0"
    name, content = instrument_export(Catalogue.default(), ref, "xlsform")
    target = tmp_path / "cli.xlsx"
    cli = CliRunner().invoke(main, ["instrument", "export-xlsform", ref, "-o", str(target)])
    assert cli.exit_code == 0 and name == "researcher-1.0.0.xlsx"
    downloaded, written = _sheets(content), _sheets(target.read_bytes())
    assert downloaded == written and {"survey", "choices", "settings"} <= set(downloaded)
    md_name, md = instrument_export(Catalogue.default(), ref, "md", "en")
    assert md_name == "researcher-1.0.0-en.md"
    assert md.decode() == render_markdown(Catalogue.default().load(ref))


def test_unknown_download_format_is_a_coded_error() -> None:
    with pytest.raises(Exception, match="X102"):
        instrument_export(Catalogue.default(), "researcher@1.0.0", "pdf")


@pytest.fixture
def app_store() -> Store:
    store = Store.open("sqlite://", check=False)
    store.upgrade()
    return store


def test_page_takes_its_view_from_the_address_and_writes_it_back(app_store: Store) -> None:
    app = create_app(app_store)
    page = sys.modules["dashboard.pages.instruments"]
    with app.server.test_request_context("/instruments"):
        tree = page.layout(version="local_government@1.1.0", language="cy",
                           compare="local_government@1.0.0")
        default = page.layout()
    text = text_of(tree)
    assert "Arolwg partneriaethau ymchwil lleol (llywodraeth leol)" in text
    assert "Classification: MINOR (additive), 12 changes" in text
    assert "Version shown" in text and "Compare with (older version)" in text
    refs = [ref for ref, _ in version_choices(Catalogue.default())]
    assert refs[-1] == "researcher@1.0.0" and "Version: 1.0.0" in text_of(default)
    with app.server.test_request_context("/"):
        shown, diff, query, compare = page.update_view("local_government@1.1.0", "cy",
                                                       "local_government@1.0.0")
        *_, query_after, compare_after = page.update_view(
            "researcher@1.0.0", "en", "local_government@1.0.0", version_changed=True)
    assert query == ("version=local_government%401.1.0&language=cy"
                     "&compare=local_government%401.0.0")
    assert "Arolwg" in text_of(shown) and "12 changes" in text_of(diff)
    assert compare == "local_government@1.0.0"
    assert compare_after is None and query_after == "version=researcher%401.0.0"
    # a change is announced in one short sentence (the questionnaire is not re-read)
    (live,) = [c for c in all_components(tree)
               if "aria-live" in c.to_plotly_json()["props"]]
    assert live.id == "instruments-announce"
    assert page.view_note(query) == ("Showing local_government@1.1.0 in Cymraeg (Welsh), "
                                     "compared with local_government@1.0.0.")
