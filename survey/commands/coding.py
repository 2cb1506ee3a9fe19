"""``landscape code``: barrier themes in the stored free-text answers, overrides, agreement."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import click
import pandas as pd

from survey.errors import LandscapeError, Location
from survey.files import defuse_frame
from survey.text import clip

__all__ = ["code_group"]

_database = click.option("--database", "--database-url", "database_url", default=None,
                         metavar="URL", help="The store [env LANDSCAPE_DATABASE_URL; default "
                         "sqlite:///landscape.db].")
_codebook = click.option("--codebook", "codebook_path", default=None,
                         type=click.Path(dir_okay=False, path_type=Path),
                         help="Codebook YAML (default: instruments/codebooks/barriers.yaml).")
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f"}


def _load_codebook(path: Path | None) -> Any:
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.coding.codebook import load_codebook

    return load_codebook(path) if path is not None else load_codebook()


@click.group("code")
def code_group() -> None:
    """Code free-text answers (barriers to collaboration) in the store."""


def _pct(value: float) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) \
        else f"{100 * value:.1f}%"


@code_group.command("barriers")
@click.option("--by", type=click.Choice(["instrument", "version", "nation", "region",
                                         "organisation_type", "path", "none"]),
              default="instrument", show_default=True, help="Group respondents by this field.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True)
@_codebook
@_database
def barriers_command(by: str, fmt: str, codebook_path: Path | None,
                     database_url: str | None) -> None:
    """Share of respondents who answered the challenges question mentioning each theme.

    Codes the stored answers with the codebook's rules (recording those rule
    codings in the store), applies every override made with 'landscape code
    override', and shows each share with its 95% Wilson interval. Shares are
    flagged small n by the one rule (LANDSCAPE_SMALL_N answers, interval wider
    than LANDSCAPE_SMALL_N_WIDTH); csv and json carry the flag as small_n.
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.stats.smalln import MARK, small_n_note
    from survey.store import Store
    from survey.store.analysis import data_labels
    from survey.store.codings import barrier_shares, code_responses

    book = _load_codebook(codebook_path)
    with Store.open(database_url) as store:
        code_responses(store, book)
        shares = barrier_shares(store, None if by == "none" else by, book)
        labels = data_labels(store)
    if shares.empty:
        raise LandscapeError.of("A172", "no complete response asks a challenges question; "
                                "load responses first (e.g. 'landscape demo')")
    if fmt == "json":
        records = json.loads(shares.to_json(orient="records"))
        click.echo(json.dumps({"codebook": book.ref, "data_status": labels,
                               "records": records}, indent=2, ensure_ascii=False))
        return
    if fmt == "csv":
        buffer = io.StringIO()
        defuse_frame(shares).to_csv(buffer, index=False, lineterminator="\n")
        click.echo(buffer.getvalue(), nl=False)
        return
    width = min(60, max(len(str(label)) for label in shares["label"]))
    for group, rows in shares.groupby("group", sort=False):
        first = rows.iloc[0]
        click.echo(f"{group}: {int(first['answered'])} of {int(first['respondents'])} "
                   f"respondents answered (codebook {book.ref})")
        click.echo(f"  {'theme':<{width}}  {'count':>5}  {'share':>6}  95% interval")
        for row in rows.itertuples(index=False):
            text = str(row.label)
            text = text if len(text) <= width else text[:width - 1] + "…"
            flag = f" {MARK}" if row.small_n else ""
            click.echo(f"  {text:<{width}}  {int(row.count):>5}  {_pct(row.share):>6}  "
                       f"{_pct(row.ci_low)} to {_pct(row.ci_high)}{flag}")
        click.echo("")
    click.echo("Shares are of respondents who answered the question; intervals are Wilson 95%.")
    click.echo(small_n_note())
    for label in labels:
        click.echo(f"NOTE: this data is {label}.")


@code_group.command("override")
@click.argument("response_id")
@click.argument("theme")
@click.option("--apply/--remove", "applied", default=None,
              help="The theme does (--apply) or does not (--remove) apply.")
