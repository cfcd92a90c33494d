"""``/healthz``: does each dependency of this deployment answer, and how fast.

============  ==================================================  ==========================
check         how                                                 when it fails
============  ==================================================  ==========================
database      ``SELECT 1`` (PostgreSQL: under a statement         503: nothing works
              timeout of ``HEALTHZ_TIMEOUT``)
file_store    a small file written and deleted where uploads go   503: no upload is accepted
clamav        PING, only when ``CLAMAV_SOCKET`` or                503: uploads are refused,
              ``CLAMAV_ADDRESS`` is set                           never accepted unscanned
redis         PING, only when ``REDIS_URL`` is set                200, ``"degraded"``
============  ==================================================  ==========================

Redis down is "degraded", not down: rate limits then count in each process's memory
(:mod:`portal.outages`), weaker but safe, and every page still works; a load balancer should
keep sending traffic to the host. Each check reports ``{"status": "ok" | "error", "ms": …}``;
the reason of a failure is logged, never shown (the answer is public). Nothing here is cached
(``Cache-Control: no-store``; the page cache and ETags only handle HTML pages).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from flask import current_app

from portal.extensions import db
from portal.outages import describe, redis_options

#: Checks whose failure makes the deployment unable to serve citizens: 503.
REQUIRED = frozenset({"database", "file_store", "clamav"})
REDIS_CLIENT = "portal.health.redis"
log = logging.getLogger("portal.health")


def report() -> tuple[int, dict[str, Any]]:
    """Run every check that applies; the HTTP status and the JSON answer."""
    checks = {name: _timed(name, probe) for name, probe in _probes().items()}
    failed = {name for name, check in checks.items() if check["status"] != "ok"}
    if failed & REQUIRED:
        return 503, {"status": "error", "checks": checks}
    return 200, {"status": "degraded" if failed else "ok", "checks": checks}


def _probes() -> dict[str, Callable[[], object]]:
    from portal.services import files

    config = current_app.config
    probes: dict[str, Callable[[], object]] = {
        "database": _database, "file_store": lambda: files.store().probe()}
    if config["REDIS_URL"]:
        probes["redis"] = _redis
    if config["CLAMAV_SOCKET"] or config["CLAMAV_ADDRESS"]:
        probes["clamav"] = _clamav
    return probes


def _timed(name: str, probe: Callable[[], object]) -> dict[str, Any]:
    """Run one check: ``ok`` unless it raises or answers False."""
    started = time.perf_counter()
    try:
        reason = "unexpected answer" if probe() is False else None
    except Exception as error:  # any failure means "not healthy"
        reason = describe(error)
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    if reason:
        log.warning("health check %s failed after %s ms: %s", name, elapsed, reason)
    return {"status": "error" if reason else "ok", "ms": elapsed}


def _database() -> None:
    """``SELECT 1`` on a pooled connection (pre-pinged on PostgreSQL)."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            milliseconds = int(float(current_app.config["HEALTHZ_TIMEOUT"]) * 1000)
            connection.exec_driver_sql(f"SET LOCAL statement_timeout = {milliseconds}")
        connection.exec_driver_sql("SELECT 1").scalar_one()


def _redis() -> bool:
    """PING, with the same short timeouts as the rate limiter's connection."""
    client = current_app.extensions.get(REDIS_CLIENT)
    if client is None:
        import redis

        config = current_app.config
        client = redis.Redis.from_url(config["REDIS_URL"], **redis_options(config))
        current_app.extensions[REDIS_CLIENT] = client
    return bool(client.ping())


def _clamav() -> bool:
    """clamd answers PING with PONG."""
    from portal.services import clamav

    config = current_app.config
    return clamav.ping(float(config["HEALTHZ_TIMEOUT"]), socket_path=config["CLAMAV_SOCKET"],
                       address=config["CLAMAV_ADDRESS"])
