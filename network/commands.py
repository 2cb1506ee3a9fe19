"""``landscape network``: metrics, match-making, name resolution, review and export.

Registered with the ``landscape`` command through the ``landscape.commands`` entry point
(``network = "network.commands:network_group"``), so ``survey`` never imports ``network``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from network.analysis_commands import export_command, match_command, metrics_command
from survey.errors import LandscapeError

__all__ = ["network_group"]


@click.group("network")
def network_group() -> None:
    """The partnership network: organisations, partnerships, themes and barriers."""


network_group.add_command(metrics_command)
network_group.add_command(match_command)
network_group.add_command(export_command)


# -- resolve and review: typed names -> canonical organisations ------------------------------
# (survey.landscape.resolver does the work; these commands only read options and print.)

_database_option = click.option(
    "--database", "--database-url", "database_url", default=None, metavar="URL",
    help="The store [env LANDSCAPE_DATABASE_URL; default sqlite:///landscape.db].")
_format_option = click.option("--format", "fmt", type=click.Choice(["text", "json"]),
                              default="text", show_default=True)


def _stored_organisations(database_url: str | None) -> tuple[Any, str]:
    """The organisations to resolve against, and where they came from."""
    # Imported when the command runs: every `landscape` call loads this module.
    from survey.landscape.dataset import load_dataset
    from survey.store import Store
    from survey.store.landscape import load_landscape

    try:
        with Store.open(database_url) as store:
            data = load_landscape(store)
            if data.organisations:
                return data.organisations, f"the landscape in {store.url}"
    except LandscapeError as exc:
        if not all(i.code == "S101" for i in exc.issues):
            raise
    return load_dataset().organisations, "the shipped registry and 2022 dataset (no store yet)"


def _resolution_json(result: Any) -> dict[str, Any]:
    return {"text": result.text, "normalised": result.normalised, "outcome": result.outcome,
            "key": result.key, "name": result.name, "score": result.score,
            "reason": result.reason,
            "candidates": [{"key": c.key, "name": c.name, "score": c.score,
                            "matched": c.matched} for c in result.candidates]}


@network_group.command("resolve")
@click.argument("name")
@_format_option
@_database_option
def resolve_command(name: str, fmt: str, database_url: str | None) -> None:
    """Show which organisation NAME resolves to, and why (nothing is recorded).

    Exact and alias matches first (after normalising case, accents, punctuation, "The",
    "University of X", "&", Welsh words), then fuzzy matching with two thresholds
    (settings resolver_auto_link and resolver_review_floor). A name that matches nothing
    closely exits with code 2 and lists the closest names.
    """
    # Imported when the command runs: every `landscape` call loads this module.
    from survey.landscape.resolver import OUTCOMES, Resolver

    organisations, source = _stored_organisations(database_url)
    resolver = Resolver(organisations)
    result = resolver.resolve(name)
    if fmt == "json":
        click.echo(json.dumps({**_resolution_json(result), "source": source}, indent=2,
                              ensure_ascii=False))
    else:
        click.echo(f"{result.text!r} -> {result.outcome}: {OUTCOMES[result.outcome]}")
        if result.key:
            click.echo(f"  organisation: {result.name} [{result.key}]")
        click.echo(f"  why: {result.reason}")
        click.echo(f"  thresholds: auto-link >= {resolver.auto_link:.0f}, review >= "
                   f"{resolver.review_floor:.0f}; matched against {source}")
        if result.candidates:
            click.echo("  closest:")
            for c in result.candidates:
                click.echo(f"    {c.score:5.1f}  {c.name} [{c.key}] (as {c.matched!r})")
    if result.outcome == "new":
        closest = "; ".join(f"{c.name} ({c.score:.0f})" for c in result.candidates[:3])
        raise LandscapeError.of("L113", f"no organisation matches '{name}' closely enough"
                                + (f"; closest: {closest}" if closest else ""))


@network_group.group("review")
def review_group() -> None:
    """The review queue of typed names: list, accept, reject or create.

    Each decision is stored as an alias with the reviewer's name and the time, so the
    same name is never asked about again; partners named in survey answers are then
    re-linked.
    """


@review_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include decided items.")
@_format_option
@_database_option
def review_list_command(show_all: bool, fmt: str, database_url: str | None) -> None:
    """List the names waiting for a reviewer (oldest first)."""
    # Imported when the command runs: every `landscape` call loads this module.
    from survey.store import Store
    from survey.store.landscape import pending_reviews

    with Store.open(database_url) as store:
        items = pending_reviews(store, include_decided=show_all)
    if fmt == "json":
        click.echo(json.dumps([{
            "id": i.id, "text": i.text, "candidate_key": i.candidate_key,
            "candidate_name": i.candidate_name, "score": i.score, "status": i.status,
            "seen_in": f"{i.source.kind} {i.source.reference}",
            "organisation_key": i.organisation_key, "decided_by": i.decided_by,
            "decided_at": i.decided_at} for i in items], indent=2, ensure_ascii=False))
        return
    if not items:
        click.echo("No names wait for review.")
        return
    for i in items:
        candidate = f"{i.candidate_name} [{i.candidate_key}]" if i.candidate_key else "none"
        click.echo(f"{i.id:>4}  {i.text!r} -> {candidate}  score {i.score:.0f}  "
                   f"({i.status}; seen in {i.source.kind} {i.source.reference})")
    click.echo("Decide with: landscape network review accept|reject|create ID --reviewer NAME")


def _decide(database_url: str | None, review_id: int, decision: str, reviewer: str,
            organisation: Any = None) -> None:
    # Imported when the command runs: every `landscape` call loads this module.
    from survey.store import Store
    from survey.store.landscape import decide_review
    from survey.store.partners import import_partner_answers

    with Store.open(database_url) as store:
        item = decide_review(store, review_id, decision, reviewer, organisation=organisation)
        relinked = import_partner_answers(store)
    click.echo(f"{item.id}: {item.text!r} {item.status} -> {item.organisation_key} "
               f"(by {item.decided_by}, {item.decided_at}); stored as an alias")
    click.echo(f"  survey partners re-linked: {relinked.partnerships} partnerships")


_reviewer_option = click.option("--reviewer", required=True, help="Your name, recorded "
                                "with the decision.")


@review_group.command("accept")
@click.argument("review_id", type=int)
@_reviewer_option
@_database_option
def review_accept_command(review_id: int, reviewer: str, database_url: str | None) -> None:
    """The name is the candidate organisation."""
    _decide(database_url, review_id, "accept", reviewer)


@review_group.command("reject")
@click.argument("review_id", type=int)
@_reviewer_option
@_database_option
def review_reject_command(review_id: int, reviewer: str, database_url: str | None) -> None:
    """The name is not the candidate: record it as a new, unresolved organisation."""
    _decide(database_url, review_id, "reject", reviewer)


@review_group.command("create")
@click.argument("review_id", type=int)
@click.option("--name", "org_name", required=True, help="The new organisation's name.")
@click.option("--type", "org_type", required=True, metavar="TYPE",
              help="Its type code (e.g. university, research_centre, unitary_authority).")
@click.option("--region", default=None, help="Its region or nation code (e.g. wales).")
@_reviewer_option
@_database_option
def review_create_command(review_id: int, org_name: str, org_type: str, region: str | None,
                          reviewer: str, database_url: str | None) -> None:
    """Record the name as a new organisation you describe."""
    # Imported when the command runs: every `landscape` call loads this module.
    import difflib

    # (as above)
    from survey.instrument.places import NATIONS, REGIONS, nation_of
    from survey.landscape.names import slug
    from survey.landscape.records import ORGANISATION_TYPES, Organisation

    if org_type not in ORGANISATION_TYPES:
        near = difflib.get_close_matches(org_type, list(ORGANISATION_TYPES), n=3, cutoff=0.4)
        raise LandscapeError.of("L104", f"type '{org_type}' is not one of: "
                                f"{', '.join(ORGANISATION_TYPES)}"
                                + (f" (closest: {', '.join(near)})" if near else ""))
    places = {p.code for p in (*REGIONS, *NATIONS)}
    if region is not None and region not in places:
        near = difflib.get_close_matches(region, sorted(places), n=3, cutoff=0.4)
        raise LandscapeError.of("L104", f"region '{region}' is not one of: "
                                f"{', '.join(sorted(places))}"
                                + (f" (closest: {', '.join(near)})" if near else ""))
    key = slug(org_name)
    if not key:
        raise LandscapeError.of("L114", "the new organisation's name has no letters or digits")
    organisation = Organisation(key=key, name=org_name, type=org_type, region=region,
                                nation=nation_of(region) if region else None)
    _decide(database_url, review_id, "create", reviewer, organisation)


@network_group.command("load")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--only", is_flag=True, help="Load only FILES with the registry, not the "
              "shipped 2022 dataset.")
@_database_option
def load_command(files: tuple[Path, ...], only: bool, database_url: str | None) -> None:
    """Load the landscape into the store: the registry, the 2022 dataset and FILES.

    FILES are landscape data files in the format of survey/data/landscape/README.md. Every
    file is checked first: any problem is reported with file:line and nothing is loaded.
    Reviewers' decisions already in the store are kept; partners named in stored survey
    answers are then resolved into the landscape again.
    """
    # Imported when the command runs: every `landscape` call loads this module.
    from survey.coding.codebook import load_codebook
    from survey.landscape.dataset import dataset_dir, load_dataset
    from survey.store import Store
    from survey.store.landscape import save_landscape
    from survey.store.partners import import_partner_answers

    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise LandscapeError.of("L102", f"no such file: {', '.join(missing)}")
    shipped = [] if only else sorted(dataset_dir().glob("*.yaml"))
    labels = {t.code: t.label for t in load_codebook().themes}
    data = load_dataset([*shipped, *files], barrier_labels=labels)
    with Store.open(database_url) as store:
        counts = save_landscape(store, data)
        partners = import_partner_answers(store)
    click.echo(f"Loaded {counts.organisations} organisations ({counts.aliases} aliases), "
               f"{counts.partnerships} partnerships, {counts.themes} themes, "
               f"{counts.barriers} barriers into {store.url}")
    click.echo(f"  partners named in survey answers: {partners.linked} linked, "
               f"{partners.queued} queued for review, {partners.new} new")
