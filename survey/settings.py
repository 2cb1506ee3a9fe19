"""Runtime settings, declared once.

Each :class:`Setting` is a name, the environment variable that sets it, a default
and a help text. The same declaration feeds the CLI options
(:func:`click_option`), validation (:func:`resolve`) and the documentation
(:func:`settings_markdown`), so the three never drift apart.

Examples
--------
>>> SETTINGS["database_url"].env
'LANDSCAPE_DATABASE_URL'
>>> resolve("reminder_limit", environ={})
2
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import click

from survey.errors import LandscapeError, Location

__all__ = ["SETTINGS", "Setting", "click_option", "resolve", "settings_markdown"]


def _text(value: str) -> str:
    return value


def _whole(value: str, wanted: str) -> int:
    """``value`` as an int, or a ValueError saying what is wanted (not Python's own
    "invalid literal for int() with base 10")."""
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"give {wanted}") from None


def _port(value: str) -> int:
    port = _whole(value, "a port: a whole number from 1 to 65535")
    if not 1 <= port <= 65535:
        raise ValueError("a port is a whole number from 1 to 65535")
    return port


def _count(value: str) -> int:
    count = _whole(value, "a whole number, 0 or more")
    if count < 0:
        raise ValueError("must be zero or more")
    return count


def _positive(value: str) -> int:
    count = _whole(value, "a whole number, 1 or more")
    if count < 1:
        raise ValueError("must be a whole number, 1 or more")
    return count


def _bands_text(value: str) -> str:
    text = ",".join(part.strip() for part in value.split(","))
    if not re.fullmatch(r"\d+(-\d+)?(,\d+(-\d+)?)*", text):
        raise ValueError("give rank bands such as 1-3,4-6,7-9")
    return text


def _score(value: str) -> float:
    score = float(value)
    if not 0 <= score <= 100:
        raise ValueError("a score is a number from 0 to 100")
    return score


def _width(value: str) -> float:
    width = float(value)
    if not 0 < width <= 1:
        raise ValueError("an interval width is a share above 0 and at most 1, e.g. 0.4")
    return width


def _flag(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("give true or false")


def _database_url(value: str) -> str:
    scheme = value.split(":", 1)[0]
    if not scheme.startswith(("sqlite", "postgresql")) or "://" not in value:
        raise ValueError(
            "give sqlite:///path/to/file.db or postgresql+psycopg://user@host:port/database"
        )
    return value


def _secret_key(value: str) -> str:
    if len(value) < 32:
        raise ValueError("give at least 32 random characters, e.g. from "
                         "python -c 'import secrets; print(secrets.token_urlsafe(32))'")
    return value


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("give an http:// or https:// address, e.g. https://survey.example.org")
    return value.rstrip("/")


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting: its name, environment variable, default (as text) and help."""

    name: str
    env: str
    default: str | None
    help: str
    parse: Callable[[str], Any] = _text
    secret: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def option(self) -> str:
        """The CLI option that overrides it, e.g. ``--database-url``."""
        return "--" + self.name.replace("_", "-")


