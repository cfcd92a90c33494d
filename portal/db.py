"""Database engine set-up: Flask-SQLAlchemy-Lite sessions plus SQLite pragmas.

The request is the unit of work: views commit, services never do. Sessions are closed when
the app context ends (Flask-SQLAlchemy-Lite registers that teardown).
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask
from sqlalchemy import Engine, event

from portal.extensions import db

#: True while migrations run. SQLite rebuilds a table to alter it (batch mode); with foreign
#: keys enforced, dropping the old table would cascade-delete the rows that point at it.
MIGRATING: ContextVar[bool] = ContextVar("portal_migrating", default=False)


def init_app(app: Flask) -> None:
    """Create the engines from ``SQLALCHEMY_ENGINES`` and tune SQLite connections."""
    db.init_app(app)
    _drop_async_teardown(app)
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)
                event.listen(engine, "checkout", _sqlite_foreign_keys)
                _use_sqlite_transactions(engine)
            engine.echo = app.config["SQLALCHEMY_ECHO"]


# Search structures that only exist on one database and are managed by hand in the
# migrations (FTS5 on SQLite, a generated tsvector on PostgreSQL): autogenerate skips them.
SEARCH_ONLY_OBJECTS = {"search_document_fts", "tsv", "ix_search_document_tsv"}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: leave the database-specific search structures alone."""
    return not (name in SEARCH_ONLY_OBJECTS or (name or "").startswith("search_document_fts_"))


def _drop_async_teardown(app: Flask) -> None:
    """Remove Flask-SQLAlchemy-Lite's async-session teardown: the portal has no async engine.

    Flask runs an async teardown through asgiref's ``async_to_sync`` after every request,
    which costs time and fails inside a thread that already runs an event loop.
    """
    app.teardown_appcontext_funcs[:] = [
        func for func in app.teardown_appcontext_funcs
        if getattr(func, "__name__", "") != "_close_async_sessions"
    ]


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Turn on WAL (readers never wait for the writer) on each new connection."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=10000")
    # WAL needs a file; an in-memory database answers "memory" and keeps its own mode.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_foreign_keys(dbapi_connection, _record, _proxy) -> None:
    """Enforce foreign keys, except while migrations run (see :data:`MIGRATING`)."""
    state = "OFF" if MIGRATING.get() else "ON"
    dbapi_connection.execute(f"PRAGMA foreign_keys={state}")


@contextmanager
def migrating():
    """Run migrations with SQLite foreign keys off, and check them once done."""
    token = MIGRATING.set(True)
    try:
        yield
    finally:
        MIGRATING.reset(token)


def check_foreign_keys(connection) -> None:
    """Fail if a migration left rows pointing at rows that no longer exist (SQLite)."""
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")


def _use_sqlite_transactions(engine: Engine) -> None:
    """Let SQLAlchemy, not the sqlite3 module, emit BEGIN.

    The sqlite3 module delays BEGIN until the first write, so reads inside a transaction are
    not isolated and SAVEPOINTs misbehave. The SQLAlchemy SQLite documentation recommends this
    fix ("Serializable isolation / Savepoints / Transactional DDL").
    """

    @event.listens_for(engine, "connect")
    def _disable_pysqlite_begin(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _emit_begin(connection) -> None:
        immediate = connection.get_execution_options().get(WRITE_OPTION)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


#: Execution option that makes a SQLite transaction take the write lock when it begins.
WRITE_OPTION = "portal_write"


def begin_writing(session) -> None:
    """End the session's current transaction and start one that will write.

    On SQLite a transaction that has read and then writes fails at once (SQLITE_BUSY, no
    waiting) if another writer committed in between; ``BEGIN IMMEDIATE`` takes the write
    lock first (waiting up to ``busy_timeout``), so what it reads stays true until it
    commits. Used where a request reads, decides and writes under contention (submitting a
    dossier, issuing its code). On PostgreSQL this is an ordinary transaction: row locks and
    atomic UPSERTs do the work there.
    """
    session.commit()
    session.connection(execution_options={WRITE_OPTION: True})
