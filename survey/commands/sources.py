"""Where analysis commands get rankings: the store (default) or a file (``--input``).

For any command that analyses a ranking question::

    @click.command("consensus")
    @rankings_source_options
    def consensus_command(**options):
        data = load_rankings(options)            # one RankingData (groups set)
        groups = load_ranking_groups(options)    # or: group name -> RankingData

Without ``--input`` the store named by ``--database`` / ``$LANDSCAPE_DATABASE_URL``
is read through :func:`survey.store.analysis.store_ranking_groups` (``--question``,
``--by``, ``--where``, ``--instrument``). With ``--input FILE --layout ...`` the
file is read as before (``--group-column`` splits it). :func:`describe_source`
says which was used, and :func:`source_labels` gives the data labels (e.g. the
demo's "reconstructed ..." label) to print beside any result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click

from survey.errors import LandscapeError

__all__ = [
    "SOURCES",
    "TOOLS",
    "check_public",
    "describe_source",
    "labelled_reconstructed",
    "load_ranking_groups",
    "load_rankings",
    "rankings_source_options",
    "source_labels",
]

_LAYOUTS = ["rank-per-option", "option-per-rank", "ordered-list"]
#: ``--from`` choices (survey.dialects.DIALECTS, written here to keep `--help` fast;
#: tests/test_dialects.py checks they are the same).
TOOLS = ["auto", "qualtrics", "jisc", "surveymonkey", "msforms", "limesurvey", "kobo", "odk",
         "redcap", "generic"]
_FIELDS = ["instrument", "version", "nation", "region", "organisation_type", "path"]


def rankings_source_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add the source options (store by default, or ``--input FILE``) to a click command.

    The command receives ``input_path, layout, tool, mapping, group_column, id_column,
    list_column, instrument, question, database_url, by, where``.
    """
    for decorator in reversed([
        click.option("--input", "input_path", type=click.Path(dir_okay=False, path_type=Path),
                     default=None, help="Read a CSV or XLSX exported from another survey tool "
                     "instead of the store."),
        click.option("--layout", type=click.Choice(_LAYOUTS), default=None,
                     help="How the --input file holds the rankings."),
        click.option("--from", "tool", type=click.Choice(TOOLS), default=None,
                     help="The survey tool that exported the --input file (auto: recognise "
                     "it); needs --instrument. Its header rows, metadata and ranking "
                     "layout are then read as the tool writes them."),
        click.option("--mapping", type=click.Path(dir_okay=False, path_type=Path),
                     default=None, help="A column mapping for the --from file, written by "
                     "'landscape responses map' (and reviewed)."),
        click.option("--group-column", default=None,
                     help="Column to split an --input file by."),
        click.option("--id-column", default=None,
                     help="Respondent id column of an --input file (default: guessed)."),
        click.option("--list-column", default=None,
                     help="The ranking field of an --input file (ordered-list layout)."),
        click.option("--instrument", default=None, metavar="ID[@VERSION]",
                     help="Store: only this instrument (or version). --input: the "
                     "ID@VERSION the file answers (labels, ranking rule)."),
        click.option("--question", default=None,
                     help="Ranking question code (default: the instrument's one ranking "
                     "question, evidence_priorities)."),
        click.option("--database", "--database-url", "database_url", default=None,
                     metavar="URL", help="The store to read [env LANDSCAPE_DATABASE_URL; "
                     "default sqlite:///landscape.db]."),
        click.option("--by", type=click.Choice(_FIELDS), default=None,
                     help="Store: one table per value of this field (always within an "
                     "instrument; default: one per instrument)."),
        click.option("--where", "where", multiple=True, metavar="FIELD=VALUE",
                     help="Store: keep only respondents with this value (repeatable; the "
                     "same field twice means either value)."),
    ]):
        function = decorator(function)
    return function


def _is_file(options: Mapping[str, Any]) -> bool:
    if options.get("input_path") is None and options.get("input") is None:
        for name, key in (("--layout", "layout"), ("--group-column", "group_column"),
                          ("--id-column", "id_column"), ("--list-column", "list_column"),
                          ("--from", "tool"), ("--mapping", "mapping")):
            if options.get(key):
                raise LandscapeError.of("A171", f"{name} applies to --input files only")
        return False
    if options.get("by") or options.get("where"):
        raise LandscapeError.of("A171", "--by and --where apply to the store; for an --input "
                                "file use --group-column")
    if options.get("database_url"):
        raise LandscapeError.of("A171", "give either --input FILE or --database, not both")
    if options.get("mapping") and not options.get("tool"):
        raise LandscapeError.of("A102", "--mapping needs --from TOOL (the tool the mapping "
                                "was written for)")
    if options.get("tool"):
        if not options.get("instrument"):
            raise LandscapeError.of("A102", f"--from {options['tool']} needs --instrument "
                                    "ID@VERSION: the questions the file's columns answer")
        return True
    if not options.get("layout"):
        raise LandscapeError.of("A102", "--input needs --layout rank-per-option, "
                                "option-per-rank or ordered-list (or --from TOOL)")
    return True


def _file_options(options: Mapping[str, Any]) -> dict[str, Any]:
    return {"input": options.get("input_path") or options.get("input"),
            "layout": options["layout"], "group_column": options.get("group_column"),
            "id_column": options.get("id_column"), "list_column": options.get("list_column"),
            "instrument": options.get("instrument"), "question": options.get("question"),
            "tool": options.get("tool"), "mapping": options.get("mapping")}