_DECLARED: tuple[Setting, ...] = (
    Setting("database_url", "LANDSCAPE_DATABASE_URL", "sqlite:///landscape.db",
            "Response store: a SQLite file (sqlite:///path.db) or PostgreSQL "
            "(postgresql+psycopg://user@host:5432/db).", _database_url,
            aliases=("--database",)),
    Setting("base_url", "LANDSCAPE_BASE_URL", "http://127.0.0.1:8050",
            "Public address of the survey web form; invitation links start with it.", _http_url),
    Setting("smtp_host", "LANDSCAPE_SMTP_HOST", None,
            "SMTP server for sending invitations; unset means write the mail-merge file only."),
    Setting("smtp_port", "LANDSCAPE_SMTP_PORT", "25", "SMTP server port.", _port),
    Setting("smtp_user", "LANDSCAPE_SMTP_USER", None, "SMTP login name (optional)."),
    Setting("smtp_password", "LANDSCAPE_SMTP_PASSWORD", None, "SMTP password (optional).",
            secret=True),
    Setting("smtp_from", "LANDSCAPE_SMTP_FROM", "survey@localhost",
            "The From address of invitation and reminder mails."),
    Setting("smtp_starttls", "LANDSCAPE_SMTP_STARTTLS", "false",
            "Upgrade the SMTP connection with STARTTLS (true/false).", _flag),
    Setting("reminder_limit", "LANDSCAPE_REMINDER_LIMIT", "2",
            "Most reminders one person receives (the 2022 survey sent two follow-ups).", _count),
    Setting("resolver_auto_link", "LANDSCAPE_RESOLVER_AUTO_LINK", "90",
            "Typed organisation names the resolver scores at least this (0-100; see "
            "survey/landscape/resolver.py) are linked automatically.", _score),
    Setting("resolver_review_floor", "LANDSCAPE_RESOLVER_REVIEW_FLOOR", "75",
            "Names scoring from this up to the auto-link threshold go to the review queue; "
            "below it a name becomes a new unresolved organisation.", _score),
    Setting("suppression_threshold", "LANDSCAPE_SUPPRESSION_THRESHOLD", "5",
            "Public outputs hide any cell counting fewer respondents than this.", _count),
    Setting("small_n", "LANDSCAPE_SMALL_N", "10",
            "A share resting on fewer respondents than this is flagged small n (read as "
            "indicative only) in every table, export and explorer page.", _count),
    Setting("small_n_width", "LANDSCAPE_SMALL_N_WIDTH", "0.4",
            "A share whose 95% Wilson interval is wider than this (a share, 0.4 = 40 "
            "points) is flagged small n too, whatever its n.", _width),
    Setting("min_double_coded", "LANDSCAPE_MIN_DOUBLE_CODED", "20",
            "Cohen's kappa is reported only when at least this many responses are coded by "
            "both coders; below it `landscape code kappa` shows the counts and says why.",
            _count),
    Setting("release_bands", "LANDSCAPE_RELEASE_BANDS", "1-3,4-6,7-9",
            "The one banding of every public output of a release (priority tables, compare's "
            "top share): a public export with other --bands is refused.", _bands_text),
    Setting("protection_width", "LANDSCAPE_PROTECTION_WIDTH", "3",
            "A public release passes only if, attacking all its outputs together, each "
            "suppressed count can still lie anywhere in a range at least this many "
            "respondents wide (see survey/export/release.py).", _positive),
    Setting("secret_key", "LANDSCAPE_SECRET_KEY", None,
            "The server's secret for signing form tokens and sessions (32+ random characters); "
            "unset means a random one per start, so open pages expire on a restart.",
            _secret_key, secret=True),
    Setting("trusted_proxies", "LANDSCAPE_TRUSTED_PROXIES", "0",
            "How many reverse proxies in front of `landscape serve` to trust for the client's "
            "scheme and address; above 0, cookies are sent only over HTTPS.", _count),
    Setting("max_request_bytes", "LANDSCAPE_MAX_REQUEST_BYTES", "2097152",
            "The largest request body `landscape serve` accepts, in bytes (a larger one "
            "gets a 413 page); answers have their own length limits (instruments/FORMAT.md).",
            _count),
    Setting("view_refresh", "LANDSCAPE_VIEW_REFRESH", "2",
            "How often, in seconds, `landscape serve` looks for new data and then computes "
            "the default views again before a visitor asks (the release check takes "
            "seconds at 100,000 respondents); 0 computes them only at start.", _count),
    Setting("network_survey_ties", "LANDSCAPE_NETWORK_SURVEY_TIES", "false",
            "Show partnership ties known only from survey answers (they identify "
            "respondents' organisations) in the network commands (true/false); the "
            "explorer shows them to signed-in analysts and admins only.", _flag),
)

#: Every setting by name.
SETTINGS: dict[str, Setting] = {s.name: s for s in _DECLARED}


def resolve(name: str, value: Any = None, environ: Mapping[str, str] | None = None) -> Any:
    """The value of setting ``name``: ``value`` if given, else its env var, else its default.

    Text is parsed and checked; a bad value raises ``LandscapeError`` (``S108``)
    naming the setting and the environment variable.

    Examples
    --------
    >>> resolve("smtp_port", environ={"LANDSCAPE_SMTP_PORT": "2525"})
    2525
    """
    setting = SETTINGS[name]
    env = os.environ if environ is None else environ
    raw = value if value is not None else env.get(setting.env, setting.default)
    if raw is None:
        return None
    if not isinstance(raw, str):
        return raw
    try:
        return setting.parse(raw)
    except ValueError as exc:
        shown = "***" if setting.secret else repr(raw)
        raise LandscapeError.of(
            "S108", f"{setting.option} / {setting.env} = {shown}: {exc}",
            Location(column=setting.env),
        ) from None


def click_option(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A click option for setting ``name`` (value ``None`` means: use env var or default).

    Examples
    --------
    >>> click_option("base_url")  # doctest: +ELLIPSIS
    <function ...>
    """
    setting = SETTINGS[name]
    default = "(unset)" if setting.default is None else setting.default
    metavar = "URL" if name.endswith("_url") else None
    return click.option(
        setting.option, *setting.aliases, name, default=None, metavar=metavar,
        help=f"{setting.help} [env {setting.env}; default: {default}]",
    )


def settings_markdown() -> str:
    """A Markdown table of every setting, for the README.

    Examples
    --------
    >>> settings_markdown().splitlines()[0]
    '| setting | environment variable | default | meaning |'
    """
    lines = ["| setting | environment variable | default | meaning |", "|---|---|---|---|"]
    for s in _DECLARED:
        lines.append(f"| `{s.option}` | `{s.env}` | `{s.default or ''}` | {s.help} |")
    return "\n".join(lines)
