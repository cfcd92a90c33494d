"""Unbound extension singletons, initialised by :func:`portal.create_app`.

Blueprints and services import from here, never from ``portal/__init__.py``, so there are no
circular imports.
"""
from __future__ import annotations

from flask_alembic import Alembic
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy_lite import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from portal.models import Base  # imports every model, so Alembic sees all tables

db = SQLAlchemy()


class PortalAlembic(Alembic):
    """Flask-Alembic, with SQLite foreign keys off while migrating and checked afterwards."""

    def run_migrations(self, fn, **kwargs) -> None:
        from portal.db import check_foreign_keys, migrating

        with migrating():
            super().run_migrations(fn, **kwargs)
            for context in self.migration_contexts.values():
                check_foreign_keys(context.connection)


# Flask-Alembic runs the migrations in ``migrations/`` against the default engine.
alembic = PortalAlembic(metadatas=Base.metadata)
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
htmx = Htmx()
# No default limits: each sensitive view (login, lookups) declares its own.
limiter = Limiter(key_func=get_remote_address)


def config_limit(key: str, methods: tuple[str, ...] = ("POST",)):
    """A rate limit read from the setting ``key`` when the request comes (POSTs only)."""
    from flask import current_app

    return limiter.limit(lambda: current_app.config[key], methods=list(methods))
