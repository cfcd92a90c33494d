"""The back office at volume: the inbox and the leaders' report over 100,000 dossiers.

* Data: the demo authority plus 100,000 dossiers bulk-inserted (SQLAlchemy Core
  ``executemany`` in batches), spread over two years: statuses by age, every procedure and
  unit of the demo tree, due dates, results early / on time / late, extensions, a few
  hundred consultations, and the folded ``search_text`` the inbox searches.
* Inbox: ``backoffice.inbox`` for the demo approver (who sees the whole commune), each tab,
  a search by name, a search by part of a code, and filters (field, channel, dates,
  overdue); the median and 95th percentile of all of them (target: 95th ≤ 100 ms), and the
  same for the rendered page of the first tab (informative).
* Report: ``reports.summary`` for a year by field (target: 95th ≤ 1,000 ms).

SQLite always; PostgreSQL too when ``PORTAL_BENCH_DATABASE_URL`` (or
``PORTAL_TEST_DATABASE_URL``) names a server, in a throw-away database (``pg_`` figures).
"""
from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from bench.support import build_instance, postgresql_demo_app

TARGETS = {"inbox_p95_ms": 100.0, "report_year_p95_ms": 1000.0}
DOSSIERS = 100_000
BATCH = 5_000
RUNS = 15
APPROVER = "lanhdao@demo.local"
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
          "Đỗ", "Hồ", "Ngô", "Dương", "Lý")
MIDDLE = ("Văn", "Thị", "Minh", "Hữu", "Đức", "Thanh", "Ngọc", "Quốc", "Thu", "Gia")
GIVEN = ("An", "Bình", "Châu", "Dũng", "Hà", "Hải", "Hạnh", "Hòa", "Hùng", "Khánh", "Lan",
         "Linh", "Long", "Mai", "Nam", "Nga", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang",
         "Tuấn", "Vy", "Yến")
#: (status code, weight) of dossiers older than a month, and of recent ones.
OLD = ((10, 80), (9, 4), (3, 4), (7, 3), (8, 2), (4, 4), (5, 3))
RECENT = ((1, 15), (2, 12), (4, 33), (5, 8), (6, 2), (9, 15), (10, 12), (3, 2), (7, 1))


def _pick(rng: random.Random, weighted) -> int:
    values, weights = zip(*weighted)
    return rng.choices(values, weights)[0]


def _dossier(rng: random.Random, now: datetime, procedure: tuple[int, int | None],
             desks: dict[str, int], sequence: dict, staff: list[int]) -> dict:
    """One generated dossier row (the columns a bulk INSERT needs)."""
    from portal.text import fold

    received = now - timedelta(days=rng.random() * 730)
    age = (now - received).days
    status = _pick(rng, OLD if age > 30 else RECENT)
    desk_code = "000.01.99.H49" if rng.random() < 0.9 else "000.02.99.H49"
    day = received.astimezone(timezone(timedelta(hours=7))).date()
    number = sequence[desk_code, day] = sequence.get((desk_code, day), 0) + 1
    code = f"{desk_code}-{day:%y%m%d}-{number:04d}"
    name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    channel = _pick(rng, ((2, 55), (1, 40), (3, 5)))
    due = None if rng.random() < 0.1 else day + timedelta(days=rng.randint(3, 20))
    row = {
        "code": code, "procedure_id": procedure[0], "agency_id": procedure[1],
        "receiving_agency_id": desks[desk_code], "channel": channel, "status": status,
        "applicant_name": name, "data": {}, "version": 1, "result_channel": channel,
        "received_at": received, "submitted_at": received, "due_date": due,
        "processing_days": None, "search_text": fold(f"{name} {code}"),
        "assignee_id": rng.choice(staff) if status in (4, 5, 6, 9) else None,
        "awaiting_approval": status == 4 and rng.random() < 0.2,
        "resolved_at": None, "returned_at": None, "closed_at": None, "outcome": None,
        "extended_at": None, "paused_since": None, "accepted_at": None,
    }
    _life(rng, row, now, status, received, due)
    return row


def _life(rng: random.Random, row: dict, now: datetime, status: int, received: datetime,
          due: date | None) -> None:
    """Fill in what happened to it: acceptance, pause, result and its outcome, closing."""
    if status != 1:
        row["accepted_at"] = min(now, received + timedelta(hours=rng.randint(1, 30)))
    if status == 5:
        row["paused_since"] = min(now, received + timedelta(days=rng.randint(1, 5)))
    if status in (9, 10):
        resolved = min(now, received + timedelta(days=rng.randint(1, 24), hours=rng.random()))
        row["resolved_at"] = resolved
        if rng.random() < 0.03:
            row["extended_at"] = received + (resolved - received) / 2
        local_day = resolved.astimezone(timezone(timedelta(hours=7))).date()
        if due is None:
            row["outcome"] = "no_deadline"
        elif row["extended_at"] or local_day > due:
            row["outcome"] = "late"
        else:
            row["outcome"] = "early" if local_day < due else "on_time"
        if status == 10:
            row["returned_at"] = row["closed_at"] = min(
                now, resolved + timedelta(days=rng.randint(0, 3)))
    elif status in (3, 7, 8):
        row["closed_at"] = min(now, received + timedelta(days=rng.randint(0, 10)))


