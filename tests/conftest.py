"""Shared fixtures: apps on SQLite (always) and PostgreSQL (when configured), CLI runner, browser.

Database strategy, chosen so that tests see real commits (the live-server browser tests and
the concurrency tests need them):

* SQLite: the schema is migrated and the shared catalogues loaded once per session into a
  template file, which every test copies.
* PostgreSQL (``PORTAL_TEST_DATABASE_URL``, e.g. ``postgresql+psycopg://postgres@127.0.0.1/
  postgres``): a database ``portal_test_<random>`` is created for the session, migrated and
  loaded once; after each test every table except the shared catalogues is truncated.

The ``app`` fixture runs each test once per available backend.
"""
from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import create_engine, func, make_url, select, text

from portal import create_app
from portal.extensions import alembic, db
from portal.models import Base
from portal.services import calendar_editor, reference

pytest_plugins = ["tests.browser_harness", "tests.clock_harness"]

PG_URL = os.environ.get("PORTAL_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
# Tables kept between PostgreSQL tests: filled once per session, read-only for most tests.
KEEP_TABLES = {"alembic_version", "admin_unit", "code_entry"}


def base_config(instance: Path, database_url: str, **overrides) -> dict:
    """Settings every test app shares."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "LOG_REQUESTS": False,
        "RATELIMIT_ENABLED": False,
        "DEMO_MODE": True,
        # Links in mail point here (the test client's own address), never at a Host header.
        "BASE_URL": "http://localhost",
        # Queued mail and jobs run right after each request, so tests see their effects.
        "JOBS_RUNNER": "inline",
        # Changes show at once (production checks at most once a second).
        "PAGE_CACHE_CHECK_SECONDS": 0,
        **overrides,
    }


def prepare_database(url: str, instance: Path) -> None:
    """Migrate a database to head and load the shared catalogues into it."""
    app = create_app(base_config(instance, url))
    with app.app_context():
        alembic.upgrade()
        reference.load_all(db.session)
        db.session.commit()
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    _dispose(app)


def _dispose(app) -> None:
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file with the shared catalogues loaded, to copy per test."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.sqlite3"
    prepare_database(f"sqlite:///{path}", folder)
    return path


@pytest.fixture(scope="session")
def pg_database(tmp_path_factory) -> Iterator[str]:
    """A throw-away PostgreSQL database for the session; dropped at the end."""
    if not PG_URL:
        pytest.skip("PORTAL_TEST_DATABASE_URL is not set")
    server = make_url(PG_URL)
    name = f"portal_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        prepare_database(url, tmp_path_factory.mktemp("pg-instance"))
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_demo_template(sqlite_template, tmp_path_factory) -> Path:
    """The SQLite template with the demo authority seeded (and its uploaded files)."""
    folder = tmp_path_factory.mktemp("sqlite-demo-template")
    path = folder / "template.sqlite3"
    shutil.copyfile(sqlite_template, path)
    _seed_demo(f"sqlite:///{path}", folder)
    return path


@pytest.fixture(scope="session")
def pg_demo_database(pg_database, tmp_path_factory) -> Iterator[str]:
    """A PostgreSQL template database with the demo seeded; tests get copies of it."""
    server = make_url(pg_database)
    name = f"{server.database}_demo"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{server.database}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    folder = tmp_path_factory.mktemp("pg-demo-instance")
    try:
        _seed_demo(url, folder)
        yield url, folder
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _seed_demo(url: str, instance: Path) -> None:
    from portal.services import demo as demo_service

    app = create_app(base_config(instance, url))
    with app.app_context():
        report = demo_service.seed(db.session)
        db.session.commit()
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    assert report.procedures.ok, report.procedures.failed
    _dispose(app)


class IsolatedClient(FlaskClient):
    """A test client whose requests never reuse the test's own app context.

    Flask reuses an app context that is already pushed (the ``session`` fixture pushes one),
    which would share ``g`` and the database session between the test and every request,
    unlike production. Each request here gets a fresh app context, as a real one would.
    """

    def open(self, *args, **kwargs):
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


def make_app(backend: str, request: pytest.FixtureRequest, tmp_path: Path, *,
             seeded: bool = False, **overrides):
    """Create an app on a fresh database copy (the demo-seeded one when ``seeded``).

    SQLite copies a template file; PostgreSQL either uses the session database (cleaned by
    :func:`truncate_tables` afterwards) or, for seeded apps, a copy of the demo template.
    """
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_demo_template" if seeded else "sqlite_template")
        shutil.copyfile(template, instance / "portal.sqlite3")
        _copy_uploads(template.parent, instance)
        url = f"sqlite:///{instance / 'portal.sqlite3'}"
    elif seeded:
        template_url, folder = request.getfixturevalue("pg_demo_database")
        url = _pg_copy(template_url)
        _copy_uploads(folder, instance)
    else:
        url = request.getfixturevalue("pg_database")
    application = create_app(base_config(instance, url, **overrides))
    application.test_client_class = IsolatedClient
    return application


def _copy_uploads(source: Path, instance: Path) -> None:
    if (source / "uploads").is_dir():
        shutil.copytree(source / "uploads", instance / "uploads", dirs_exist_ok=True)


def _pg_copy(template_url: str) -> str:
    template = make_url(template_url)
    name = f"{template.database}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(template.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template.database}"'))
    admin.dispose()
    return template.set(database=name).render_as_string(hide_password=False)


def _pg_drop(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def truncate_tables(app) -> None:
    """Empty every PostgreSQL table except the shared catalogues."""
    names = [t.name for t in Base.metadata.sorted_tables if t.name not in KEEP_TABLES]
    with app.app_context():
        quoted = ", ".join(f'"{name}"' for name in names)
        db.session.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        # The calendar decisions the migration shipped (HOL-2026), as a fresh database has.
        calendar_editor.load_shipped(db.session, 2026)
        db.session.commit()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """The database backend of this test run: ``sqlite`` or ``postgresql``."""
    return request.param


@pytest.fixture
def app(backend, request, tmp_path) -> Iterator:
    """A test app (CSRF off, demo mode on) on a clean database of the current backend.

    Tests that also ask for ``demo`` get the demo authority already seeded.
    """
    seeded = "demo" in request.fixturenames
    overrides = {"PAGE_CACHE_ENTRIES": 0} if request.node.get_closest_marker(
        "no_page_cache") else {}
    application = make_app(backend, request, tmp_path, seeded=seeded, **overrides)
    yield application
    with application.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    _dispose(application)
    if backend == "postgresql":
        if seeded:
            _pg_drop(url)
        else:
            truncate_tables(application)
            _dispose(application)


@pytest.fixture
def client(app):
    """Flask test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """Click runner for ``flask`` commands."""
    return app.test_cli_runner()


@pytest.fixture
def session(app) -> Iterator:
    """The app's SQLAlchemy session inside an app context."""
    with app.app_context():
        yield db.session


@pytest.fixture
def demo(app):
    """The demo authority and its procedures, seeded in the test database (see ``app``)."""
    from portal.models import Procedure

    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Procedure))
    assert count >= 40
    return count


