"""Fieldwork commands: the store (``db``), the frame, invitations, the monitor, export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from survey.commands.sources import TOOLS
from survey.errors import LandscapeError
from survey.settings import click_option, resolve

__all__ = [
    "db_group",
    "frame_group",
    "import_command",
    "invite_command",
    "monitor_command",
    "open_link_command",
    "remind_command",
    "responses_group",
]

_database = click_option("database_url")
_from_tool = click.option(
    "--from", "tool", type=click.Choice(TOOLS), default=None,
    help="The tool that exported the file (auto: recognise it by its header). Default: a "
         "recognised tool's export is read as that tool's, anything else as generic.")
_base_url = click_option("base_url")
_instrument_ref = click.option(
    "--instrument", "ref", required=True, metavar="ID@VERSION",
    help="The instrument version, e.g. local_government@1.0.0.",
)


def _open(url: str | None) -> Any:
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.store import Store

    return Store.open(url)


def _load(ref: str) -> Any:
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.instrument.registry import Catalogue

    return Catalogue.default().load(ref)


# -- db --------------------------------------------------------------------------


@click.group("db")
def db_group() -> None:
    """The response store: create or migrate it, and check its schema."""


@db_group.command("upgrade")
@_database
def db_upgrade_command(database_url: str | None) -> None:
    """Create the store, or migrate it to the schema this version needs.

    Safe to run again: an up-to-date store is left as it is. Back up a store
    holding responses before migrating it.
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.store import Store

    with Store.open(database_url, check=False, create=True) as store:
        before = store.status()
        store.upgrade()
        after = store.status()
        if before.current == after.current:
            click.echo(f"{store.url}: already at revision {after.current}")
        else:
            click.echo(f"{store.url}: migrated {before.current or '(empty)'} -> {after.current}")


@db_group.command("status")
@_database
def db_status_command(database_url: str | None) -> None:
    """Show the store's schema revision; exit 2 if it needs `landscape db upgrade`."""
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.store import Store

    with Store.open(database_url, check=False) as store:
        status = store.status()
        click.echo(f"{store.url}\n  revision: {status.current or '(none)'}\n"
                   f"  newest known: {status.head}")
        store.check()
        click.echo("  up to date")


@db_group.command("backup")
@click.argument("backup_file", type=click.Path(dir_okay=False, path_type=Path))
@_database
def db_backup_command(backup_file: Path, database_url: str | None) -> None:
    """Write a backup of the whole store to BACKUP_FILE (safe while `serve` runs).

    The file is one portable SQLite database with a manifest (schema revision,
    rows and a checksum per table): a backup of either database restores into
    either. It holds the frame's personal data, so it is readable by you only.
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.store.backup import backup_store

    with _open(database_url) as store:
        summary = backup_store(store, backup_file)
        click.echo(f"backed up {store.url} (revision {summary.revision}): "
                   f"{summary.total} rows in {len(summary.rows)} tables -> {backup_file}")


@db_group.command("restore")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Replace a store that already holds data (everything in it is deleted).")
@_database
def db_restore_command(backup_file: Path, force: bool, database_url: str | None) -> None:
    """Restore the store from BACKUP_FILE, all or nothing.

    A new database is created and migrated first; an older backup is migrated
    on the way in. A damaged, foreign or newer-schema file is refused, and so is
    a store that already holds data unless --force is given.
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.settings import resolve
    from survey.store.backup import restore_store

    summary = restore_store(resolve("database_url", database_url), backup_file, force=force)
    click.echo(f"restored {summary.total} rows in {len(summary.rows)} tables from "
               f"{backup_file} (revision {summary.revision})")


# -- frame -------------------------------------------------------------------------


@click.group("frame")
def frame_group() -> None:
    """The sampling frame: the people invited (personal data, kept apart)."""


@frame_group.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--instrument", "ref", default=None, metavar="ID[@VERSION]",
              help="The survey these people are in the frame for (default: any).")