@click.option("--coder", required=True, help="Who decides (recorded with the time, UTC).")
@click.option("--note", default="", help="Why (recorded with the override).")
@_codebook
@_database
def override_command(response_id: str, theme: str, applied: bool | None, coder: str, note: str,
                     codebook_path: Path | None, database_url: str | None) -> None:
    """Override the rules: THEME does or does not apply to RESPONSE_ID.

    RESPONSE_ID is a response id or its key (the demo's are demo:LG01 ... demo:R17).
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.store import Store
    from survey.store.codings import add_override

    if applied is None:
        raise LandscapeError.of("C115", "say whether the theme applies: --apply or --remove")
    book = _load_codebook(codebook_path)
    with Store.open(database_url) as store:
        override = add_override(store, response_id, theme, applied, coder, note, codebook=book)
    verb = "applies" if applied else "does not apply"
    click.echo(f"recorded: {theme} {verb} to {response_id} ({override.response_id}), by "
               f"{override.coder} at {override.at:%Y-%m-%d %H:%M:%S} UTC")


#: In an export for coders, the column of the rules' coding of a theme is this + theme.
_RULE = "rule_"
#: The export's columns that are not codings.
_CONTEXT = ("response_id", "key", "instrument", "answer")


def _boolean(value: str | None, path: Path, row: int, column: str) -> bool:
    cell = (value or "").strip().lower()
    if cell in _TRUE:
        return True
    if cell in _FALSE:
        return False
    raise LandscapeError.of("C152", f"'{clip(value or '')}' is not true/false (1/0)",
                            Location(str(path), row=row, column=column))


def _theme_columns(header: list[str], side: str | None) -> dict[str, str]:
    """Column -> theme: every column but response_id, or one side of an export."""
    if side is None:
        return {c: c for c in header if c != "response_id"}
    themes = [c.removeprefix(_RULE) for c in header if c.startswith(_RULE)]
    if side == "rules":
        return {_RULE + t: t for t in themes}
    return {t: t for t in themes if t in header}


def _read_coding(path: Path, who: str, side: str | None = None) -> pd.DataFrame:
    """A coder's file as a response x theme table of booleans (index = response id).

    Read by the one table reader (:func:`survey.tables.read_table`: CSV or XLSX,
    encodings, control characters); a column named twice or a value beyond the
    header is refused too, so no cell is dropped without a word. ``side`` reads
    one side of a file from 'landscape code export-rules': the rules'
    ``rule_THEME`` columns or the coder's ``THEME`` columns, keeping only the rows
    the coder filled in (the double-coded responses).
    """
    # Loaded when the command runs: the table reader brings openpyxl, and every
    # `landscape` call loads this module.
    from survey.tables import cell_outside, read_table

    where = Location(file=str(path))
    table_file = read_table(path, unreadable="C152", empty="C152")
    header = [h.strip() for h in table_file.rows[0]]
    twice = sorted({h for h in header if h and header.count(h) > 1})
    if twice:
        raise LandscapeError.of("C152", f"column '{clip(twice[0])}' is named twice",
                                Location(str(path), row=1, column=clip(twice[0])))
    if "response_id" not in header:
        raise LandscapeError.of("C152", "no 'response_id' column; columns are: "
                                f"{clip(', '.join(header), 300) or '(none)'}",
                                Location(str(path), row=1))
    outside = cell_outside(table_file.rows)
    if outside is not None:
        raise LandscapeError.of("C152", f"a value in column {outside[1]}, which the header "
                                "does not name", Location(str(path), row=outside[0],
                                                          column=str(outside[1])))
    rows = [(number, dict(zip(header, cells, strict=False)))
            for number, cells in enumerate(table_file.rows[1:], start=2)
            if any(cell.strip() for cell in cells)]
    long = side is None and {"theme", "applied"} <= set(header)
    columns = _theme_columns(header, side)
    coder_columns = _theme_columns(header, "coder") if side is not None else {}
    table: dict[str, dict[str, bool]] = {}
    seen: dict[tuple[str, str], int] = {}
    for number, row in rows:
        if coder_columns and not any((row.get(c) or "").strip() for c in coder_columns):
            continue  # the coder has not coded this response: not double-coded
        rid = (row.get("response_id") or "").strip()
        if not rid:
            raise LandscapeError.of("C152", "empty response_id",
                                    Location(str(path), row=number, column="response_id"))
        cells = ({((row.get("theme") or "").strip(), "applied"): row.get("applied")} if long
                 else {(theme, column): row.get(column) for column, theme in columns.items()})
        for (theme, column), value in cells.items():
            if not theme:
                raise LandscapeError.of("C152", "empty theme",
                                        Location(str(path), row=number, column="theme"))
            if (rid, theme) in seen:
                raise LandscapeError.of("C152", f"response '{clip(rid)}' / theme "
                                        f"'{clip(theme)}' is also on row "
                                        f"{seen[(rid, theme)]}",
                                        Location(str(path), row=number))
            seen[(rid, theme)] = number
            table.setdefault(rid, {})[theme] = _boolean(value, path, number, column)
    if not table:
        raise LandscapeError.of("C152", f"{who}'s file has no codings", where)
    frame = pd.DataFrame.from_dict(table, orient="index")
    if frame.isna().any().any():
        rid = frame.index[frame.isna().any(axis=1)][0]
        raise LandscapeError.of("C152", f"response '{clip(str(rid))}' is not coded for every "
                                "theme",
                                where)
    return frame.astype(bool)


@code_group.command("kappa")
@click.argument("coder_a", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("coder_b", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True)
@click.option("--min-double-coded", "min_double_coded", type=int, default=None,
              help="Report kappa only with at least this many responses coded by both "
                   "[env LANDSCAPE_MIN_DOUBLE_CODED; default: 20].")
def kappa_command(coder_a: Path, coder_b: Path | None, fmt: str,
                  min_double_coded: int | None) -> None:
    """Agreement per theme between two coders: Cohen's kappa with a 95% bootstrap
    interval, the theme's prevalence and PABAK.

    Each CSV has a response_id column and either one true/false (or 1/0) column
    per theme, or the columns theme and applied (one row per response and theme).
    Only responses both coders coded count. With one file, it is one written by
    'landscape code export-rules' and filled in by a coder: the rules' coding
    (rule_THEME) is compared with the coder's (THEME) on the rows the coder
    filled in. Below --min-double-coded double-coded responses kappa is not
    reported. Kappa is low for a very rare or very common theme even when the
    coders almost always agree: read it beside prevalence and PABAK (2 x
    agreement - 1).
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.coding.agreement import kappa_by_theme
    from survey.settings import resolve

    least = int(resolve("min_double_coded", min_double_coded))
    if coder_b is None:
        a = _read_coding(coder_a, "the rules", side="rules")
        b = _read_coding(coder_a, "the coder", side="coder")
    else:
        a = _read_coding(coder_a, "coder A")
        b = _read_coding(coder_b, "coder B")
    result = kappa_by_theme(a, b, min_double_coded=least)
    if fmt == "json":
        click.echo(json.dumps({"min_double_coded": least, "interval": "95% percentile "
                               "bootstrap (seeded)",
                               "records": json.loads(result.to_json(orient="records"))},
                              indent=2, ensure_ascii=False))
        return
    if fmt == "csv":
        buffer = io.StringIO()
        defuse_frame(result).to_csv(buffer, index=False, lineterminator="\n")
        click.echo(buffer.getvalue(), nl=False)
        return
    click.echo(_kappa_text(result, least))


