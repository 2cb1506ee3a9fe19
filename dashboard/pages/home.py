"""The home page (``/``): the priorities page, the explorer's main view.

Uses the priorities page's layout (and so its callbacks); hidden from the
navigation, which links ``/priorities`` instead.
"""

from __future__ import annotations

from typing import Any

import dash

dash.register_page(__name__, path="/", name="Home", order=-1, nav=False,
                   title="Partnership Landscape")


def layout(**query: Any) -> Any:
    """The priorities page's layout (the page module is imported by Dash first)."""
    # Dash imports page modules itself; this one is loaded first.
    from dashboard.pages.priorities import layout as priorities_layout

    return priorities_layout(**query)
