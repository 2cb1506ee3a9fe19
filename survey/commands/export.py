"""``landscape export``: report-ready tables and charts.

``landscape export priorities`` writes the priority band tables in the 2022
report's layout (CSV, XLSX, DOCX, Markdown) or as a chart (HTML, PNG, SVG).
``landscape export report NAME`` writes any other table of the explorer (the
reports of :data:`survey.export.report_catalogue.REPORTS`) or its chart, by the
same writer as the explorer's Downloads page
(:func:`survey.export.report_files.write_report`).
Rankings come from the same sources as ``landscape priorities``
(:mod:`survey.commands.sources`): the store by default (after ``landscape
demo``, the demo data, labelled reconstructed in every table), or a file
exported from another tool (``--input FILE --layout ...``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from survey.commands.priorities import frame_notes
from survey.commands.sources import (
    check_public,
    labelled_reconstructed,
    load_ranking_groups,
    rankings_source_options,
    source_labels,
)
from survey.errors import LandscapeError, Location
from survey.settings import click_option

__all__ = ["export_group"]

_FORMATS = ("csv", "xlsx", "docx", "md", "html", "png", "svg")


@click.group("export")
def export_group() -> None:
    """Write report-ready exports (tables in the published layout, charts)."""


@export_group.command("priorities")
@rankings_source_options
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
@click.option("--bands", "bands_text", default="1-3,4-6,7-9", show_default=True,
              help="Rank bands, e.g. 1-3,4-6,7-9; a --public export must use the release's "
                   "bands [env LANDSCAPE_RELEASE_BANDS].")
@click.option("--title", default=None,
              help="Title template; {number}, {group} and {n} are filled in "
                   "[default: the report's title for its two groups, otherwise "
                   "'Table {number}. {group} responses (n={n})'].")
@click.option("--note", "notes", multiple=True, help="A note to print under every table "
                                                     "(repeatable).")
def export_priorities_command(fmt: str | None, output: Path, public: bool, min_n: int | None,
                              bands_text: str, title: str | None, notes: tuple[str, ...],
                              **options: Any) -> None:
    """Priority band tables in the published layout: title with n, band headers,
    whole percents (half-up), notes on n and on disclosure control.

    Reads the store (--database, or LANDSCAPE_DATABASE_URL; one table per
    instrument, or per --by value) unless --input FILE --layout ... names a file
    exported from another tool.

    \b
    landscape export priorities -o tables.xlsx                 # the store, internal view
    landscape export priorities -o tables.docx --public        # suppression on
    landscape export priorities --input lime.csv --layout option-per-rank -o t.md
    landscape export priorities -o chart.png                   # needs Chromium
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.export.disclosure import DisclosurePolicy
    from survey.export.layout import TABLE_FORMATS, format_from_suffix, priority_layouts
    from survey.export.tables import write_layouts
    from survey.ranking.bands import parse_bands

    chosen = fmt or format_from_suffix(output)
    if min_n is not None and not public:
        raise LandscapeError.of("X105", "--min-n sets the threshold of a public export; add "
                                "--public (internal exports suppress nothing)")
    if not output.parent.is_dir():
        raise LandscapeError.of("X101", f"the directory {output.parent} does not exist",
                                Location(file=str(output)))
    bands = parse_bands(bands_text)
    policy = DisclosurePolicy(public=public) if min_n is None else \
        DisclosurePolicy(public=public, min_n=min_n)
    # Every public output passes the release check first (survey.export.release).
    check_public(options, policy, bands=bands)
    groups = load_ranking_groups(options)
    labels = source_labels(options)
    input_path = options.get("input_path")
    reconstructed = bool(labels) or (input_path is not None
                                     and labelled_reconstructed(input_path))
    for label in labels:
        click.echo(f"NOTE: this data is {label}.", err=True)
    if reconstructed and not labels:
        click.echo("NOTE: the input is labelled reconstructed/synthetic; every table says so.",
                   err=True)
    # Who the tables describe: non-response against each instrument's frame, or no frame.
    notes = (*notes, *frame_notes(list(groups), options, public=public))
    layouts = priority_layouts(groups, policy, bands=bands, title=title, notes=notes,
                               reconstructed=reconstructed, coded_groups=input_path is None)
    if chosen in TABLE_FORMATS:
        write_layouts(layouts, output, chosen)
    else:
        # Loaded when the command runs: keeps `landscape --help` fast.
        from survey.export.charts import write_chart

        write_chart(layouts, output, chosen)
    view = (f"public, suppression threshold {policy.min_n}" if public
            else "internal view, no suppression")
    click.echo(f"wrote {len(layouts)} table(s) as {chosen} ({view}) to {output}", err=True)


@export_group.command("report")
@click.argument("name", required=False)
@click.option("--list", "list_reports", is_flag=True,
              help="Print the report names and what each holds, and stop.")
@click.option("--format", "fmt", type=click.Choice(_FORMATS), default=None,
              help="Output format [default: from the -o file name]; a chart format writes "
                   "the report's chart.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The file to write (replaced atomically; nothing is written on error).")
@click.option("--by", default=None, metavar="FIELD",
              help="Group the report by this field (only the fields the report accepts).")
@click.option("--public/--internal", default=False, show_default=True,
              help="Public exports suppress what rests on fewer respondents than the "
                   "threshold [env LANDSCAPE_SUPPRESSION_THRESHOLD]; internal exports show "
                   "everything.")
@click_option("database_url")
def export_report_command(name: str | None, list_reports: bool, fmt: str | None,
                          output: Path | None, by: str | None, public: bool,
                          database_url: str | None) -> None:
    """A table of the explorer (and its chart) as the Downloads page writes it.

    \b
    landscape export report --list                       # the names
    landscape export report overview -o who.xlsx --public
    landscape export report fieldwork -o rates.csv --by region
    landscape export report fieldwork -o funnel.html     # the report's chart
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.export.disclosure import DisclosurePolicy
    from survey.export.layout import format_from_suffix
    from survey.export.report_catalogue import REPORTS
    from survey.export.report_files import write_report
    from survey.store import Store
    from survey.store.analysis import data_labels

    if list_reports:
        for report in REPORTS.values():
            click.echo(f"{report.name}\t{report.label}")
        return
    if name is None or name not in REPORTS:
        given = "no report named" if name is None else f"no report is named '{name}'"
        raise LandscapeError.of("X109", f"{given}; the reports are: {', '.join(REPORTS)}")
    if output is None:
        raise LandscapeError.of("X105", "give the file to write with -o FILE")
    chosen = fmt or format_from_suffix(output)
    if not output.parent.is_dir():
        raise LandscapeError.of("X101", f"the directory {output.parent} does not exist",
                                Location(file=str(output)))
    policy = DisclosurePolicy(public=public)
    with Store.open(database_url) as store:
        labels = data_labels(store)
        write_report(REPORTS[name], store, output, chosen, by=by, policy=policy,
                     reconstructed=bool(labels))
    for label in labels:
        click.echo(f"NOTE: this data is {label}.", err=True)
    view = (f"public, suppression threshold {policy.min_n}" if public
            else "internal view, no suppression")
    click.echo(f"wrote the {name} report as {chosen} ({view}) to {output}", err=True)