def _fill(app, count: int) -> float:
    """Insert ``count`` dossiers and some consultations; return the seconds it took."""
    from sqlalchemy import insert, select

    from portal.extensions import db
    from portal.models import Agency, Consultation, Dossier, Procedure, User

    rng = random.Random(2026)
    with app.app_context():
        procedures = db.session.execute(select(Procedure.id, Procedure.agency_id)).all()
        desks = dict(db.session.execute(select(Agency.code, Agency.id)).all())
        staff = list(db.session.scalars(select(User.id).where(User.agency_id.is_not(None))))
        now = datetime.now(timezone.utc)
        sequence: dict = {}
        started = time.perf_counter()
        with db.engine.begin() as connection:
            for first in range(0, count, BATCH):
                rows = [_dossier(rng, now, rng.choice(procedures), desks, sequence, staff)
                        for _ in range(min(BATCH, count - first))]
                connection.execute(insert(Dossier), rows)
            connection.execute(insert(Consultation), [
                {"dossier_id": rng.randint(1, count), "agency_id": rng.choice(list(desks.values())),
                 "question": "Xin ý kiến", "due_date": now.date(), "asked_at": now}
                for _ in range(500)])
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        else:  # and fold the write-ahead log in, as a long-running server's would be
            with db.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
            with db.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return time.perf_counter() - started


def _timed(call: Callable[[], object], runs: int = RUNS) -> list[float]:
    call()  # warm up: statement caches, the first connection
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def _inbox_cases(db) -> list:
    """Every tab, then searches and filters (on the default tab)."""
    from sqlalchemy import select

    from portal.models import Field
    from portal.services.backoffice import TABS, InboxFilters

    field_id = db.session.scalar(select(Field.id).where(Field.code == "H49-HT"))
    today = date.today()
    cases = [InboxFilters(tab=tab) for tab in TABS]
    cases += [InboxFilters(tab="dang-xu-ly", q="nguyen van"),
              InboxFilters(tab="da-tra", q=f"{today:%y%m}"),
              InboxFilters(tab="dang-xu-ly", field_id=field_id, channel=2),
              InboxFilters(tab="da-tra", start=today - timedelta(days=90), end=today),
              InboxFilters(tab="dang-xu-ly", overdue=True)]
    return cases


def _measure(app, prefix: str = "") -> dict[str, float]:
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import User
    from portal.services import backoffice, reports, workdays

    results: dict[str, float] = {}
    with app.test_request_context():
        user_id = db.session.scalar(select(User.id).where(User.email == APPROVER))
        today = workdays.calendar().today()
        inbox_times: list[float] = []
        for filters in _inbox_cases(db):
            def call(filters=filters):
                db.session.close()  # a request starts with an empty session
                backoffice.inbox(db.session, db.session.get(User, user_id), filters, today)
            inbox_times += _timed(call, runs=5)
        results[f"{prefix}inbox_p50_ms"] = statistics.median(inbox_times)
        results[f"{prefix}inbox_p95_ms"] = _p95(inbox_times)
        scope = backoffice.scope(db.session, db.session.get(User, user_id))
        year = (today - timedelta(days=364), today)
        report_times = _timed(lambda: reports.summary(db.session, scope, *year, "field"),
                              runs=5)
        results[f"{prefix}report_year_p50_ms"] = statistics.median(report_times)
        results[f"{prefix}report_year_p95_ms"] = _p95(report_times)
    page_times = _page_times(app)
    results[f"{prefix}inbox_page_p50_ms"] = statistics.median(page_times)
    results[f"{prefix}inbox_page_p95_ms"] = _p95(page_times)
    return results


def _page_times(app) -> list[float]:
    """The first tab's page as the approver gets it (the Werkzeug test client, no network)."""
    client = app.test_client()
    client.post("/tai-khoan/dang-nhap", data={"identifier": APPROVER,
                                              "password": "Demo@12345"})
    times = _timed(lambda: client.get("/mot-cua?tab=dang-xu-ly"), runs=RUNS)
    assert client.get("/mot-cua?tab=dang-xu-ly").status_code == 200
    return times


def _app(instance: Path, url: str | None = None):
    from portal import create_app

    config = {"INSTANCE_PATH": str(instance), "DEMO_MODE": True, "LOG_REQUESTS": False,
              "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
              "PAGE_CACHE_ENTRIES": 0}
    if url:
        config["DATABASE_URL"] = url
    return create_app(config)


def _dispose(app) -> None:
    """Stop the app's job runner, write its page views, close its connections: its database
    may be dropped next."""
    from portal.extensions import db
    from portal.services import access_stats, runners

    runners.stop_thread_runner(app)
    access_stats.counter_of(app).flush()
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


def _postgresql(workdir: Path) -> dict[str, float]:
    """The same on a throw-away PostgreSQL database, when a server is configured."""
    with postgresql_demo_app(workdir, _app) as app:
        if app is None:
            return {}
        results = {"pg_insert_s": _fill(app, DOSSIERS), **_measure(app, "pg_")}
        _dispose(app)
        return results


def run(workdir: Path) -> dict[str, float]:
    instance = build_instance(workdir / "instance")
    app = _app(instance)
    results = {"insert_s": _fill(app, DOSSIERS), **_measure(app)}
    _dispose(app)
    results.update(_postgresql(workdir))
    return results
