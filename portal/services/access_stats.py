"""Page views per page and per day (TT22-PL3-14), counted without keeping anything about
the visitor, and the access report read from them.

**What is counted.** A ``GET`` of an HTML page answered 200, or 304 (a returning visitor
whose browser revalidated the page it kept: a view all the same), whether Flask rendered it
(:func:`init_app` adds an ``after_request`` hook) or the page cache answered it before Flask
ran (:mod:`portal.cache` calls :func:`count_cache_hit`). Not counted: other methods and
statuses (errors, redirects), files, JSON, XML, static files,
``/healthz``, htmx fragments (``HX-Request`` without ``HX-Boosted``: a boosted navigation
is a page view) and robots that say so in their ``User-Agent``. A view adds 1 to the row
``(local date, path)`` of ``page_view``; the path has no query string, is cut to 255
characters, and is the route's pattern (``/ho-so/<code>``, ``/nop-ho-so/nhap/<token>``)
when the route has free-form parts, so that neither dossier codes nor secret links become
keys, and the number of keys stays bounded. Procedure, guide and FAQ pages keep their real
paths (:data:`REAL_PATH_ENDPOINTS`): which of them people read is the point of the report,
and only existing ones answer 200.

**Nothing about the visitor** is read beyond the ``User-Agent`` test above, and nothing is
kept: no address, cookie, account, user agent or time of day, in memory or in the table.

**Buffering.** Each process adds views up in a small dict under a lock
(:class:`PageViewCounter`) and writes them with one UPSERT per ``(day, path)``
(``INSERT … ON CONFLICT (day, path) DO UPDATE SET views = page_view.views +
excluded.views``), so concurrent writers from any number of processes and hosts add up:
PostgreSQL locks the row (keys are written in sorted order, so two flushes never deadlock)
and SQLite serialises writers (``BEGIN IMMEDIATE``). A flush happens:

* from the job runner's periodic task (:func:`flush_page_views`, every
  ``jobs.PERIODIC_SECONDS`` = 30 s in each web process running the ``thread`` runner);
* after the response that finds the buffer older than :data:`FLUSH_SECONDS` or holding
  :data:`FLUSH_KEYS` keys (needed when a separate ``worker`` runs the jobs), once the
  response has been sent, so no visitor waits for it;
* when the process exits normally (gunicorn recycling or stopping a worker);
* before the administrator's report is read (this process's counts).

**What a crash loses.** A process that is killed (``SIGKILL``, out of memory, power cut)
loses the views it had not written yet: those of at most the last ~30 s (or
:data:`FLUSH_KEYS` pages). That is acceptable for statistics of visits: the report shows
trends per day and per page, a few seconds of one worker's views are noise beside a day's,
and the alternative, a database write per page view, would cost every cached page hit a
transaction. A failed write (database unreachable) keeps the counts and tries again 30 s
later; beyond :data:`MAX_KEYS` pending keys, views of new keys are dropped rather than let
memory grow.
"""
from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import Flask, Request, Response, current_app, has_app_context, request
from sqlalchemy import Connection, Engine, Result, desc, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Request as WSGIRequest
from werkzeug.wrappers import Response as WSGIResponse

from portal.db import WRITE_OPTION
from portal.extensions import db
from portal.models import PageView
from portal.services import jobs

log = logging.getLogger("portal.access_stats")

EXTENSION_KEY = "portal.page_views"
#: Pending views older than this are written after the next counted response.
FLUSH_SECONDS = jobs.PERIODIC_SECONDS
#: …and so are they once this many different ``(day, path)`` keys wait.
FLUSH_KEYS = 500
#: Keys kept while the database cannot be written; views of further keys are dropped.
MAX_KEYS = 20_000
PATH_LENGTH = 255
#: Routes with a free-form part whose real path is kept: the pages the report is about.
REAL_PATH_ENDPOINTS = frozenset({"catalog.detail", "guides.detail", "faq.detail"})
SKIPPED_ENDPOINTS = frozenset({"static", "site.healthz"})
#: Robots that say so ("Googlebot/2.1", "bingbot/2.0", "coccocbot-web/1.0", "+http://…") and
#: command-line clients, in lower case. Not a bare "bot": "CUBOT" is a phone. (Substring
#: tests: a regular expression with these alternatives costs ~20 times more per page.)
ROBOT_WORDS = ("bot/", "bot;", "bot-", "crawl", "spider", "slurp", "+http",
               "facebookexternalhit", "headless")