@pytest.fixture
def count_queries(app):
    """Count SQL statements run inside a ``with count_queries() as counter:`` block."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def _counting():
        counter = {"n": 0}

        def _count(*_args, **_kwargs):
            counter["n"] += 1

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", _count)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", _count)

    return _counting


def htmx_headers(**extra) -> dict:
    """Headers of a plain htmx request (not boosted, not a history restore)."""
    return {"HX-Request": "true", **extra}


class MailSink:
    """Messages received by a real SMTP server (aiosmtpd) on localhost."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler API
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def text(self, index: int = -1) -> str:
        """The plain-text body of a message (the last one by default)."""
        return self.messages[index].get_body(preferencelist=("plain",)).get_content()

    def link(self, index: int = -1) -> str:
        """The first portal link in a message, as a path."""
        import re

        url = re.search(r"http://localhost(/\S+)", self.text(index)).group(1)
        return url


@pytest.fixture
def mail(app):
    """Route the app's e-mail to a real SMTP server on a free local port."""
    from aiosmtpd.controller import Controller

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
    yield sink
    controller.stop()


def login(client, identifier: str, password: str = "Demo@12345"):
    """Log a test client in through the login form."""
    return client.post("/tai-khoan/dang-nhap",
                       data={"identifier": identifier, "password": password})
