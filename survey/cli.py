"""The ``landscape`` command.

A thin click layer: each command parses its arguments, calls a function from
``survey`` (or a higher layer, imported lazily inside the command) and prints.
A :class:`~survey.errors.LandscapeError` becomes a clear message on stderr and
exit code 2; no traceback reaches the user.
"""

from __future__ import annotations

import importlib.metadata
import sys
from typing import Any

import click

from survey import __version__
from survey.commands.analysis import compare_command, consensus_command
from survey.commands.coding import code_group
from survey.commands.demo import demo_command
from survey.commands.export import export_group
from survey.commands.instrument import instrument_group
from survey.commands.priorities import (
    audit_table_command,
    priorities_command,
    reproduce_command,
)
from survey.commands.store import (
    db_group,
    frame_group,
    invite_command,
    monitor_command,
    open_link_command,
    remind_command,
    responses_group,
)
from survey.commands.users import user_group
from survey.commands.weights import weights_command
from survey.errors import LandscapeError

__all__ = ["main"]


class _LandscapeGroup(click.Group):
    """Turns :class:`LandscapeError` into a message and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LandscapeError as exc:
            for problem in exc.issues:
                click.echo(f"Error: {problem}", err=True)
            ctx.exit(2)
        except (BrokenPipeError, KeyboardInterrupt):  # pragma: no cover - interactive only
            sys.exit(1)


@click.group(cls=_LandscapeGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="landscape")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Partnership Landscape: field the local research partnerships survey, analyse
    its priority rankings and explore partnership networks.

    Start with `landscape reproduce`, then `landscape serve --demo` (the explorer on the
    demo data); `landscape demo` loads the demo into your own store.
    """
    if ctx.invoked_subcommand is None:  # bare `landscape`: the overview, not an error
        click.echo(ctx.get_help())


# -- command registry: one line per command or group ------------------------
main.add_command(instrument_group)
main.add_command(priorities_command)
main.add_command(audit_table_command)
main.add_command(reproduce_command)
main.add_command(consensus_command)
main.add_command(compare_command)
main.add_command(db_group)
main.add_command(frame_group)
main.add_command(invite_command)
main.add_command(remind_command)
main.add_command(open_link_command)
main.add_command(monitor_command)
main.add_command(responses_group)
main.add_command(demo_command)
main.add_command(code_group)
main.add_command(export_group)
main.add_command(user_group)
main.add_command(weights_command)


def _add_plugin_commands(group: click.Group) -> None:
    """Add the commands higher layers register under the ``landscape.commands`` entry
    point group (e.g. ``serve`` from ``dashboard``), so survey never imports them."""
    for entry in importlib.metadata.entry_points(group="landscape.commands"):
        if entry.name in group.commands:
            continue
        try:
            group.add_command(entry.load(), entry.name)
        except Exception as exc:  # a broken plugin must not break the whole CLI
            click.echo(f"Warning: command '{entry.name}' ({entry.value}) not loaded: {exc}",
                       err=True)


_add_plugin_commands(main)
