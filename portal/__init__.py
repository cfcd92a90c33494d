"""Cổng Dịch vụ công: the application factory.

``create_app`` reads like a table of contents: each ``_step`` below does one thing and nothing
does I/O at import time.
"""
from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure the portal application.

    :param test_config: settings applied last, over every other layer (used by the tests).
        ``INSTANCE_PATH`` in it (or ``PORTAL_INSTANCE_PATH`` in the environment) moves the
        instance folder.
    """
    instance_path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get(
        "PORTAL_INSTANCE_PATH"
    )
    app = Flask(
        __name__,
        instance_path=str(instance_path) if instance_path else None,
        instance_relative_config=True,
    )
    _load_config(app, test_config)
    _configure_logging(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_errorhandlers(app)
    _register_access_stats(app)
    _register_security(app)
    _register_template_helpers(app)
    _register_commands(app)
    return app


def refuse_unsafe_production(app: Flask) -> None:
    """Refuse to serve a production portal that still has the demo accounts, or that does
    not know its public address (links in mail would follow the request's Host header).

    Called by ``wsgi.py`` (what gunicorn serves), not by the ``flask`` command line, so that
    an administrator can still run ``flask users remove-demo`` to fix it.
    """
    from portal.links import base_url

    base_url(app)  # raises when unset in production, or malformed anywhere
    if app.config["DEMO_MODE"] or app.testing or app.debug:
        return
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from portal.extensions import db
    from portal.models import User
    from portal.services.demo import DEMO_EMAILS

    with app.app_context():
        try:
            found = db.session.scalar(select(User.email).where(User.email.in_(DEMO_EMAILS)))
        except SQLAlchemyError:
            return  # not migrated yet: nothing to check
    if found:
        raise RuntimeError(
            f"demo account {found} exists but PORTAL_DEMO_MODE is off: run "
            "`flask users remove-demo` before serving this portal")


def _load_config(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    """Layer the settings: defaults, instance file, ``PORTAL_*`` environment, test config."""
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_object("portal.config")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("PORTAL")
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app.instance_path)
    elif len(app.config["SECRET_KEY"]) < 16 and not (app.debug or app.testing):
        raise RuntimeError("PORTAL_SECRET_KEY is too short; use at least 32 random characters.")
    from portal.outages import engine_options

    app.config["SQLALCHEMY_ENGINES"] = {"default": engine_options(app.config)}
    app.config.setdefault("ALEMBIC", {})
    app.config["ALEMBIC"].setdefault("script_location", str(PROJECT_ROOT / "migrations"))
    # Batch mode lets the same revisions ALTER tables on SQLite, which cannot ALTER in place.
    from portal.db import include_object

    app.config.setdefault("ALEMBIC_CONTEXT", {
        "render_as_batch": True, "compare_type": True, "include_object": include_object,
    })


def _instance_secret_key(instance_path: str) -> str:
    """Read the secret key kept in the instance folder, creating it (mode 0600) if missing.

    The key is written to a private temporary file and then linked into place, which fails if
    another worker got there first: no worker ever reads a half-written file, and all agree.
    """
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        fd, temporary = tempfile.mkstemp(dir=instance_path, prefix=".secret_key.")
        try:
            with os.fdopen(fd, "w", encoding="ascii") as new:
                new.write(secrets.token_urlsafe(48) + "\n")
            os.link(temporary, path)
        except FileExistsError:
            pass  # another worker created it: use theirs
        finally:
            os.unlink(temporary)
    with open(path, encoding="ascii") as existing:
        key = existing.read().strip()
    if not key:
        raise RuntimeError(f"{path} is empty; delete it to have a new key generated.")
    return key


def _configure_logging(app: Flask) -> None:
    """Structured JSON logs for the app and for every request."""
    from portal import logs

    logs.init_app(app)


def _init_extensions(app: Flask) -> None:
    """Bind the extension singletons to this app."""
    from portal import db as database
    from portal import i18n, outages
    from portal.extensions import alembic, csrf, htmx
    from portal.services import files, runners

    database.init_app(app)
    alembic.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    outages.init_app(app)  # sessions closed safely; rate limits in Redis or memory
    i18n.init_app(app)
    files.init_app(app)
    runners.init_app(app)  # the background thread starts with a request, never here
    from portal import auth

    auth.init_app(app)


def _register_blueprints(app: Flask) -> None:
    """Mount every user-facing area (the single list lives in ``portal.blueprints``)."""
    from portal import edge
    from portal.blueprints import register_blueprints

    edge.init_app(app)  # first: the bounded <int:…> converter must exist before any rule
    register_blueprints(app)


def _register_errorhandlers(app: Flask) -> None:
    """Error pages in the layout, and htmx-aware error fragments."""
    from portal import errors

    errors.init_app(app)


def _register_access_stats(app: Flask) -> None:
    """Count page views per page and day, nothing about the visitor (TT22-PL3-14).

    Before the security step: its response hook then runs after theirs (it sees the final
    status), and the page cache finds the counter for the pages it answers.
    """
    from portal.services import access_stats

    access_stats.init_app(app)


def _register_security(app: Flask) -> None:
    """Security headers, cookie flags, proxy handling; conditional GET and compression."""
    from portal import cache, http, security

    # Order matters: response hooks run in reverse, so the page cache stores the response
    # after the security headers, compression and ETag are in place.
    cache.init_app(app)
    security.init_app(app)
    http.init_app(app)


def _register_template_helpers(app: Flask) -> None:
    """Filters and globals shared by all templates."""
    from portal import templating

    templating.init_app(app)


def _register_commands(app: Flask) -> None:
    """``flask catalog …``, ``flask reference …``, ``flask seed-demo``."""
    from portal import cli

    cli.init_app(app)