ROBOT_PREFIXES = ("curl", "wget", "python", "go-http-client", "java", "okhttp", "libwww",
                  "scrapy")
Key = tuple[date, str]


class PageViewCounter:
    """This process's page views not yet written, ``{(day, path): views}``, thread-safe."""

    def __init__(self, engine: Engine, zone: ZoneInfo, *, flush_seconds: float = FLUSH_SECONDS,
                 flush_keys: int = FLUSH_KEYS) -> None:
        self.engine, self.zone = engine, zone
        self.flush_seconds, self.flush_keys = flush_seconds, flush_keys
        self._counts: dict[Key, int] = {}
        self._oldest: float | None = None  # when the first pending view was counted
        self._failed_at = float("-inf")
        self._lock = threading.Lock()

    def add(self, path: str, day: date | None = None) -> bool:
        """Count one view of ``path`` on ``day`` (today, locally); True when a flush is due."""
        key = (day or datetime.now(timezone.utc).astimezone(self.zone).date(), path[:PATH_LENGTH])
        now = time.monotonic()
        with self._lock:
            if key in self._counts or len(self._counts) < MAX_KEYS:
                self._counts[key] = self._counts.get(key, 0) + 1
            if self._oldest is None:
                self._oldest = now
            return now - self._failed_at >= self.flush_seconds and (
                len(self._counts) >= self.flush_keys or now - self._oldest >= self.flush_seconds)

    def pending(self) -> dict[Key, int]:
        """A copy of the counts not written yet."""
        with self._lock:
            return dict(self._counts)

    def flush(self) -> int:
        """Write the pending counts in one transaction; return how many views were written.

        On failure the counts are kept (added to any counted meanwhile) and the error logged.
        """
        with self._lock:
            counts, self._counts, self._oldest = self._counts, {}, None
        if not counts:
            return 0
        try:
            with self.engine.connect() as connection:
                connection.execution_options(**{WRITE_OPTION: True})
                with connection.begin():
                    write_counts(connection, counts)
        except SQLAlchemyError:
            self._keep(counts)
            log.warning("page views not written; kept to try again", exc_info=True)
            return 0
        return sum(counts.values())

    def _keep(self, counts: Mapping[Key, int]) -> None:
        with self._lock:
            for key, views in counts.items():
                if key in self._counts or len(self._counts) < MAX_KEYS:
                    self._counts[key] = self._counts.get(key, 0) + views
            self._failed_at = self._oldest = time.monotonic()


def write_counts(connection: Connection, counts: Mapping[Key, int]) -> None:
    """Add ``counts`` to ``page_view`` by UPSERT (not committed), keys in sorted order."""
    table = PageView.__table__
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.day, table.c.path],
        set_={"views": table.c.views + statement.excluded.views})
    connection.execute(statement, [{"day": day, "path": path, "views": views}
                                   for (day, path), views in sorted(counts.items())])


# --- Counting -----------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Give the app its counter and count the pages Flask renders.

    Register before the page cache and the HTTP finaliser: response hooks run in reverse
    order, so this one sees the final status (a 304 answer to a revalidation included).
    """
    with app.app_context():
        engine = db.engine
    counter = PageViewCounter(engine, ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"]))
    app.extensions[EXTENSION_KEY] = counter
    if not app.testing:
        _LIVE.add(counter)
    app.after_request(_count_response)


def counter_of(app: Flask) -> PageViewCounter | None:
    """The app's counter (None before :func:`init_app`)."""
    return app.extensions.get(EXTENSION_KEY)


def countable(method: str, status: int, mimetype: str, headers: Mapping[str, str]) -> bool:
    """True for a page view: a 200 or 304 HTML answer to a GET, not a fragment, not a
    robot."""
    if method != "GET" or status not in (200, 304) or mimetype != "text/html":
        return False
    if headers.get("HX-Request") == "true" and not (
            headers.get("HX-Boosted") == "true"
            or headers.get("HX-History-Restore-Request") == "true"):
        return False
    return not is_robot(headers.get("User-Agent", ""))