def load_ranking_groups(options: Mapping[str, Any]) -> dict[str, Any]:
    """Group name -> :class:`~survey.ranking.bands.RankingData` from the chosen source."""
    if _is_file(options):
        data = SOURCES["file"](_file_options(options))
        if data.groups is None:
            return {"all": data}
        groups = data.groups.astype(object)
        return {str(g): data.subset((groups == g).to_numpy())
                for g in sorted(groups.dropna().unique(), key=str)}
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.store import Store
    from survey.store.analysis import store_ranking_groups

    with Store.open(options.get("database_url")) as store:
        return store_ranking_groups(store, options.get("question"),
                                    instrument=options.get("instrument"),
                                    where=list(options.get("where") or ()),
                                    by=options.get("by"))


def check_public(options: Mapping[str, Any], policy: Any, **request: Any) -> None:
    """Refuse a public output from this source that would disclose a protected cell.

    Calls :func:`survey.export.release.check_public_release` (``X108``) on every
    population of the source (each instrument of the store, or the ``--input``
    file) with the output's ``--by``/``--where`` (a file's ``--group-column`` is
    its ``--by``) and ``request`` (``bands``, ``top``, ``method``). Internal
    outputs (``policy.public`` false) are not checked.
    """
    if not policy.public:
        return
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.export.release import (
        check_public_release,
        population_from_data,
        store_populations,
    )

    if _is_file(options):
        column = options.get("group_column")
        data = SOURCES["file"](_file_options(options))
        check_public_release([population_from_data(data, "all", column)], policy, by=column,
                             **request)
        return
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.store import Store
    from survey.store.analysis import parse_where

    where = parse_where(list(options.get("where") or ()))
    instrument = str(options.get("instrument") or "")
    if "@" in instrument:  # one version of an instrument: the --where version=... subset
        where.setdefault("version", []).append(instrument.split("@", 1)[1])
    by = options.get("by")
    with Store.open(options.get("database_url")) as store:
        populations = store_populations(store, options.get("question"))
    check_public_release(populations, policy, by=None if by == "instrument" else by,
                         where=where, **request)


def load_rankings(options: Mapping[str, Any]) -> Any:
    """One :class:`~survey.ranking.bands.RankingData` (``groups`` = each respondent's group)."""
    if _is_file(options):
        return SOURCES["file"](_file_options(options))
    return _store_source(options)


def _store_source(options: Mapping[str, Any]) -> Any:
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.store import Store
    from survey.store.analysis import store_ranking_data

    with Store.open(options.get("database_url")) as store:
        return store_ranking_data(store, options.get("question"),
                                  instrument=options.get("instrument"),
                                  where=list(options.get("where") or ()), by=options.get("by"))


def describe_source(options: Mapping[str, Any]) -> str:
    """One line naming the source, e.g. ``store sqlite:///landscape.db``."""
    if _is_file(options):
        return f"file {options.get('input_path') or options.get('input')}"
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.settings import resolve
    from survey.store.engine import _safe

    return f"store {_safe(resolve('database_url', options.get('database_url')))}"


def source_labels(options: Mapping[str, Any]) -> list[str]:
    """Data labels to print with results (the demo's label when the store holds it)."""
    if _is_file(options):
        return []
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.store import Store
    from survey.store.analysis import data_labels

    with Store.open(options.get("database_url")) as store:
        return data_labels(store)


def labelled_reconstructed(path: Path) -> bool:
    """Whether a ``data_status`` column marks the rows reconstructed or synthetic."""
    # Deferred: pandas loads only when a command reads a file (keeps `landscape --help` fast).
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


#: Where rankings come from: name -> loader(options) -> RankingData. ``file`` reads
#: ``options["input"]`` (with layout, group_column, ...); ``store`` reads the store
#: (options ``database_url``, ``question``, ``instrument``, ``where``, ``by``).
SOURCES: dict[str, Callable[[dict[str, Any]], Any]] = {}


def _file_source(options: dict[str, Any]) -> Any:
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.ranking.layouts import read_rankings

    question = None
    version = None
    if options.get("instrument"):
        # Loaded when the command runs: keeps `landscape --help` fast.
        from survey.instrument.registry import Catalogue

        version = Catalogue.default().load(options["instrument"])
        code = options.get("question")
        candidates = version.ranking_questions()
        if code:
            question = version.question(code)
            if question is None or question not in candidates:
                raise LandscapeError.of(
                    "A103", f"{version.ref} has no ranking question '{code}'; ranking "
                    f"questions: {', '.join(q.code for q in candidates)}")
        elif len(candidates) == 1:
            question = candidates[0]
        else:
            raise LandscapeError.of("A103", f"{version.ref} has several ranking questions; "
                                    "name one with --question")
    if options.get("tool"):
        # Loaded when the command runs: keeps `landscape --help` fast.
        from survey.store.imports import read_tool_rankings

        assert question is not None and version is not None  # --from needs --instrument
        return read_tool_rankings(options["input"], options["tool"], version, question,
                                  layout=options.get("layout") or "auto",
                                  group_column=options.get("group_column"),
                                  mapping=options.get("mapping"))
    return read_rankings(
        options["input"], options["layout"], question=question,
        group_column=options.get("group_column"), id_column=options.get("id_column"),
        list_column=options.get("list_column"))


SOURCES["file"] = _file_source
SOURCES["store"] = _store_source
