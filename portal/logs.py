"""Structured logging: one JSON object per line, and one line per request.

Request lines carry method, path (without the query string, which may hold personal data),
status, duration and a request id. IP addresses, headers and cookies are never written, and
a route's secret link parts (``<token>``: draft links, password reset, e-mail check) are
logged as the route's pattern. Every other record (errors and their tracebacks, the
development server's request lines) passes :class:`SecretFilter`, which writes ``<token>``
in place of the request's token and of the secret part of any such path. An incoming
``X-Request-ID`` is kept only if it cannot be an IPv4 address. The lines go to standard
error and, when ``LOG_FILE`` is set, to a file rotated by size that the processes of one
host share (:class:`SharedRotatingFileHandler`).
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import sys
import time
import uuid
from datetime import datetime, timezone
from logging.handlers import RotatingFileHandler

from flask import Flask, Response, current_app, g, has_request_context, request

_REQUEST_ID = re.compile(r"^(?![0-9.]+$)[A-Za-z0-9._-]{8,64}$")  # not "203.0.113.9"
_STANDARD_ATTRS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JSONFormatter(logging.Formatter):
    """Format a record as a JSON object, keeping any ``extra={...}`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(
            (key, value) for key, value in record.__dict__.items() if key not in _STANDARD_ATTRS
        )
        if record.exc_info or record.exc_text:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class SecretFilter(logging.Filter):
    """Write ``<token>`` over secret link parts in a record's message, traceback and extra
    fields: the current request's ``<token>`` wherever it appears (an error message, SQL
    parameters), and the part after a secret route's prefix in any path (:func:`scrub`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
            if scrub(message) != message:
                record.msg, record.args = scrub(message), ()
            if record.exc_info and not record.exc_text:
                record.exc_text = _TRACEBACK.formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = scrub(record.exc_text)
            for name, value in list(record.__dict__.items()):
                if name not in _STANDARD_ATTRS and isinstance(value, str):
                    setattr(record, name, scrub(value))
        except Exception:  # logging must never break the request
            pass
        return True


_TRACEBACK = logging.Formatter()
SECRETS = SecretFilter()
#: Paths of the routes with a ``<token>`` part, up to it (learnt from each app's routes).
_secret_prefixes: set[str] = set()
_secret_path: re.Pattern | None = None


def scrub(text: str) -> str:
    """``text`` with the request's token and the secret parts of secret paths replaced."""
    if has_request_context():
        token = (request.view_args or {}).get("token")
        if isinstance(token, str) and len(token) >= 8:
            text = text.replace(token, "<token>")
    return _secret_path.sub(r"\1<token>", text) if _secret_path else text


def _learn_secret_paths() -> None:
    """Know the app's secret routes (once per app, before anything of its requests is
    logged, the development server's request line included)."""
    global _secret_path
    app = current_app._get_current_object()
    if app.extensions.get("portal.secret_paths"):
        return
    for rule in app.url_map.iter_rules():
        if "token" in rule.arguments:
            before = re.split(r"(<[^>]+>)", rule.rule.split("<token>")[0])
            _secret_prefixes.add("".join("[^/]+" if part.startswith("<") else re.escape(part)
                                         for part in before))
    if _secret_prefixes:
        _secret_path = re.compile("(" + "|".join(sorted(_secret_prefixes)) + r")[^/?#\s\"'<>]+")
    app.extensions["portal.secret_paths"] = True


class SharedRotatingFileHandler(RotatingFileHandler):
    """A size-rotated log file that the processes of one host may share.

    A plain :class:`RotatingFileHandler` must not be shared: each process rotates on its own
    and goes on writing to the file another one has renamed. Here every write holds an
    exclusive lock on ``<file>.lock``, first reopens the file if another process rotated it,
    then rotates only if the file really is full. Lines are appended whole.
    """

    def __init__(self, filename: str, max_bytes: int, backups: int) -> None:
        super().__init__(filename, maxBytes=max_bytes, backupCount=backups, encoding="utf-8",
                         delay=True)
        self.lock_path = self.baseFilename + ".lock"

    def emit(self, record: logging.LogRecord) -> None:
        try:
            with open(self.lock_path, "a") as lock:  # closing it releases the lock
                fcntl.flock(lock, fcntl.LOCK_EX)
                self._follow_rotation()
                super().emit(record)
        except Exception:  # logging must never break the request
            self.handleError(record)

    def _follow_rotation(self) -> None:
        if self.stream is None:
            return
        try:
            moved = os.stat(self.baseFilename).st_ino != os.fstat(self.stream.fileno()).st_ino
        except FileNotFoundError:
            moved = True
        if moved:
            self.stream.close()
            self.stream = None  # reopened by the write


def init_app(app: Flask) -> None:
    """Send the app's logs to stderr (and ``LOG_FILE``) as JSON; log each request when
    configured."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if app.config["LOG_FILE"]:
        handlers.append(_file_handler(app))
    for handler in handlers:
        handler.setFormatter(JSONFormatter())
        handler.addFilter(SECRETS)
    for logger in {logging.getLogger("portal"), app.logger}:
        for old in logger.handlers:
            if isinstance(old, SharedRotatingFileHandler) and old not in handlers:
                old.close()
        logger.handlers[:] = handlers
        logger.setLevel(app.config["LOG_LEVEL"])
        logger.propagate = False
    # Records logged to these loggers are cleaned before any handler sees them (another
    # handler someone adds too); the development server logs each request line to werkzeug.
    for name in ("portal", "werkzeug"):
        if SECRETS not in logging.getLogger(name).filters:
            logging.getLogger(name).addFilter(SECRETS)
    app.before_request(_learn_secret_paths)
    if app.config["LOG_REQUESTS"]:
        app.before_request(_start_timer)
        app.after_request(_log_request)


def _file_handler(app: Flask) -> SharedRotatingFileHandler:
    path = os.path.join(app.instance_path, app.config["LOG_FILE"])  # absolute paths win
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return SharedRotatingFileHandler(path, int(app.config["LOG_FILE_MAX_BYTES"]),
                                     int(app.config["LOG_FILE_BACKUPS"]))


def _start_timer() -> None:
    g.request_started = time.perf_counter()
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex


def _log_request(response: Response) -> Response:
    started = g.pop("request_started", None)
    if started is None:
        return response
    response.headers["X-Request-ID"] = g.request_id
    logging.getLogger("portal.request").info(
        "request",
        extra={
            "request_id": g.request_id,
            "method": request.method,
            "path": _logged_path(),
            "endpoint": request.endpoint,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "htmx": bool(getattr(request, "htmx", False)),
        },
    )
    return response


def _logged_path() -> str:
    """The request's path; its route's pattern when the path holds a secret link part."""
    rule = request.url_rule
    if rule is not None and "token" in rule.arguments:
        return rule.rule
    return scrub(request.path)  # e.g. a 404 below a secret link
