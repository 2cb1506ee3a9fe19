"""``landscape demo``: load the reconstructed 2022 survey into a store."""

from __future__ import annotations

import click

__all__ = ["demo_command"]


@click.command("demo")
@click.option("--database", "--database-url", "database_url", default=None, metavar="URL",
              help="The store to fill [env LANDSCAPE_DATABASE_URL; default "
                   "sqlite:///landscape.db]. A new database is created and migrated.")
@click.option("--reset", is_flag=True,
              help="Delete everything already in the store first.")
def demo_command(database_url: str | None, reset: bool) -> None:
    """Load the demo: the 2022 survey reconstructed from the published report.

    Records the shipped instrument versions, a synthetic frame of 256 local
    government contacts (invited), and 52 responses (35 local government, 17
    researchers) whose rankings are reconstructed to match the report's tables;
    then the partnership landscape: the organisation registries, the 2022 report's
    organisations and partnerships (hand-built), and the partners the synthetic
    respondents name, resolved into the same landscape as synthetic partnerships.
    Everything loaded is labelled as reconstructed/synthetic, in the data and here.
    """
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.reproduce.demo import load_demo

    summary = load_demo(database_url, reset=reset)
    click.echo(f"Loaded the demo into {summary.store_url}")
    click.echo(f"  DATA: {summary.label}.")
    click.echo(f"  instruments recorded: {', '.join(summary.instruments)}")
    nations = ", ".join(f"{k} {v}" for k, v in summary.frame_by_nation.items())
    click.echo(f"  synthetic frame: {summary.frame} local-government contacts at example.org "
               f"({nations}), {summary.invited} invited")
    responses = ", ".join(f"{k} {v}" for k, v in summary.responses.items())
    click.echo(f"  responses: {responses} (ids demo:LG01..LG35, demo:R01..R17)")
    click.echo(f"  landscape: {summary.organisations} organisations (registries + the 2022 "
               f"report, hand-built), {summary.partnerships} partnerships; "
               f"{summary.partner_names} synthetic partner names resolved, "
               f"{summary.queued} waiting for review")
    store = "" if database_url is None else f" --database {database_url}"
    monitor = "" if database_url is None else f" --database-url {database_url}"
    click.echo("Next:")
    click.echo("  landscape reproduce                  published 2022 figures vs the shipped "
               "demo files")
    click.echo(f"  landscape reproduce --database {summary.store_url}   ... vs this store")
    click.echo(f"  landscape priorities{store} --by instrument")
    click.echo(f"  landscape monitor{monitor}")
    click.echo(f"  landscape code barriers{store}")
    click.echo(f"  landscape network resolve \"Uni of Sheffield\"{store}")
    click.echo(f"  landscape network review list{store}")
