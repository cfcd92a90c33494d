"""A page cache for anonymous visitors of the public catalogue.

Public pages (home, catalogue, procedures, guides, FAQ, about) are the same for every visitor
who is not logged in, so each worker keeps the finished responses (compressed, with their
ETag and security headers) in a bounded LRU and answers repeat requests from a small WSGI
middleware, before Flask does any work. An entry belongs to one *content version*: a counter
in the database that any commit changing public content increments
(:func:`bump_on_content_change`). A worker reads the counter at most once every
``PAGE_CACHE_CHECK_SECONDS``, so every worker and host sees a change within that time.

Only responses of :data:`CACHEABLE` endpoints, to requests without a session cookie, with
status 200 and no ``Set-Cookie`` in their final headers are stored (the middleware sees the
headers after Flask has added the session cookie, so a response that started a session,
e.g. through "remember me", is never kept). Searches (``q``, ``tu-khoa``) are not: their
variety is unbounded, and the index answers them quickly anyway.
"""
from __future__ import annotations

import logging
import time
import uuid
from collections import OrderedDict
from itertools import chain
from threading import Lock

from flask import Flask, Response, request
from sqlalchemy import Engine, event, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Request

from portal.extensions import db
from portal.i18n import locale_for
from portal.models import (
    Agency,
    DossierComponent,
    Faq,
    FeeItem,
    Field,
    FormFile,
    FormSpec,
    Guide,
    LegalBasis,
    Notice,
    Official,
    Procedure,
    ProcedureApplicant,
    ProcedureChannel,
    ProcedureStep,
    SiteSetting,
    SiteState,
)
from portal.services import access_stats

CACHEABLE = {
    "home.index", "catalog.index", "catalog.detail", "guides.index", "guides.detail",
    "faq.index", "faq.detail", "about.organisation", "about.contact", "site.sitemap_xml",
    "site.robots_txt",
}
SEARCH_ARGS = ("q", "tu-khoa")
HX_HEADERS = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request")
PUBLIC_CONTENT = (Procedure, ProcedureStep, DossierComponent, FeeItem, LegalBasis,
                  ProcedureChannel, FormFile, FormSpec, ProcedureApplicant, Field, Agency, Guide,
                  Faq, Notice, Official, SiteSetting)
CONTENT_KEY = "content"
STORABLE = "portal.page_cache.storable"


