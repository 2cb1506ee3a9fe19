"""``landscape priorities``, ``landscape audit-table`` and ``landscape reproduce``.

``priorities`` reads rankings from a *source* and prints band tables: the store
by default, or a file exported from another tool (``--input FILE --layout ...``);
see :mod:`survey.commands.sources`.
"""

from __future__ import annotations

import io
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import click

from survey.commands.sources import (
    describe_source,
    labelled_reconstructed,
    load_ranking_groups,
    load_rankings,
    rankings_source_options,
    source_labels,
)
from survey.errors import LandscapeError, Location
from survey.files import atomic_write, defuse_frame
from survey.instrument.render import escape_markdown, markdown_table
from survey.percent import round_half_up

__all__ = ["audit_table_command", "priorities_command", "reproduce_command"]

_DOCUMENT_FORMATS = ("xlsx", "docx")
SYNTHETIC_NOTICE = ("NOTE: the demo data is reconstructed to match published aggregates, "
                    "not the real responses.")

def _write_output(text: str, output: Path | None) -> None:
    """Print, or write atomically (``X101`` when it cannot be written; nothing is left)."""
    if output is None:
        click.echo(text, nl=False)
        return
    atomic_write(output, lambda temporary: temporary.write_bytes(text.encode("utf-8")))


_WEIGHTED_KEYS = ("weighted_share", "weighted_ci_low", "weighted_ci_high", "effective_n",
                  "weighted_small_n")


def _weighted_fields(weighted: _Weighted | None, record: dict[str, Any]) -> dict[str, Any]:
    """A record's weighted columns (None where its group is not weighted)."""
    if weighted is None:
        return {}
    found = weighted.get(str(record["group"]), str(record["option"]), str(record["band"]))
    if found is None:
        return dict.fromkeys(_WEIGHTED_KEYS)
    return {k: (bool(found[k]) if k == "weighted_small_n" else _number(float(found[k])))
            for k in _WEIGHTED_KEYS}


def _weighted_text(weighted: _Weighted | None, table: Any, g: int, o: int, b: int) -> str:
    """``; weighted 49% (33–65)`` for a cell of a weighted group, else nothing."""
    found = None if weighted is None else weighted.get(
        table.groups[g], table.options[o], table.band_labels[b])
    if found is None:
        return ""
    share, low, high = (round_half_up(Fraction(str(found[k])) * 100, 0)
                        for k in ("weighted_share", "weighted_ci_low", "weighted_ci_high"))
    mark = "*" if found["weighted_small_n"] else ""
    return f"; weighted {share}% ({low}–{high}){mark}"


def _cell(table: Any, g: int, o: int, b: int) -> str:
    """``46% (30–62)``, with the small-n mark when the one rule flags it."""
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.stats.smalln import MARK, share_interval

    count, n = int(table.counts[g, o, b]), int(table.n[g])
    if n == 0:
        return "-"
    found = share_interval(count, n)
    low, high = (round_half_up(Fraction(str(v)) * 100, 0) for v in (found.low, found.high))
    text = f"{table.percent(table.options[o], table.bands[b], table.groups[g])}% ({low}–{high})"
    return f"{text}{MARK}" if found.small else text


def _format_table(table: Any, fmt: str, weighted: _Weighted | None = None) -> str:
    """One band table as plain text (``table``) or Markdown (``md``), with intervals."""
    blocks = []
    for g, (group, n) in enumerate(zip(table.groups, table.n, strict=True)):
        shown = table.display(group)
        cells = [[_cell(table, g, o, b) + _weighted_text(weighted, table, g, o, b)
                  for b in range(len(table.bands))] for o in range(len(table.options))]
        if fmt == "md":
            lines = [f"**{escape_markdown(str(group))}** (n = {int(n)})", "",
                     *markdown_table(["Option", *map(str, shown.columns)],
                                     ([str(label), *row] for label, row
                                      in zip(shown.index, cells, strict=True)))]
            blocks.append("\n".join(lines))
        else:
            width = min(70, max(len(str(i)) for i in shown.index))
            cell_width = max(len(c) for row in cells for c in row)
            lines = [f"{group} (n = {int(n)}): % of respondents ranking the option in each "
                     "band (95% interval)",
                     f"  {'option':<{width}}  " + "  ".join(f"{b:>{cell_width}}"
                                                         for b in shown.columns)]
            for label, row in zip(shown.index, cells, strict=True):
                text = str(label)
                text = text if len(text) <= width else text[:width - 1] + "…"
                lines.append(f"  {text:<{width}}  " + "  ".join(f"{c:>{cell_width}}"
                                                                for c in row))
            blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