def _number(value: float, digits: int = 2) -> str:
    return "-" if math.isnan(value) else f"{value:.{digits}f}"


def _kappa_text(result: pd.DataFrame, least: int) -> str:
    width = max(5, *(len(str(t)) for t in result["theme"]))
    lines = [f"{'theme':<{width}}  {'n':>4}  {'prev.':>6}  {'agree':>6}  {'chance':>6}  "
             f"{'kappa':>6}  {'95% interval':>14}  {'PABAK':>6}"]
    for row in result.itertuples(index=False):
        interval = ("-" if math.isnan(row.kappa_low) else
                    f"{row.kappa_low:.2f} to {row.kappa_high:.2f}")
        note = f"  {row.note}" if row.note else ""
        lines.append(f"{row.theme:<{width}}  {int(row.n):>4}  {_pct(row.prevalence):>6}  "
                     f"{_pct(row.observed):>6}  {_pct(row.expected):>6}  "
                     f"{_number(row.kappa):>6}  {interval:>14}  {_number(row.pabak):>6}{note}")
    lines += ["", f"n: responses coded by both (kappa needs at least {least}); prev.: share "
              "of all codings that apply the theme; kappa's interval: 95% percentile "
              "bootstrap, seeded; PABAK = 2 x agreement - 1 (kappa is low for a rare or "
              "very common theme even when coders agree)."]
    return "\n".join(lines)


@code_group.command("export-rules")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="The CSV to write.")
@_codebook
@_database
def export_rules_command(output: Path, codebook_path: Path | None,
                         database_url: str | None) -> None:
    """Write the rules' coding of every answered response for a human coder to code beside.

    One row per response that answered the challenges question: response_id,
    key, instrument, the answer, then rule_THEME (1/0, the codebook's rules) and
    an empty THEME column per theme for the coder to fill with 1 or 0. Rows the
    coder leaves empty are not double-coded. Then 'landscape code kappa FILE'
    measures agreement between the rules and the coder. The answers are
    respondents' own words: keep the file internal.
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.files import atomic_write
    from survey.store import Store
    from survey.store.codings import rule_codings_for_coders

    book = _load_codebook(codebook_path)
    with Store.open(database_url) as store:
        table = rule_codings_for_coders(store, book)
    if table.empty:
        raise LandscapeError.of("A172", "no complete response answered the challenges "
                                "question; load responses first (e.g. 'landscape demo')")
    buffer = io.StringIO()
    defuse_frame(table).to_csv(buffer, index=False, lineterminator="\n")
    text = buffer.getvalue()
    atomic_write(output, lambda temporary: temporary.write_bytes(text.encode("utf-8")))
    themes = [c for c in table.columns if c.startswith(_RULE)]
    click.echo(f"wrote the rules' coding of {len(table)} answers on {len(themes)} themes to "
               f"{output} (codebook {book.ref}); fill the empty theme columns with 1 or 0, "
               f"then run: landscape code kappa {output}", err=True)
