"""Database engine set-up: Flask-SQLAlchemy-Lite sessions, SQLite pragmas, and the one write
discipline (DESIGN.md "Scale", issue 13).

The request is the unit of work: views commit, services never do. Sessions are closed when
the app context ends (Flask-SQLAlchemy-Lite registers that teardown).

Writing, so that concurrency never turns into a 500 or a silently overwritten save:

* SQLite: every transaction of a POST/PUT/PATCH/DELETE begins IMMEDIATE (the write lock is
  taken before the first read: :func:`_begins_writing`); a GET or a job that writes calls
  :func:`begin_writing` first. Under test, a write after a read in a deferred transaction
  raises :class:`UnlockedWrite`.
* PostgreSQL: :func:`lock_row` (``SELECT … FOR UPDATE``) before read-decide-write, atomic
  UPSERTs and conditional UPDATEs for counters and claims, unique constraints for numbers.
* Slow work (password hashing, virus scans, files) runs with no write lock held
  (:func:`release_write_lock` first); :func:`assert_no_write_lock` guards it.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from sqlalchemy import Engine, event, inspect, select
from sqlalchemy.orm import Session

from portal.extensions import db

#: True while migrations run. SQLite rebuilds a table to alter it (batch mode); with foreign
#: keys enforced, dropping the old table would cascade-delete the rows that point at it.
MIGRATING: ContextVar[bool] = ContextVar("portal_migrating", default=False)


def init_app(app: Flask) -> None:
    """Create the engines from ``SQLALCHEMY_ENGINES`` and tune SQLite connections."""
    db.init_app(app)
    _drop_async_teardown(app)
    app.before_request(_dispatching)
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
    """Let SQLAlchemy, not the sqlite3 module, emit BEGIN, and choose which BEGIN.

    The sqlite3 module delays BEGIN until the first write, so reads inside a transaction are
    not isolated and SAVEPOINTs misbehave. The SQLAlchemy SQLite documentation recommends this
    fix ("Serializable isolation / Savepoints / Transactional DDL"). Which BEGIN is the write
    discipline of :func:`_begins_writing`.
    """

    @event.listens_for(engine, "connect")
    def _disable_pysqlite_begin(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _emit_begin(connection) -> None:
        immediate = _begins_writing(connection)
        connection.info[LOCK_KEY] = immediate
        connection.info[READ_KEY] = False
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    @event.listens_for(engine, "before_cursor_execute")
    def _check_write(connection, _cursor, statement, *_args) -> None:
        # A deferred transaction may write if it has not read yet (it then waits for the
        # lock like an immediate one); one that read first cannot, safely.
        if connection.info.get(LOCK_KEY) is not False:
            return
        head = statement.lstrip()[:7].upper()
        if head.startswith(("SELECT", "WITH")):
            connection.info[READ_KEY] = True
        elif head.startswith(_WRITES) and connection.info.get(READ_KEY):
            _unlocked_write(statement)


#: Execution option that makes a SQLite transaction take the write lock when it begins (True)
#: or not (False), whatever the request.
WRITE_OPTION = "portal_write"
#: ``connection.info`` key: whether the connection's transaction holds the write lock.
LOCK_KEY = "portal_write_lock"
#: ``connection.info`` key: whether the connection's deferred transaction has read.
READ_KEY = "portal_has_read"
#: Requests that never write (RFC 9110 "safe" methods).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class UnlockedWrite(RuntimeError):
    """A request wrote in a SQLite transaction that did not take the write lock first."""


def _begins_writing(connection) -> bool:
    """The write discipline, in one place: on SQLite every transaction of a request that may
    write (POST, PUT, PATCH, DELETE) begins IMMEDIATE, taking the write lock before it reads.

    A deferred transaction that reads and then writes fails at once (SQLITE_BUSY, no waiting)
    when another request committed in between; one that took the lock first waits its turn
    (``busy_timeout``) and what it read stays true until it commits. Safe requests read
    without the lock (WAL: readers never wait); the few that write call
    :func:`begin_writing`. Outside a request (jobs, commands) a transaction is deferred unless
    its code asks for the lock with :data:`WRITE_OPTION` or :func:`begin_writing`.
    """
    chosen = connection.get_execution_options().get(WRITE_OPTION)
    if chosen is not None:
        return bool(chosen)
    return has_request_context() and request.method not in SAFE_METHODS


#: ``flask.g`` key: set while the app handles a request (views, hooks), not in a bare
#: request context.
DISPATCHING = "_portal_dispatching"


def _dispatching() -> None:
    g.setdefault(DISPATCHING, True)


def _unlocked_write(statement: str) -> None:
    """A write after a read in a deferred transaction of a request: a bug the tests must
    catch (SQLite refuses it at once when anyone committed since the read); in production
    it is logged and let through."""
    if not has_request_context() or not g.get(DISPATCHING):
        return  # jobs, commands, a test's request context: their own code decides
    where = f"{request.method} {request.endpoint}: {statement.split(None, 3)[:3]}"
    if current_app.testing:
        raise UnlockedWrite(f"write after a read without the write lock ({where}); "
                            "call begin_writing() before reading")
    logging.getLogger("portal").warning("write without the write lock (%s)", where)


def holds_write_lock(session) -> bool:
    """Whether the session's open transaction holds the SQLite write lock (False when none
    is open, and always on PostgreSQL, which has no such lock)."""
    return bool(session.info.get(LOCK_KEY))


@event.listens_for(Session, "after_begin")
def _remember_lock(session, _transaction, connection) -> None:
    session.info[LOCK_KEY] = bool(connection.info.get(LOCK_KEY))


@event.listens_for(Session, "after_transaction_end")
def _forget_lock(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(LOCK_KEY, None)


def begin_writing(session) -> None:
    """Make sure the session's transaction may write: on SQLite, one that took the write lock
    when it began (ending a deferred one first: its reads are read again).

    Needed only where a safe request (GET) or a job reads, decides and writes; unsafe
    requests already begin that way (:func:`_begins_writing`). On PostgreSQL this is an
    ordinary transaction: row locks and conditional updates do the work there.
    """
    if session.get_bind().dialect.name != "sqlite" or holds_write_lock(session):
        return
    session.commit()
    session.connection(execution_options={WRITE_OPTION: True})


def lock_row(session, obj) -> None:
    """Wait for other transactions that change ``obj``'s row, then read it as they left it.

    PostgreSQL: ``SELECT … FOR UPDATE`` (held until the commit), then a refresh. SQLite:
    nothing more to do when the transaction took the write lock as it began; in a safe
    request it is made to (see :func:`begin_writing`) and ``obj`` is read again. Jobs and
    commands outside a request keep their transaction as it is.
    """
    if session.get_bind().dialect.name == "sqlite":
        if has_request_context():
            begin_writing(session)
        return
    mapper = inspect(obj).mapper
    key = mapper.primary_key_from_instance(obj)
    session.execute(select(*mapper.primary_key).where(
        *(column == value for column, value in zip(mapper.primary_key, key)))
        .with_for_update())
    session.refresh(obj)


def release_write_lock(session) -> None:
    """Commit now, so that slow work that follows (a password hash, a virus scan, a file
    written) does not hold the write lock; the next statement begins a new transaction."""
    session.commit()


def assert_no_write_lock(work: str, session=None) -> None:
    """Slow work (password hashing, scanning, file I/O) must not run while the request's
    session holds the SQLite write lock: every other writer would wait for it. A bug in
    tests, a warning in production."""
    if session is None:
        if not has_app_context():
            return
        session = db.session
    if not holds_write_lock(session):
        return
    message = f"{work} while holding the database write lock; commit first"
    if current_app.testing:
        raise UnlockedWrite(message)
    logging.getLogger("portal").warning(message)
