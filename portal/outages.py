"""When a dependency fails, the portal says "try again shortly" instead of failing itself.

* **Database.** :func:`database_unavailable` tells the errors that mean "the database cannot
  answer right now" (connection refused or lost, the server shutting down or starting up,
  too many connections, a SQLite write lock not granted within ``busy_timeout``) from bugs;
  :mod:`portal.errors` answers them 503 with ``Retry-After``. :func:`engine_options` has
  PostgreSQL connections checked when taken from the pool (``pool_pre_ping``), so that after
  a database restart the pool's dead connections are replaced instead of failing requests,
  and bounds how long a connection attempt may wait (``DATABASE_CONNECT_TIMEOUT``). A
  connection that dies after the response was made (the server shut down in between) no
  longer turns that response into a 500 when the request's session is closed.
* **Redis** holds the rate-limit counters when ``REDIS_URL`` is set. :func:`init_rate_limits`
  gives it short timeouts and no retries, and lets Flask-Limiter count in each process's
  memory while Redis does not answer (it logs a warning, checks Redis again with growing
  intervals, and logs when it is back). Redis has no other use in the portal; the database
  throttles of logins and lookups (``services.throttle``) never depended on it.
"""
from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlalchemy import exc, make_url

log = logging.getLogger("portal.outages")

#: SQLite errors (``sqlite3.OperationalError``, lower case) that mean "not now", not "wrong".
#: Others of that class ("no such table", syntax errors) are bugs and stay 500s.
SQLITE_TRANSIENT = ("database is locked", "database table is locked",
                    "unable to open database file", "disk i/o error", "database or disk is full")
LIMITER_LOGGER = "flask-limiter"


def database_unavailable(error: BaseException | None) -> bool:
    """True when ``error`` means the database cannot serve the request now (503, not 500)."""
    if isinstance(error, (exc.TimeoutError, exc.DisconnectionError)):
        return True  # no pooled connection free in time; a connection found dead
    if not isinstance(error, exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if isinstance(error.orig, sqlite3.OperationalError):
        message = str(error.orig).lower()
        return any(transient in message for transient in SQLITE_TRANSIENT)
    # PostgreSQL (psycopg): connection failures and SQLSTATE classes 08, 53, 57, 58 (server
    # shutting down or starting, out of connections or disk, query cancelled) and 40
    # (serialization failure, deadlock) are OperationalError; syntax and constraint errors
    # are not.
    return isinstance(error, exc.OperationalError)


def describe(error: BaseException) -> str:
    """The driver's first line about ``error``: never the SQL or its parameters (which may
    hold personal data), which SQLAlchemy's own message includes."""
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines() or [""]
    return f"{type(original).__name__}: {lines[0][:200]}"


def engine_options(config: Mapping[str, Any]) -> dict:
    """``SQLALCHEMY_ENGINES["default"]``: ``DATABASE_URL`` and ``DATABASE_ENGINE_OPTIONS``
    over the portal's defaults for a database server (pre-ping, bounded connect time)."""
    url = make_url(config["DATABASE_URL"])
    options = dict(config["DATABASE_ENGINE_OPTIONS"])
    if url.get_backend_name() != "sqlite":
        # One round trip per checkout, so that no request is given a connection that the
        # server closed (restart, failover, idle timeout in a proxy).
        options.setdefault("pool_pre_ping", True)
    if url.get_backend_name() == "postgresql":
        options["connect_args"] = {"connect_timeout": int(config["DATABASE_CONNECT_TIMEOUT"]),
                                   **options.get("connect_args", {})}
    return {"url": config["DATABASE_URL"], **options}


def redis_options(config: Mapping[str, Any]) -> dict:
    """Keyword arguments for a Redis client that gives up quickly: a Redis that hangs costs
    a request ``REDIS_TIMEOUT`` once (redis-py's default waits 5 s, and up to ten times with
    retries), then the limiter counts in memory."""
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.retry import Retry

    return {"socket_connect_timeout": float(config["REDIS_CONNECT_TIMEOUT"]),
            "socket_timeout": float(config["REDIS_TIMEOUT"]),
            # One immediate retry, on a broken connection only (one that Redis closed when it
            # restarted), never after a timeout.
            "retry": Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,))}


def init_app(app: Flask) -> None:
    """Close sessions safely and bind the rate limiter (after ``portal.db.init_app``)."""
    # Teardowns run in reverse order: this one before Flask-SQLAlchemy-Lite's, which then
    # finds the session closed.
    app.teardown_appcontext(_close_session)
    init_rate_limits(app)


def _close_session(_error: BaseException | None) -> None:
    """End the request's session; if its connection died since the response was made, drop
    the connection (the pool replaces it) instead of failing the finished request."""
    from portal.extensions import db

    try:
        db.session.close()  # rolls back: fails when the server has just gone away
    except exc.SQLAlchemyError as error:
        if not database_unavailable(error):
            raise
        log.warning("database connection lost as the request ended: %s", describe(error))
        db.session.invalidate()


def init_rate_limits(app: Flask) -> None:
    """Bind Flask-Limiter to this app: counters in Redis when ``REDIS_URL`` is set (falling
    back to memory while it does not answer), else in this process's memory."""
    from portal.extensions import limiter

    config = app.config
    config.setdefault("RATELIMIT_STORAGE_URI", config["REDIS_URL"] or "memory://")
    # A single Redis server (TCP, TLS or Unix socket); Sentinel and Cluster take their own
    # options through RATELIMIT_STORAGE_OPTIONS.
    if config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://", "redis+unix://")):
        config.setdefault("RATELIMIT_STORAGE_OPTIONS", redis_options(config))
    _route_limiter_log()
    limiter.init_app(app)


def _route_limiter_log() -> None:
    """Flask-Limiter's warnings (storage unreachable, recovered) go where the portal's logs
    go, without its line about each refused client, which holds the client's address."""
    portal_log, limiter_log = logging.getLogger("portal"), logging.getLogger(LIMITER_LOGGER)
    limiter_log.handlers[:] = portal_log.handlers
    limiter_log.setLevel(logging.INFO)
    limiter_log.propagate = False
    if not any(isinstance(f, _NoClientAddresses) for f in limiter_log.filters):
        limiter_log.addFilter(_NoClientAddresses())


class _NoClientAddresses(logging.Filter):
    """Drop Flask-Limiter's "ratelimit … exceeded" lines (their key is the client address)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "exceeded at endpoint" not in str(record.msg)
