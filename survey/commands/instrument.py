"""``landscape instrument ...``: list, show, validate, publish, diff, render, export."""

from __future__ import annotations

from pathlib import Path

import click

from survey.errors import LandscapeError, Severity
from survey.instrument.registry import Catalogue

__all__ = ["instrument_group"]


def _catalogue(root: Path | None) -> Catalogue:
    return Catalogue(root) if root is not None else Catalogue.default()


_dir_option = click.option(
    "--dir",
    "root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Instruments directory (default: $LANDSCAPE_INSTRUMENTS_DIR or the shipped one).",
)


@click.group("instrument")
def instrument_group() -> None:
    """Survey instruments: versioned questionnaires kept as YAML."""


@instrument_group.command("list")
@_dir_option
def list_command(root: Path | None) -> None:
    """List every instrument and its versions, with status and question count."""
    catalogue = _catalogue(root)
    rows = []
    for path in catalogue.files():
        # Loaded when the command runs: keeps `landscape --help` fast.
        from survey.instrument.loader import load_instrument

        iv = load_instrument(path)
        rows.append((iv.ref, iv.status, str(len(iv.questions)), ", ".join(iv.languages),
                     iv.title.en))
    if not rows:
        raise LandscapeError.of("I110", f"no instrument files under {catalogue.root}")
    header = ("version", "status", "questions", "languages", "title")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths, strict=True))
                   + "  " + row[4])


@instrument_group.command("show")
@click.argument("ref")
@_dir_option
def show_command(ref: str, root: Path | None) -> None:
    """Show one version's questions: REF is ID@VERSION (or ID for the latest)."""
    iv = _catalogue(root).load(ref)
    click.echo(f"{iv.ref}  [{iv.status}]  {iv.content_hash}")
    click.echo(iv.title.en)
    for p in iv.paths:
        click.echo(f"  path {p.code}: when {p.when}")
    for q in iv.questions:
        extra = []
        if q.path:
            extra.append(f"path={q.path}")
        if q.relevant:
            extra.append(f"if {q.relevant}")
        if q.ranking:
            extra.append(f"ranking={q.ranking.mode}"
                         + (f"({q.ranking.k})" if q.ranking.k else "")
                         + f", ties={q.ranking.ties}")
        click.echo(f"  {q.code:<28} {q.type.value:<16} {'; '.join(extra)}")
        for o in q.options:
            concept = f"  [{o.concept}]" if o.concept else ""
            click.echo(f"      - {o.code}{concept}")


@instrument_group.command("validate")
@click.argument("targets", nargs=-1)
@_dir_option
@click.option("--strict", is_flag=True, help="Treat warnings (e.g. missing Welsh) as errors.")
def validate_command(targets: tuple[str, ...], root: Path | None, strict: bool) -> None:
    """Validate instruments: every shipped version, or the given ID@VERSION refs or files.

    Reports structure, codes, labels and translations (missing and stale, per
    language), skip logic, reachability, published-version locks and version
    numbers against their diffs. Exit code 2 when any error is found.
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.instrument.validate import validate_targets

    catalogue = _catalogue(root)
    report = validate_targets(catalogue, list(targets))
    if not report:
        raise LandscapeError.of("I110", f"no instrument files under {catalogue.root}")
    errors = 0
    for ref, problems in report.items():
        bad = [p for p in problems if p.severity is Severity.ERROR or strict]
        errors += len(bad)
        status = "ok" if not problems else ("FAILED" if bad else "ok, with warnings")
        click.echo(f"{ref}: {status}")
        for p in problems:
            click.echo("  " + str(p).replace("\n", "\n  "))
    if errors:
        raise click.exceptions.Exit(2)


@instrument_group.command("publish")
@click.argument("ref")
@_dir_option
def publish_command(ref: str, root: Path | None) -> None:
    """Record a version's content hash in the lock file, making it immutable."""
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.instrument.lock import publish

    entry = publish(_catalogue(root), ref)
    click.echo(f"published {ref}: {entry}")


@instrument_group.command("diff")
@click.argument("old")
@click.argument("new")
@_dir_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def diff_command(old: str, new: str, root: Path | None, fmt: str) -> None:
    """Semantic diff of two versions, classified as patch, minor or major."""
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.instrument.diff import diff_versions

    catalogue = _catalogue(root)
    result = diff_versions(catalogue.load(old), catalogue.load(new))
    click.echo(result.to_json() if fmt == "json" else result.render_text())


@instrument_group.command("export-xlsform")
@click.argument("ref")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The .xlsx file to write.")
@_dir_option
def export_xlsform_command(ref: str, output: Path, root: Path | None) -> None:
    """Write an XLSForm (for ODK / KoboToolbox) of one version."""
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.instrument.xlsform import write_xlsform

    write_xlsform(_catalogue(root).load(ref), output)
    click.echo(f"wrote {output}")


@instrument_group.command("render")
@click.argument("ref")
@click.option("--language", type=click.Choice(["en", "cy"]), default="en", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of standard output.")
@_dir_option
def render_command(ref: str, language: str, output: Path | None, root: Path | None) -> None:
    """Print the questionnaire as readable Markdown for review."""
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.instrument.render import render_markdown

    text = render_markdown(_catalogue(root).load(ref), language=language)
    if output is None:
        click.echo(text, nl=False)
    else:
        # Loaded when the command runs: keeps `landscape --help` fast.
        from survey.files import atomic_write_text

        atomic_write_text(output, text)
        click.echo(f"wrote {output}")