@lru_cache(maxsize=512)  # a site sees few different agents; each is tested once
def is_robot(user_agent: str) -> bool:
    """True when the ``User-Agent`` says it is a robot or a script."""
    agent = user_agent.lower()
    return agent.endswith("bot") or agent.startswith(ROBOT_PREFIXES) \
        or any(word in agent for word in ROBOT_WORDS)


def counted_path(req: Request) -> str:
    """The key of a rendered page: its path, or its route's pattern when that has free-form
    parts (except :data:`REAL_PATH_ENDPOINTS`), cut to :data:`PATH_LENGTH`."""
    rule = req.url_rule
    if rule is None or not rule.arguments or req.endpoint in REAL_PATH_ENDPOINTS:
        return req.path[:PATH_LENGTH]
    return rule.rule[:PATH_LENGTH]


def count_cache_hit(counter: PageViewCounter, req: WSGIRequest,
                    response: WSGIResponse) -> None:
    """Count a page the cache answered (cached pages keep their real paths: they are the
    public pages of :data:`portal.cache.CACHEABLE`, none with a free-form part but those of
    :data:`REAL_PATH_ENDPOINTS`)."""
    if countable(req.method, response.status_code, response.mimetype, req.headers) \
            and counter.add(req.path):
        response.call_on_close(counter.flush)


def _count_response(response: Response) -> Response:
    if request.endpoint in SKIPPED_ENDPOINTS or not countable(
            request.method, response.status_code, response.mimetype, request.headers):
        return response
    counter: PageViewCounter = current_app.extensions[EXTENSION_KEY]
    if counter.add(counted_path(request)):
        response.call_on_close(counter.flush)  # after the page is sent
    return response


@jobs.periodic
def flush_page_views(session: Session) -> int:
    """Write this process's pending page views (with their own connection, not ``session``,
    which the runner hands over with nothing pending); return how many."""
    counter = counter_of(current_app) if has_app_context() else None
    return counter.flush() if counter else 0


_LIVE: weakref.WeakSet[PageViewCounter] = weakref.WeakSet()


@atexit.register
def _flush_at_exit() -> None:
    """A worker that stops normally writes what it counted."""
    for counter in list(_LIVE):
        try:
            counter.flush()
        except Exception:  # at exit: never raise, never hang the shutdown on it
            pass


# --- The report ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """Views in the local days ``start``–``end``: in all, per day (every day, zeros too)
    and for the most viewed pages."""

    start: date
    end: date
    total: int
    days: list[tuple[date, int]]
    pages: list[tuple[str, int]]


def report(session: Session, start: date, end: date, top: int = 20) -> Report:
    """The access report of a period (both days included)."""
    in_period = PageView.day.between(start, end)
    per_day: dict[date, int] = dict(session.execute(
        select(PageView.day, func.sum(PageView.views)).where(in_period)
        .group_by(PageView.day)).all())
    every_day = (start + timedelta(days=n) for n in range((end - start).days + 1))
    days = [(day, int(per_day.get(day) or 0)) for day in every_day]
    total = func.sum(PageView.views).label("total")
    pages = [(path, int(views)) for path, views in session.execute(
        select(PageView.path, total).where(in_period).group_by(PageView.path)
        .order_by(desc(total), PageView.path).limit(top))]
    return Report(start, end, sum(views for _day, views in days), days, pages)


def rows(session: Session, start: date, end: date,
         limit: int = 100_000) -> Result[tuple[date, str, int]]:
    """``(day, path, views)`` of a period, by day then most viewed (for the CSV file)."""
    return session.execute(
        select(PageView.day, PageView.path, PageView.views)
        .where(PageView.day.between(start, end))
        .order_by(PageView.day, desc(PageView.views), PageView.path).limit(limit))


def flush_for_report(app: Flask, session: Session) -> None:
    """Write this process's pending views and end ``session``'s read, so that a report
    read next includes them (other processes' views follow within ~30 s)."""
    counter = counter_of(app)
    if counter is not None and counter.flush():
        session.commit()