@click.option("--type-map", "type_map", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A CSV (frame_type,organisation_type) mapping the frame's own "
              "organisation types to the instrument's.")
@_database
def frame_import_command(csv_file: Path, ref: str | None, type_map: Path | None,
                         database_url: str | None) -> None:
    """Import a frame CSV: name, email, organisation, organisation_type, role, nation, region.

    Every row is checked first (errors give file:row:column and never show a name or
    an email); if any is bad, nothing is imported. Nation and region take a code or
    English name from the ITL1 list (e.g. 'wales', 'North East'). The organisation
    type is the instrument's (or, without --instrument, any catalogued instrument's)
    code or label, case and punctuation ignored; --type-map maps other terms.
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.instrument.registry import Catalogue, parse_ref
    from survey.store.frame import import_frame, organisation_types, read_type_map

    catalogue = Catalogue.default()
    instrument = parse_ref(ref)[0] if ref is not None else None
    versions = ([catalogue.load(ref)] if ref is not None
                else [catalogue.load(name) for name in catalogue.refs()])
    types = organisation_types(versions) or None
    terms = read_type_map(type_map, types) if type_map is not None else None
    with _open(database_url) as store:
        result = import_frame(store, csv_file, instrument=instrument, types=types,
                              type_map=terms)
    detail = ", ".join(f"{k} {v}" for k, v in result.by_nation.items())
    click.echo(f"imported {result.imported} people ({detail})")


@frame_group.command("purge")
@click.option("--yes", is_flag=True, help="Confirm: delete every contact's personal data.")
@_database
def frame_purge_command(yes: bool, database_url: str | None) -> None:
    """Delete the personal data (names, emails, organisations, roles) after fieldwork.

    Answers, pseudonymous respondents (nation, region, organisation type) and
    every aggregate are kept. Reminders can no longer be sent afterwards.
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.store.frame import purge_contacts

    if not yes:
        raise LandscapeError.of("F107", "purging deletes every contact's personal data for good")
    with _open(database_url) as store:
        count = purge_contacts(store)
    click.echo(f"deleted the personal data of {count} contacts; answers are kept")


# -- invitations ----------------------------------------------------------------------


_send = click.option("--send", is_flag=True,
                     help="Also send the mails through the SMTP server in LANDSCAPE_SMTP_HOST "
                          "(and LANDSCAPE_SMTP_PORT/_USER/_PASSWORD/_FROM/_STARTTLS).")
_mail_merge = click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
    help="Mail-merge CSV to write (name, email, organisation, link). It is the ONLY place "
         "the raw link tokens exist (the store keeps only their hashes): keep it private.",
)


def _smtp_or_fail(send: bool) -> Any:
    if not send:
        return None
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.store.invitations import SmtpSettings

    smtp = SmtpSettings.from_settings()
    if smtp is None:
        raise LandscapeError.of("S108", "--send needs an SMTP server: set LANDSCAPE_SMTP_HOST "
                                "(nothing was written)")
    return smtp


def _deliver(rows: list[Any], iv: Any, smtp: Any, store: Any, output: Path, what: str) -> None:
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.store.invitations import send_mails

    click.echo(f"wrote {len(rows)} {what} to {output}")
    if smtp is not None:
        sent = send_mails(rows, iv, smtp, store)
        click.echo(f"sent {sent} mails via {smtp.host}:{smtp.port}")


