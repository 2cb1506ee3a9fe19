"""The Instruments page's content: versions, the questionnaire, diffs, downloads.

Everything comes from the functions behind ``landscape instrument ...``: the
catalogue (:class:`survey.instrument.registry.Catalogue`), the questionnaire as
:func:`survey.instrument.render.render_markdown` writes it, the semantic diff of
:func:`survey.instrument.diff.diff_versions` and the XLSForm of
:func:`survey.instrument.xlsform.write_xlsform`.

The rendered questionnaire is shown as text, never as Markdown or HTML:
:func:`markdown_blocks` turns the renderer's lines into headings, list items and
paragraphs whose children are plain strings (React escapes them), after undoing
the renderer's own escaping, so that a label reading ``<script>`` is shown as
those characters.
"""

from __future__ import annotations

import html as html_entities
import re
import tempfile
from pathlib import Path
from typing import Any

from dash import html

from dashboard.views import table_from_rows
from survey.errors import LandscapeError
from survey.instrument.diff import diff_versions
from survey.instrument.model import InstrumentVersion
from survey.instrument.registry import Catalogue
from survey.instrument.render import render_markdown
from survey.instrument.xlsform import write_xlsform

__all__ = [
    "INSTRUMENT_MEDIA_TYPES",
    "diff_block",
    "instrument_export",
    "markdown_blocks",
    "previous_version",
    "questionnaire_view",
    "version_choices",
    "versions_table",
]

#: Media types of the instrument downloads.
INSTRUMENT_MEDIA_TYPES = {
    "xlsform": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "md": "text/markdown",
}
_HEADINGS = {"#": html.H3, "##": html.H4, "###": html.H5}
_MARKERS = re.compile(r"(?<!\\)(\*\*|\*|`)")
_ESCAPED = re.compile(r"\\(.)")


def _plain(line: str) -> str:
    """One rendered Markdown line as the text it stands for.

    Examples
    --------
    >>> _plain(r"**required** · `code` · 5 \\* 2 &lt;b&gt;")
    'required · code · 5 * 2 <b>'
    """
    return html_entities.unescape(_ESCAPED.sub(r"\1", _MARKERS.sub("", line)))


def markdown_blocks(text: str) -> list[Any]:
    """The renderer's Markdown as Dash components holding plain text only.

    ``#``-``###`` lines become headings (``h3``-``h5``), ``- `` lines list
    items, table lines a preformatted block, other lines paragraphs; emphasis
    and code marks are dropped and escapes undone, and every piece of text is a
    string child (so nothing in it is interpreted as markup).

    Examples
    --------
    >>> blocks = markdown_blocks("# Title\\n\\n- a **b**\\n- &lt;script&gt;\\n\\nText")
    >>> [type(b).__name__ for b in blocks]
    ['H3', 'Ul', 'P']
    >>> [li.children for li in blocks[1].children]
    ['a b', '<script>']
    """
    blocks: list[Any] = []
    items: list[Any] = []
    table: list[str] = []

    def flush() -> None:
        if items:
            blocks.append(html.Ul(list(items)))
            items.clear()
        if table:
            blocks.append(html.Pre("\n".join(table), className="questionnaire-table"))
            table.clear()

    for raw in text.splitlines():
        line = raw.rstrip()
        marker, _, rest = line.partition(" ")
        if line.startswith("- "):
            items.append(html.Li(_plain(line[2:])))
            continue
        if line.startswith("|"):
            table.append(_plain(line))
            continue
        flush()
        if not line:
            continue
        if marker in _HEADINGS and rest:
            blocks.append(_HEADINGS[marker](_plain(rest)))
        else:
            blocks.append(html.P(_plain(line)))
    flush()
    return blocks


def version_choices(catalogue: Catalogue) -> list[tuple[str, str]]:
    """``(ref, shown text)`` of every instrument version in the catalogue.

    Examples
    --------
    >>> version_choices(Catalogue.default())[0][0]
    'local_government@1.0.0'
    """
    return [(iv.ref, f"{iv.ref} – {iv.title.en}") for iv in catalogue.load_all()]