class PageCache:
    """A thread-safe LRU of finished responses for one content version."""

    def __init__(self, engine: Engine, config) -> None:
        self.engine = engine
        self.max_entries, self.max_bytes = config["PAGE_CACHE_ENTRIES"], config["PAGE_CACHE_BYTES"]
        self.check_seconds = config["PAGE_CACHE_CHECK_SECONDS"]
        self.session_cookie = config["SESSION_COOKIE_NAME"]
        self.languages = config["LANGUAGES"]
        self._entries: OrderedDict[tuple, tuple[int, list, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = Lock()
        self._version: int | None = None
        self._checked_at = float("-inf")

    def key(self, req: Request) -> tuple | None:
        """The cache key of a request, or None when it must not be answered from the cache."""
        if req.method != "GET" or self.session_cookie in req.cookies:
            return None
        if any(req.args.get(name) for name in SEARCH_ARGS):
            return None
        version = self.version()
        if version is None:
            return None
        hx = tuple(req.headers.get(name, "") for name in HX_HEADERS)
        # The host is part of the key: absolute URLs in a page (canonical, sitemap) follow it,
        # so a request with a forged Host header must never fill the entry others get.
        return (req.scheme, req.host, req.full_path, locale_for(req, self.languages),
                bool(req.accept_encodings["gzip"]), hx, version)

    def version(self) -> int | None:
        """The shared content version (read from the database at most once per interval);
        None when the database never told (then nothing is cached or served from cache).

        While the database cannot be reached, the version last read stays: public content
        only changes through the database, so the pages kept are still right, and anonymous
        visitors go on reading them instead of getting 503s. It is asked again after the
        interval, not on every request (an attempt may wait DATABASE_CONNECT_TIMEOUT).
        """
        now = time.monotonic()
        if now - self._checked_at >= self.check_seconds:
            try:
                with self.engine.connect() as conn:
                    version = conn.scalar(
                        select(SiteState.value).where(SiteState.key == CONTENT_KEY)) or 0
            except SQLAlchemyError:
                self._checked_at = now
                return self._version
            with self._lock:
                if version != self._version:
                    self._entries.clear()
                    self._bytes = 0
                self._version, self._checked_at = version, now
        return self._version

    def get(self, key: tuple) -> tuple[int, list, bytes] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: tuple[int, list, bytes]) -> None:
        with self._lock:
            if key[-1] != self._version or key in self._entries:
                return  # rendered for a version that has since changed
            self._entries[key] = entry
            self._bytes += len(entry[2])
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _key, (_status, _headers, body) = self._entries.popitem(last=False)
                self._bytes -= len(body)


class PageCacheMiddleware:
    """Answer cached pages before Flask runs; everything else goes to the app."""

    def __init__(self, wsgi_app, cache: PageCache, log_requests: bool,
                 page_views: access_stats.PageViewCounter | None = None) -> None:
        self.wsgi_app, self.cache, self.log_requests = wsgi_app, cache, log_requests
        self.page_views = page_views

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        req = Request(environ)
        key = self.cache.key(req)
        entry = self.cache.get(key) if key else None
        if entry is not None:
            response = self._answer(req, entry)
            if self.page_views is not None:
                access_stats.count_cache_hit(self.page_views, req, response)
            if self.log_requests:
                _log_hit(req, response.status_code, started)
            return response(environ, start_response)
        if key is None:
            return self.wsgi_app(environ, start_response)
        # Pass the request on, and keep the response if the app marked it storable and its
        # final headers (Flask adds the session cookie last) set no cookie.
        captured: dict = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, capture)
        headers = captured.get("headers", [])
        if not environ.get(STORABLE) or any(name.lower() == "set-cookie" for name, _v in headers):
            return body
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        kept = [(name, value) for name, value in headers
                if name not in ("X-Request-ID", "Content-Length")]
        self.cache.put(key, (int(captured["status"].split()[0]), kept, data))
        return [data]

    @staticmethod
    def _answer(req: Request, entry: tuple[int, list, bytes]) -> Response:
        status, headers, body = entry
        etag = dict(headers).get("ETag")
        if etag and etag in req.headers.get("If-None-Match", ""):
            dropped = ("Content-Length", "Content-Encoding")
            return Response(b"", status=304,
                            headers=[(k, v) for k, v in headers if k not in dropped])
        return Response(body, status=status, headers=headers)


def _log_hit(req: Request, status: int, started: float) -> None:
    logging.getLogger("portal.request").info("request", extra={
        "request_id": uuid.uuid4().hex, "method": req.method, "path": req.path,
        "endpoint": "page_cache", "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1), "htmx": False,
    })


def init_app(app: Flask) -> None:
    """Install the cache. Register before the other response hooks: it must run last."""
    if not app.config["PAGE_CACHE_ENTRIES"]:
        return
    with app.app_context():
        cache = PageCache(db.engine, app.config)
    app.extensions["portal.page_cache"] = cache
    app.wsgi_app = PageCacheMiddleware(app.wsgi_app, cache, app.config["LOG_REQUESTS"],
                                       access_stats.counter_of(app))
    app.after_request(_mark_storable)


def _mark_storable(response: Response) -> Response:
    """Tell the middleware this response may be kept (it still checks the final headers)."""
    if request.endpoint in CACHEABLE and response.status_code == 200 \
            and not response.direct_passthrough:
        request.environ[STORABLE] = True
    return response


# --- Invalidation -------------------------------------------------------------------------------


@event.listens_for(Session, "before_flush")
def _mark_content_change(session: Session, _context, _instances) -> None:
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, PUBLIC_CONTENT):
            session.info["public_content_changed"] = True
            return


@event.listens_for(Session, "before_commit")
def bump_on_content_change(session: Session) -> None:
    """Increment the content version in the same transaction as a change to public content."""
    session.flush()  # so that pending changes are seen by _mark_content_change
    if not session.info.pop("public_content_changed", False):
        return
    bumped = session.execute(
        update(SiteState).where(SiteState.key == CONTENT_KEY).values(value=SiteState.value + 1)
    ).rowcount
    if not bumped:
        session.add(SiteState(key=CONTENT_KEY, value=1))
        session.flush()