@click.command("priorities")
@rankings_source_options
@click.option("--bands", "bands_text", default="1-3,4-6,7-9", show_default=True,
              help="Rank bands, e.g. 1-3,4-6,7-9.")
@click.option("--format", "fmt",
              type=click.Choice(["table", "csv", "json", "md", "xlsx", "docx"]),
              default="table", show_default=True,
              help="xlsx and docx write the published layout (internal view) and need -o.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of the terminal.")
@click.option("--weights", "weights_text", default=None, metavar="FIELDS",
              help="Also show each share weighted to the sampling frame by these fields "
                   "(raking, e.g. nation,organisation_type; see 'landscape weights'). From "
                   "the store, one table per instrument; an instrument without a frame "
                   "says so.")
def priorities_command(bands_text: str, fmt: str, output: Path | None,
                       weights_text: str | None = None, **options: Any) -> None:
    """Band table of a ranking question: % of respondents ranking each option in each band.

    Reads the store (--database, or LANDSCAPE_DATABASE_URL) unless --input FILE
    --layout ... names a file exported from another tool. From the store, each
    instrument gets its own table with its own option labels; --by splits further,
    --where filters (e.g. --where nation=wales --where path=partnership).

    Shares are of respondents who ranked at least one option; displayed percentages
    round half-up like the 2022 report. Every share carries its 95% Wilson interval
    and the small-n flag (one rule: LANDSCAPE_SMALL_N, LANDSCAPE_SMALL_N_WIDTH) in
    every format. --format json gives records of group, option, band, count, n,
    share, ci_low, ci_high, small_n; csv the same columns; json and csv carry the
    store's data label
    (data_status, e.g. reconstructed demo data), md and table a closing note.
    --format xlsx|docx -o FILE writes the tables in the 2022 report's layout,
    unsuppressed (for public exports use 'landscape export priorities --public').
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.ranking.bands import band_table, parse_bands

    bands = parse_bands(bands_text)
    if fmt in _DOCUMENT_FORMATS:
        if weights_text:
            raise LandscapeError.of("X105", f"--format {fmt} writes the published layout, "
                                    "unweighted: use --weights with table, md, csv or json")
        if output is None:
            raise LandscapeError.of("X105", f"--format {fmt} writes a file: add -o FILE.{fmt}")
        _write_document(bands, fmt, output, options)
        return
    if options.get("input_path") is not None:
        # A file has one option set: one table, its groups (--group-column) inside it.
        tables = [band_table(load_rankings(options), bands=bands)]
    else:
        # From the store each group has its own options and labels: one table per group.
        tables = [band_table(data, bands=bands, by=[name] * len(data.ranks))
                  for name, data in load_ranking_groups(options).items()]
    labels = source_labels(options)
    names = [g for t in tables for g in t.groups]
    weighted = _weighted(weights_text, bands, names, options) if weights_text else None
    frameless = frame_notes(names, options) if weighted is None else []
    _write_output(_format_tables(tables, fmt, labels, weighted, frameless), output)
    if output is not None:
        total = sum(int(t.n.sum()) for t in tables)
        click.echo(f"wrote {fmt} band table for {total} respondents to {output} "
                   f"(source: {describe_source(options)})", err=True)
    if output is not None or fmt == "csv":  # the table text itself carries no label
        for label in labels:
            click.echo(f"NOTE: this data is {label}.", err=True)


def _write_document(bands: Any, fmt: str, output: Path, options: dict[str, Any]) -> None:
    """The band tables in the published layout (internal view) as an XLSX or DOCX file."""
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.export.disclosure import DisclosurePolicy
    from survey.export.layout import priority_layouts
    from survey.export.tables import write_layouts

    groups = load_ranking_groups(options)
    labels = source_labels(options)
    input_path = options.get("input_path")
    reconstructed = bool(labels) or (input_path is not None
                                     and labelled_reconstructed(input_path))
    layouts = priority_layouts(groups, DisclosurePolicy(public=False), bands=bands,
                               reconstructed=reconstructed, coded_groups=input_path is None)
    write_layouts(layouts, output, fmt)
    click.echo(f"wrote {len(layouts)} {fmt} band table(s) for "
               f"{sum(layout.n for layout in layouts)} respondents to {output} "
               f"(source: {describe_source(options)}; internal view, no suppression)", err=True)
    for label in labels:
        click.echo(f"NOTE: this data is {label}.", err=True)


def frame_notes(groups: list[str], options: dict[str, Any], *,
                public: bool = False) -> list[str]:
    """Notes on who a report's tables describe (:func:`survey.store.monitor.frame_notes`);
    nothing for a file or --by tables (their groups are not instruments)."""
    if options.get("input_path") is not None or options.get("by"):
        return []
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.store import Store
    from survey.store.monitor import frame_notes as notes_for

    with Store.open(options.get("database_url")) as store:
        return notes_for(store, groups, public=public)


class _Weighted:
    """Weighted shares by (group, option, band label), and what to say about them."""

    def __init__(self) -> None:
        self.cells: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.notes: list[str] = []

    def get(self, group: str, option: str, band: str) -> dict[str, Any] | None:
        return self.cells.get((group, option, band))


def _weighted(weights_text: str, bands: Any, groups: list[str],
              options: dict[str, Any]) -> _Weighted:
    """Each instrument's shares weighted to its frame (``--weights``), by raking."""
    if options.get("input_path") is not None or options.get("by") or options.get("where"):
        raise LandscapeError.of("A183", "--weights weights each instrument's respondents to "
                                "its frame: use it without --input, --by and --where")
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.store import Store
    from survey.store.weights import weighted_bands

    dims = [d.strip() for d in weights_text.split(",") if d.strip()]
    out = _Weighted()
    with Store.open(options.get("database_url")) as store:
        for group in groups:
            try:
                result, shares = weighted_bands(store, group, dims, bands,
                                                question=options.get("question"))
            except LandscapeError as exc:
                if exc.issues[0].code != "A182":
                    raise
                out.notes.append(f"{group}: not weighted. {exc.issues[0].message}")
                continue
            s = result.summary()
            out.notes.append(
                f"{group}: weighted to the frame by {', '.join(dims)} (raking): weights "
                f"{s['weight_min']:.2f} to {s['weight_max']:.2f}, design effect "
                f"{s['design_effect']:.2f}, effective n {s['effective_n']:.1f} of "
                f"{s['respondents']}; weighted intervals use the finite population correction.")
            for row in shares.to_dict("records"):
                out.cells[(group, str(row["option"]), str(row["band"]))] = row
    return out


