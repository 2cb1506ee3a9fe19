"""``landscape export``: report-ready tables and charts.

``landscape export priorities`` writes the priority band tables in the 2022
report's layout (CSV, XLSX, DOCX, Markdown) or as a chart (HTML, PNG, SVG).
Rankings come from the same sources as ``landscape priorities``: a file
exported from another tool (``--input FILE --layout ...``) or, without
``--input``, the shipped demo data (reconstructed to match the published
tables, and labelled so in every table).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from survey.errors import LandscapeError, Location

__all__ = ["export_group"]

_DEMO_TITLE = "Table {number}. {group} responses re: data and evidence requirements (n={n})"
_DEMO_GROUPS = (("local_government", "Local Government"), ("researcher", "Researcher"))
_FORMATS = ("csv", "xlsx", "docx", "md", "html", "png", "svg")


@click.group("export")
def export_group() -> None:
    """Write report-ready exports (tables in the published layout, charts)."""


@export_group.command("priorities")
@click.option("--format", "fmt", type=click.Choice(_FORMATS), default=None,
              help="Output format [default: from the -o file name].")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write (replaced atomically; nothing is written on error).")
@click.option("--public/--internal", default=False, show_default=True,
              help="Public exports suppress shares resting on fewer than --min-n respondents "
                   "(and cells that would reveal them); internal exports show everything.")
@click.option("--min-n", type=click.IntRange(min=0), default=None,
              help="Suppression threshold for --public [env LANDSCAPE_SUPPRESSION_THRESHOLD; "
                   "default 5].")
@click.option("--input", "input_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="CSV or XLSX exported from another survey tool "
                                 "[default: the reconstructed demo data].")
@click.option("--layout", type=click.Choice(["rank-per-option", "option-per-rank",
                                             "ordered-list"]), default=None,
              help="How --input holds the rankings.")
@click.option("--group-column", default=None, help="Column of --input to split the table by.")
@click.option("--id-column", default=None, help="Respondent id column (default: guessed).")
@click.option("--list-column", default=None, help="The ranking field (ordered-list layout).")
@click.option("--instrument", default=None,
              help="ID@VERSION whose ranking question --input answers (labels, ranking rule).")
@click.option("--question", default=None, help="Ranking question code within --instrument.")
@click.option("--bands", "bands_text", default="1-3,4-6,7-9", show_default=True,
              help="Rank bands, e.g. 1-3,4-6,7-9.")
@click.option("--title", default=None,
              help="Title template; {number}, {group} and {n} are filled in "
                   "[default: 'Table {number}. {group} responses (n={n})'].")
@click.option("--note", "notes", multiple=True, help="A note to print under every table "
                                                     "(repeatable).")
def export_priorities_command(fmt: str | None, output: Path, public: bool, min_n: int | None,
                              input_path: Path | None, layout: str | None,
                              group_column: str | None, id_column: str | None,
                              list_column: str | None, instrument: str | None,
                              question: str | None, bands_text: str, title: str | None,
                              notes: tuple[str, ...]) -> None:
    """Priority band tables in the published layout: title with n, band headers,
    whole percents (half-up), notes on n and on disclosure control.

    \b
    landscape export priorities -o tables.xlsx                 # demo data, internal view
    landscape export priorities -o tables.docx --public        # suppression on
    landscape export priorities --input lime.csv --layout option-per-rank -o t.md
    landscape export priorities -o chart.png                   # needs Chromium
    """
    from survey.export.disclosure import DisclosurePolicy
    from survey.export.tables import TABLE_FORMATS, format_from_suffix, write_layouts
    from survey.ranking.bands import parse_bands

    chosen = fmt or format_from_suffix(output)
    if min_n is not None and not public:
        raise LandscapeError.of("X105", "--min-n sets the threshold of a public export; add "
                                "--public (internal exports suppress nothing)")
    if (layout is None) != (input_path is None):
        raise LandscapeError.of("X105", "--input and --layout go together: give both, or "
                                "neither for the demo data")
    if not output.parent.is_dir():
        raise LandscapeError.of("X101", f"the directory {output.parent} does not exist",
                                Location(file=str(output)))
    bands = parse_bands(bands_text)
    policy = DisclosurePolicy(public=public) if min_n is None else \
        DisclosurePolicy(public=public, min_n=min_n)
    if input_path is not None:
        layouts = _file_layouts(policy, bands, title, notes, {
            "input": input_path, "layout": layout, "group_column": group_column,
            "id_column": id_column, "list_column": list_column, "instrument": instrument,
            "question": question})
    else:
        for name, value in (("--group-column", group_column), ("--id-column", id_column),
                            ("--list-column", list_column), ("--instrument", instrument),
                            ("--question", question)):
            if value is not None:
                raise LandscapeError.of("X105", f"{name} applies to --input files only")
        layouts = _demo_layouts(policy, bands, title, notes)
    if chosen in TABLE_FORMATS:
        write_layouts(layouts, output, chosen)
    else:
        from survey.export.charts import write_chart

        write_chart(layouts, output, chosen)
    view = (f"public, suppression threshold {policy.min_n}" if public
            else "internal view, no suppression")
    click.echo(f"wrote {len(layouts)} table(s) as {chosen} ({view}) to {output}", err=True)


def _file_layouts(policy: Any, bands: tuple[tuple[int, int], ...], title: str | None,
                  notes: tuple[str, ...], options: dict[str, Any]) -> list[Any]:
    from survey.commands.priorities import SOURCES
    from survey.export.tables import DEFAULT_TITLE, build_layouts
    from survey.ranking.bands import band_table

    data = SOURCES["file"](options)
    table = band_table(data, bands=bands)
    reconstructed = _labelled_reconstructed(options["input"])
    if reconstructed:
        click.echo("NOTE: the input is labelled reconstructed/synthetic; every table says so.",
                   err=True)
    return build_layouts(table, policy, title=title or DEFAULT_TITLE, notes=notes,
                         reconstructed=reconstructed)


def _demo_layouts(policy: Any, bands: tuple[tuple[int, int], ...], title: str | None,
                  notes: tuple[str, ...]) -> list[Any]:
    from survey.commands.priorities import SYNTHETIC_NOTICE
    from survey.export.tables import build_layouts
    from survey.ranking.bands import band_table
    from survey.ranking.reconstruct import demo_ranking_data

    click.echo(SYNTHETIC_NOTICE, err=True)
    layouts: list[Any] = []
    for instrument, label in _DEMO_GROUPS:
        table = band_table(demo_ranking_data(instrument), bands=bands)
        layouts += build_layouts(table, policy, title=title or _DEMO_TITLE,
                                 group_labels={"all": label}, notes=notes, reconstructed=True,
                                 first_number=len(layouts) + 1)
    return layouts


def _labelled_reconstructed(path: Path) -> bool:
    """Whether a ``data_status`` column marks the rows reconstructed or synthetic."""
    import pandas as pd

    def wanted(column: object) -> bool:
        return str(column).strip().casefold() == "data_status"

    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, usecols=wanted, dtype=str)
        else:
            frame = pd.read_csv(path, usecols=wanted, dtype=str, encoding="utf-8-sig")
    except (ValueError, OSError, pd.errors.ParserError):
        return False
    if frame.shape[1] == 0:
        return False
    text = " ".join(frame.iloc[:, 0].dropna().astype(str)).casefold()
    return "reconstructed" in text or "synthetic" in text
