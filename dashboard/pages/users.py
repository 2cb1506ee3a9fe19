"""Users (``/users``, admins only): who can sign in, with which role, and the audit log.

Read-only: users are added, removed and given new passwords with ``landscape user``
(passwords never pass through a web form an admin could mistype into a log). The
server refuses this page, and its content, to anyone below admin
(:data:`dashboard.access.PAGE_ROLES`).
"""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboard.access import require
from dashboard.app import current_store
from dashboard.views import page_heading, table_from_rows
from survey.store.users import audit_entries, list_users

dash.register_page(__name__, path="/users", name="Users", order=9,
                   title="Users – Partnership Landscape")

#: How many audit log lines the page shows (the newest).
AUDIT_LINES = 100
_INTRO = ("Who can sign in to the explorer and with which role, and the audit log: who "
          "exported what and when, and every change to the users. Manage users with "
          "'landscape user add NAME --role ROLE', 'landscape user passwd NAME' and "
          "'landscape user remove NAME'.")


def layout(**_query: Any) -> html.Div:
    """The page: the users and the newest audit log lines."""
    require("manage_users")  # the page check already refused others; belt and braces
    store = current_store()
    users = list_users(store)
    entries = audit_entries(store, AUDIT_LINES)
    return html.Div([
        *page_heading("Users", _INTRO, []),
        table_from_rows(f"{len(users)} user(s)", ["Name", "Role", "Added (UTC)"],
                        [[u.name, u.role, f"{u.created_at:%Y-%m-%d %H:%M}"] for u in users],
                        table_id="users-table"),
        html.H3("Audit log"),
        table_from_rows(f"The newest {len(entries)} entries, oldest first",
                        ["When (UTC)", "Who", "Action", "What"],
                        [[f"{e.at:%Y-%m-%d %H:%M:%S}", e.who, e.action, e.what]
                         for e in entries], table_id="users-audit"),
    ])