def _number(value: float) -> float | None:
    """A float for JSON: None for NaN (a group with n = 0)."""
    return None if value != value else float(value)


def _format_tables(tables: list[Any], fmt: str, labels: list[str],
                   weighted: _Weighted | None = None, frameless: list[str] | None = None) -> str:
    """Several band tables (one per group) in one output, each group with its own labels."""
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.stats.smalln import add_intervals, small_n_note

    if fmt == "json":
        records = []
        for t in tables:
            flagged = add_intervals(t.to_frame())
            for record, low, high, small in zip(t.to_records(), flagged["ci_low"],
                                                flagged["ci_high"], flagged["small_n"],
                                                strict=True):
                records.append({**record, "ci_low": _number(low), "ci_high": _number(high),
                                "small_n": bool(small),
                                **_weighted_fields(weighted, record)})
        return json.dumps({
            "bands": list(tables[0].band_labels),
            "data_status": labels,
            "groups": {g: int(n) for t in tables for g, n in zip(t.groups, t.n, strict=True)},
            "interval": "95% Wilson",
            "small_n_rule": small_n_note(""),
            **({"weighting": weighted.notes} if weighted is not None else {}),
            **({"frame": frameless} if frameless else {}),
            "records": records,
        }, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        # Loaded when the command runs: keeps `landscape --help` fast.
        import pandas as pd

        # The data label travels in the file itself, on every row (empty for real data).
        frame = pd.concat([add_intervals(t.to_frame()) for t in tables], ignore_index=True)
        if weighted is not None:
            extra = [_weighted_fields(weighted, r) for r in frame.to_dict("records")]
            frame = pd.concat([frame, pd.DataFrame(extra, index=frame.index)], axis=1)
        frame["data_status"] = "; ".join(labels)
        buffer = io.StringIO()
        defuse_frame(frame).to_csv(buffer, index=False, lineterminator="\n")
        return buffer.getvalue()
    text = "\n".join(_format_table(t, fmt, weighted) for t in tables)
    text += "\n" + (escape_markdown(small_n_note()) if fmt == "md" else small_n_note()) + "\n"
    for note in [*(weighted.notes if weighted is not None else []), *(frameless or [])]:
        text += (escape_markdown(note) if fmt == "md" else note) + "\n"
    if labels:
        note = "; ".join(labels)
        text += ("\n" + (f"*Data: {escape_markdown(note)}.*" if fmt == "md"
                         else f"Data: {note}.") + "\n")
    return text


@click.command("audit-table")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--table", "table_name", required=True,
              help="Table name in the file, e.g. table_1_local_government.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def audit_table_command(file: Path | None, table_name: str, fmt: str) -> None:
    """Check a published band table against its own design (n, complete strict ranking,
    printed precision) and find the nearest table real rankings could give.

    FILE is a YAML like the shipped published_2022.yaml (default: that file).
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.ranking.audit import audit_table
    from survey.ranking.audit_models import audit_models
    from survey.ranking.published import published_table

    if file is not None and not file.is_file():
        raise LandscapeError.of("A112", "no such file", Location(file=str(file)))
    table = published_table(table_name, file)
    report = audit_table(table)
    models = audit_models(table)
    if fmt == "json":
        click.echo(json.dumps({**report.to_dict(), **models.to_dict()}, indent=2,
                              ensure_ascii=False))
    else:
        click.echo(report.to_text() + "\n\n" + models.to_text())


@click.command("reproduce")
@click.option("--database", "--database-url", "database_url", default=None, metavar="URL",
              help="Reproduce from this store (e.g. one loaded by 'landscape demo') instead "
                   "of the shipped demo files.")
def reproduce_command(database_url: str | None) -> None:
    """Print every published 2022 figure beside its reproduction from the demo data.

    By default the shipped demo files are used; with --database, the store
    (band tables from its rankings, barrier shares by coding its challenge
    answers, counts from its responses and invitations). Exits with status 1 if a
    figure that can be reproduced exactly is not.
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.reproduce.figures import reproduce

    if database_url is None:
        checks = reproduce()
        click.echo("Source: the shipped demo files (survey/data/demo_rankings.csv, "
                   "demo_challenges.csv).")
        click.echo(SYNTHETIC_NOTICE)
    else:
        # Loaded when the command runs: keeps `landscape --help` fast.
        from survey.store import Store
        from survey.store.analysis import data_labels

        with Store.open(database_url) as store:
            checks = reproduce(store=store)
            labels = data_labels(store)
            click.echo(f"Source: the store {store.url}.")
        for label in labels:
            click.echo(f"NOTE: the store's data is {label}.")
    width = max(len(c.figure) for c in checks)
    click.echo(f"{'figure':<{width}}  {'published':>9}  {'reproduced':>10}  {'diff':>7}  status")
    notes: dict[str, None] = {}
    for c in checks:
        status = "ok" if c.matches else ("FAIL" if c.exact else "differs (expected)")
        click.echo(f"{c.figure:<{width}}  {c.published:>9}  {c.reproduced:>10}  "
                   f"{c.difference:>7}  {status}")
        if c.note and not c.matches:
            notes.setdefault(c.note)
    barrier_notes = [f"{c.figure}: {c.note}" for c in checks
                     if c.figure.startswith("barrier_mentions") and c.note]
    if barrier_notes:
        click.echo("\nBarrier shares (of respondents who answered the challenges question):")
        for note in barrier_notes:
            click.echo(f"  {note}")
    _explain_table_1(notes)
    failed = [c for c in checks if c.failed]
    exact = [c for c in checks if c.exact]
    click.echo(f"\n{len(exact) - len(failed)} of {len(exact)} exactly reproducible figures "
               f"match; {sum(1 for c in checks if not c.exact and not c.matches)} expected "
               "differences.")
    if failed:
        click.echo(f"FAILED: {', '.join(c.figure for c in failed)}", err=True)
        raise click.exceptions.Exit(1)


def _explain_table_1(notes: dict[str, None]) -> None:
    """Why Table 1 cannot be reproduced: the audit's column findings, in numbers."""
    if not notes:
        return
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.ranking.audit import audit_table
    from survey.ranking.audit_models import audit_models
    from survey.ranking.published import load_tables

    click.echo("\nWhy some figures differ:")
    for note in notes:
        if not note.startswith(("from ", "no answers")):
            click.echo(f"  {note}")
    for table in load_tables().values():
        report = audit_table(table)
        if report.consistent:
            continue
        errors = [v for v in report.violations if v.severity == "error"]
        cells = sum(1 for v in errors if v.kind == "cell")
        click.echo(f"  {table.name}: {cells} printed values are not k/{table.n} for any "
                   f"whole k;")
        for v in errors:
            if v.kind in ("column", "row"):
                click.echo(f"    {v}")
        click.echo(f"  The demo data follows the nearest possible table: largest deviation "
                   f"{float(report.largest_deviation):.2f} points.")
        click.echo(f"  {audit_models(table).summary()}")