@click.command("invite")
@_instrument_ref
@_base_url
@_mail_merge
@_send
@_database
def invite_command(ref: str, base_url: str | None, output: Path, send: bool,
                   database_url: str | None) -> None:
    """Invite everyone in the frame not yet invited: one personal, single-use link each.

    Links carry a random token (192 bits); the store keeps only its SHA-256, so
    the mail-merge file is the only copy of each link.
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.store.invitations import issue_invitations

    smtp = _smtp_or_fail(send)
    base = resolve("base_url", base_url)
    iv = _load(ref)
    with _open(database_url) as store:
        rows = issue_invitations(store, iv, base, output=output)
        _deliver(rows, iv, smtp, store, output, "invitations")


@click.command("remind")
@_instrument_ref
@_base_url
@_mail_merge
@_send
@click.option("--limit", type=int, default=None,
              help="Most reminders per person [env LANDSCAPE_REMINDER_LIMIT; default 2].")
@_database
def remind_command(ref: str, base_url: str | None, output: Path, send: bool, limit: int | None,
                   database_url: str | None) -> None:
    """Remind those invited who have not completed, at most --limit times each.

    Each reminder carries a fresh link; the links sent before keep working, and
    every one opens the same saved answers until the person completes. The
    mail-merge file is the only copy of the new links.
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.store.invitations import issue_reminders

    smtp = _smtp_or_fail(send)
    base = resolve("base_url", base_url)
    limit = resolve("reminder_limit", limit)
    iv = _load(ref)
    with _open(database_url) as store:
        rows = issue_reminders(store, iv, base, limit=limit, output=output)
        _deliver(rows, iv, smtp, store, output, "reminders")


@click.command("open-link")
@_instrument_ref
@click.option("--close", is_flag=True, default=False,
              help="Switch the open link off (anyone holding it gets 'not found').")