def versions_table(catalogue: Catalogue) -> html.Table:
    """Every version with its status, question count, languages and title.

    Examples
    --------
    >>> versions_table(Catalogue.default()).children[0].children
    'Instrument versions'
    """
    rows = [[iv.ref, iv.status, str(len(iv.questions)), ", ".join(iv.languages), iv.title.en]
            for iv in catalogue.load_all()]
    return table_from_rows("Instrument versions",
                           ["Version", "Status", "Questions", "Languages", "Title"], rows,
                           table_id="instrument-versions",
                           class_name="data-table versions-table")


def questionnaire_view(iv: InstrumentVersion, language: str = "en") -> html.Div:
    """The questionnaire of one version, as ``landscape instrument render`` prints it.

    Examples
    --------
    >>> iv = Catalogue.default().load("researcher@1.0.0")
    >>> questionnaire_view(iv).children[0].children
    'Local research partnerships survey 2022 (researchers)'
    """
    return html.Div(markdown_blocks(render_markdown(iv, language=language)),
                    id="questionnaire", className="questionnaire")


def previous_version(catalogue: Catalogue, ref: str) -> str | None:
    """The version before ``ref`` of the same instrument (None for the first).

    Examples
    --------
    >>> previous_version(Catalogue.default(), "local_government@1.1.0")
    'local_government@1.0.0'
    """
    name = ref.partition("@")[0]
    versions = [f"{name}@{v}" for v in catalogue.refs().get(name, [])]
    if ref not in versions:
        return None
    at = versions.index(ref)
    return versions[at - 1] if at else None


def diff_block(catalogue: Catalogue, old: str | None, new: str | None) -> html.Div:
    """What changed from ``old`` to ``new``: ``landscape instrument diff``'s text.

    Examples
    --------
    >>> diff_block(Catalogue.default(), "local_government@1.0.0",
    ...            "local_government@1.1.0").children[0].children
    'Classification: MINOR (additive), 12 changes'
    """
    if not old or not new:
        return html.Div([html.P("Choose two versions to compare.")], id="instrument-diff")
    try:
        result = diff_versions(catalogue.load(old), catalogue.load(new))
    except LandscapeError as exc:
        return html.Div([html.P(str(issue)) for issue in exc.issues], role="alert",
                        className="problem", id="instrument-diff")
    lines = result.render_text().splitlines()
    summary = [line for line in lines[1:3] if line.strip()]
    changes = html.Pre("\n".join(lines[3:]).strip("\n"), className="diff-text")
    return html.Div([*[html.P(line) for line in summary],
                     html.Details([html.Summary("Every change"), changes],
                                  open=len(result.changes) <= 20)],
                    id="instrument-diff")


def instrument_export(catalogue: Catalogue, ref: str, fmt: str,
                      language: str = "en") -> tuple[str, bytes]:
    """One version as a download: ``(file name, content)``.

    ``fmt`` is ``xlsform`` (written by :func:`write_xlsform`, for ODK and
    KoboToolbox) or ``md`` (the questionnaire as ``landscape instrument render``
    writes it).

    Examples
    --------
    >>> name, content = instrument_export(Catalogue.default(), "researcher@1.0.0", "xlsform")
    >>> name, content[:2]
    ('researcher-1.0.0.xlsx', b'PK')
    """
    iv = catalogue.load(ref)
    stem = f"{iv.instrument}-{iv.version}"
    if fmt == "md":
        return f"{stem}-{language}.md", render_markdown(iv, language=language).encode("utf-8")
    if fmt != "xlsform":
        raise LandscapeError.of("X102", f"'{fmt}' is not an instrument download; use "
                                "xlsform or md")
    with tempfile.TemporaryDirectory(prefix="landscape-xlsform-") as folder:
        path = write_xlsform(iv, Path(folder) / f"{stem}.xlsx")
        return path.name, path.read_bytes()
