"""``landscape network``: metrics, match-making, name resolution, review and export.

Registered with the ``landscape`` command through the ``landscape.commands`` entry point
(``network = "network.commands:network_group"``), so ``survey`` never imports ``network``.
"""

from __future__ import annotations

import click

__all__ = ["network_group"]


@click.group("network")
def network_group() -> None:
    """The partnership network: organisations, partnerships, themes and barriers."""
