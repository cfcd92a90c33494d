"""The authority's date and time (DESIGN.md "Time").

Everything the authority reasons about (today, "in the future", the date in a dossier code,
a file name's date) is its own wall clock, ``BABEL_DEFAULT_TIMEZONE`` (Asia/Ho_Chi_Minh),
never the server's: from 17:00 to 24:00 UTC it is already tomorrow in Vietnam. Nothing in
``portal/`` calls ``date.today()`` or a naive ``datetime.now()``; a test keeps it so.
Timestamps are still stored in UTC (:func:`portal.models.utcnow`).
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

#: The zone used outside an application (command-line helpers, tests of pure functions).
DEFAULT_ZONE = "Asia/Ho_Chi_Minh"


@lru_cache(maxsize=8)
def _zone_named(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone() -> ZoneInfo:
    """The authority's time zone, from the settings."""
    name = current_app.config["BABEL_DEFAULT_TIMEZONE"] if has_app_context() else DEFAULT_ZONE
    return _zone_named(name)


def now() -> datetime:
    """The current moment on the authority's wall clock (aware)."""
    return datetime.now(timezone.utc).astimezone(zone())


def today() -> date:
    """Today's date where the authority is."""
    return now().date()


def local(moment: datetime) -> datetime:
    """An aware moment on the authority's wall clock."""
    return moment.astimezone(zone())