@_base_url
@_database
def open_link_command(ref: str, close: bool, base_url: str | None,
                      database_url: str | None) -> None:
    """Open a version to anyone with its link (no frame) and print the link.

    For the researcher survey, spread through newsletters and networks as in 2022.
    Only versions opened here are served at the open link; --close stops it.
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.store.invitations import open_link

    iv = _load(ref)
    with _open(database_url) as store:
        link = open_link(store, iv, resolve("base_url", base_url), enabled=not close)
    click.echo(f"closed: {link}" if close else link)


# -- monitor and export -------------------------------------------------------------------


@click.command("monitor")
@click.option("--instrument", "ref", default=None, metavar="ID[@VERSION]",
              help="Only this instrument (default: all).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--with-contacts", is_flag=True,
              help="Show the email of each person due a reminder (personal data).")
@_database
def monitor_command(ref: str | None, fmt: str, with_contacts: bool,
                    database_url: str | None) -> None:
    """Response rates by nation, region and organisation type, the funnel, reminders due."""
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.store.monitor import monitor_report, render_table

    with _open(database_url) as store:
        report = monitor_report(store, ref, with_contacts=with_contacts)
    click.echo(report.to_json() if fmt == "json" else render_table(report))


@click.group("responses")
def responses_group() -> None:
    """Responses: export them (and import them from other tools)."""


@responses_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "sav", "dta"]),
              default="csv", show_default=True,
              help="sav (SPSS) and dta (Stata) carry variable labels, value labels for every "
                   "coded question and missing-value codes: not shown vs not answered.")
@click.option("--labels", is_flag=True, help="Write option labels instead of codes.")
@click.option("--instrument", "ref", default=None, metavar="ID[@VERSION]",
              help="Only this instrument or version (default: all).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write.")
@_database
def export_command(fmt: str, labels: bool, ref: str | None, output: Path,
                   database_url: str | None) -> None:
    """Raw export: one row per response, with its instrument version and every answer."""
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.store.export import export_responses

    with _open(database_url) as store:
        count = export_responses(store, output, fmt, instrument=ref, labels=labels)
    click.echo(f"wrote {count} responses to {output}")


@responses_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_instrument_ref
@click.option("--layout", type=click.Choice(["auto", "rank-per-option", "option-per-rank",
                                             "ordered-list"]), default="auto",
              show_default=True,
              help="How the ranking question is laid out: one column per option holding its "
                   "rank (REDCap, Qualtrics), one column per rank position holding an option "
                   "(LimeSurvey, q[1]..q[9]), or one field of space-separated codes, best first "
                   "(ODK/KoboToolbox export of this platform's XLSForm).")
@click.option("--skip-invalid", is_flag=True,
              help="Import the good rows and write the bad ones, with reasons, to --rejects "
                   "(default: any bad row means nothing is imported).")
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV for the rows --skip-invalid leaves out: their row number, the problems "
                   "and the original cells (fix it and import it again).")
@click.option("--sheet", default=None, help="XLSX sheet name (default: the first sheet).")
@click.option("--ignore-column", "ignore_columns", multiple=True, metavar="NAME",
              help="A column to skip (other tools' metadata); repeat for several.")
@_from_tool
@click.option("--mapping", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A column mapping written by 'landscape responses map' (and reviewed).")
@_database
def import_command(file: Path, ref: str, layout: str, skip_invalid: bool,
                   rejects: Path | None, sheet: str | None, ignore_columns: tuple[str, ...],
                   tool: str | None, mapping: Path | None, database_url: str | None) -> None:
    """Import responses from another tool's CSV or XLSX export (UTF-8, BOM or not).

    Columns are question codes or English/Welsh labels; answers may be option codes or
    labels. --from names the tool that wrote the file (qualtrics, jisc, surveymonkey,
    msforms, limesurvey, kobo, odk, redcap; auto recognises it): its header rows,
    metadata columns (the response id and completion state are kept, the rest dropped),
    choice numbers and ranking layout are then read as that tool writes them. The whole
    file is checked first and every problem reported as file:row:column; by default
    nothing is written if any row is bad (exit 2).

    Re-importing is safe: each row is keyed by its id column (external_id,
    response_id, _uuid, record_id, respondent_id, ...) or, without one, by the file's
    SHA-256 and the row number. Rows already stored with the same answers are skipped
    and counted as "already in the store"; a keyed row stored with different answers
    is refused. Without an id column an EDITED file counts as new rows, so keep the
    tool's id column when you export. Each response records source 'import', the
    file and its row.
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.store.imports import import_responses

    if rejects is not None and not skip_invalid:
        raise LandscapeError.of("R115", "--rejects is only used with --skip-invalid")
    iv = _load(ref)
    with _open(database_url) as store:
        result = import_responses(store, file, iv, layout=layout, skip_invalid=skip_invalid,
                                  rejects=rejects, sheet=sheet, ignore_columns=ignore_columns,
                                  tool=tool, mapping=mapping)
    click.echo(result.summary())


@responses_group.command("map")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_instrument_ref
@_from_tool
@click.option("--sheet", default=None, help="XLSX sheet name (default: the first sheet).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The mapping file to write (YAML).")
def map_command(file: Path, ref: str, tool: str | None, sheet: str | None,
                output: Path) -> None:
    """Write a column mapping for a tool's export: each column -> question / option / ignore.

    Columns are matched by code or label as the import matches them, else by label
    similarity (marked 'how: similar' with a score, to review); columns with no close
    question are left for you ('how: none'). Edit the file, then import with
    'landscape responses import FILE --instrument ID@VERSION --from TOOL --mapping FILE'.
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.files import atomic_write_text
    from survey.store.import_mapping import mapping_text, propose_mapping
    from survey.store.imports import read_tool_table

    iv = _load(ref)
    _, table = read_tool_table(file, tool, sheet)
    choices = propose_mapping(table, iv)
    atomic_write_text(output, mapping_text(choices, iv, table.dialect, str(file)))
    counts = {how: sum(c.how == how for c in choices) for how in ("exact", "similar", "none")}
    click.echo(f"wrote {output}: {len(choices)} answer columns of the {table.dialect} export; "
               f"{counts['exact']} matched by code or label, {counts['similar']} by similarity "
               f"(review them), {counts['none']} unmatched (give each a question or "
               "'ignore: true')")
