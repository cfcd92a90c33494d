"""Database set-up and migrations, on SQLite and (when configured) PostgreSQL."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from sqlalchemy import create_engine, inspect, make_url, select, text
from sqlalchemy.exc import IntegrityError

from portal import create_app
from portal.db import include_object
from portal.extensions import alembic, db
from portal.models import Base, Field, Procedure
from tests.conftest import PG_URL, base_config, make_app


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_app(request, tmp_path):
    """An app on an empty database (no migrations applied) of each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        yield create_app(base_config(tmp_path, url))
        return
    if not PG_URL:
        pytest.skip("PORTAL_TEST_DATABASE_URL is not set: PostgreSQL migrations not tested")
    server = make_url(PG_URL)
    name = f"portal_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    app = create_app(base_config(tmp_path, server.set(database=name).render_as_string(False)))
    yield app
    with app.app_context():
        db.engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrations_upgrade_and_downgrade_cleanly(empty_app):
    with empty_app.app_context():
        alembic.upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"procedure", "agency", "field", "admin_unit", "code_entry"} <= tables
        alembic.downgrade("base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        alembic.upgrade()  # and back up again: downgrade left nothing behind
        assert "procedure" in inspect(db.engine).get_table_names()


def test_migrations_match_the_models(empty_app):
    """Autogenerate finds nothing to do after upgrade: models and migrations agree."""
    with empty_app.app_context():
        alembic.upgrade()
        with db.engine.connect() as conn:
            from alembic.migration import MigrationContext

            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": include_object})
            assert compare_metadata(context, Base.metadata) == []


def test_sqlite_uses_wal_and_foreign_keys(request, tmp_path):
    app = make_app("sqlite", request, tmp_path)
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_foreign_keys_are_enforced(session):
    session.add(Procedure(code="1.000001", name="Thử", field_id=999_999))
    with pytest.raises(IntegrityError):
        session.flush()


def test_timestamps_are_aware_utc_and_set_per_row(session):
    first = Field(code="H49-A", name="A", slug="a")
    session.add(first)
    session.commit()
    second = Field(code="H49-B", name="B", slug="b")
    session.add(second)
    session.commit()
    session.rollback()  # end the read snapshot; see the requests' commits
    loaded = session.scalars(select(Field).order_by(Field.id)).all()
    assert all(f.created_at.tzinfo is not None for f in loaded)
    assert loaded[0].created_at.utcoffset() == timedelta(0)
    # Defaults are callables, evaluated per row (not once at import).
    assert loaded[1].created_at >= loaded[0].created_at
    assert abs(loaded[1].created_at - datetime.now(timezone.utc)) < timedelta(minutes=1)


def test_naive_datetimes_are_refused(session):
    field = Field(code="H49-C", name="C", slug="c", created_at=datetime(2025, 1, 1))
    session.add(field)
    with pytest.raises(Exception, match="naive datetime"):
        session.flush()


def test_migrations_keep_the_data_of_a_populated_database(request, tmp_path, backend):
    """Rebuilding a table on SQLite (batch mode) must not cascade-delete its children."""
    from sqlalchemy import func

    from portal.models import DossierComponent, ProcedureStep

    app = make_app(backend, request, tmp_path, seeded=True)
    with app.app_context():
        steps = db.session.scalar(select(func.count()).select_from(ProcedureStep))
        components = db.session.scalar(select(func.count()).select_from(DossierComponent))
        db.session.rollback()
        alembic.downgrade("1795328834")  # drops columns of procedure: a table rebuild
        alembic.upgrade()
        assert db.session.scalar(select(func.count()).select_from(ProcedureStep)) == steps
        assert db.session.scalar(select(func.count()).select_from(DossierComponent)) == components
        assert steps > 100
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
