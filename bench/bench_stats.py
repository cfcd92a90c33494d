"""The public statistics at volume: /thong-ke over 100,000 dossiers and their ratings.

* Data: the back-office benchmark's builder (``bench_inbox._fill``: the demo authority plus
  100,000 dossiers spread over two years, statuses by age, outcomes early / on time / late,
  extensions), plus a rating for 40% of the returned dossiers, given within a week of the
  return (levels weighted towards satisfied; each optional item answered two times in three).
* Service: ``stats.year_stats`` for this year and for last year (a whole year: about half of
  the dossiers), median and 95th percentile (informative).
* Page: ``GET /thong-ke`` (this year) and ``GET /thong-ke?nam=<last year>`` as an anonymous
  visitor through the Werkzeug test client, the full page with its five charts and tables
  (target: 95th percentile ≤ 1,000 ms each on SQLite), and one CSV file (informative).
* Each figure is wall-clock time; ``…_cpu_p95_ms`` is this process's processor time, the cost
  itself, which a busy machine does not inflate.

The page is computed on every request (it is not cached: its figures must be right at any
moment), so these are the costs a visitor pays.

SQLite always; PostgreSQL too when ``PORTAL_BENCH_DATABASE_URL`` (or
``PORTAL_TEST_DATABASE_URL``) names a server, in a throw-away database (``pg_`` figures).
"""
from __future__ import annotations

import random
import statistics
import time
from datetime import timedelta
from pathlib import Path

from bench.bench_inbox import DOSSIERS, _app, _dispose, _fill, _p95
from bench.support import build_instance, postgresql_demo_app

TARGETS = {"page_p95_ms": 1000.0, "page_last_year_p95_ms": 1000.0}
RUNS = 15
RATED_SHARE = 0.4
LEVELS = ((1, 45), (2, 40), (3, 15))


def _level(rng: random.Random, optional: bool = False) -> int | None:
    if optional and rng.random() < 1 / 3:
        return None
    values, weights = zip(*LEVELS)
    return rng.choices(values, weights)[0]


def _rate(app) -> tuple[int, float]:
    """Rate a share of the returned dossiers; return how many and the seconds it took."""
    from sqlalchemy import insert, select

    from portal.extensions import db
    from portal.models import Dossier, DossierStatus, Rating, utcnow

    rng = random.Random(766)
    started = time.perf_counter()
    with app.app_context():
        now = utcnow()
        returned = db.session.execute(
            select(Dossier.id, Dossier.procedure_id, Dossier.agency_id, Dossier.returned_at)
            .where(Dossier.status == DossierStatus.RETURNED)).all()
        rows = []
        for dossier_id, procedure_id, agency_id, returned_at in returned:
            if rng.random() >= RATED_SHARE:
                continue
            given = min(now, returned_at + timedelta(hours=rng.randint(1, 24 * 7)))
            rows.append({"dossier_id": dossier_id, "procedure_id": procedure_id,
                         "agency_id": agency_id, "overall": _level(rng),
                         "convenience": _level(rng, True), "timeliness": _level(rng, True),
                         "attitude": _level(rng, True), "comment": None,
                         "created_at": given, "updated_at": given})
        with db.engine.begin() as connection:
            for first in range(0, len(rows), 5_000):
                connection.execute(insert(Rating), rows[first:first + 5_000])
            if db.engine.dialect.name == "postgresql":
                connection.exec_driver_sql("ANALYZE rating")
            else:
                connection.exec_driver_sql("ANALYZE")
    return len(rows), time.perf_counter() - started


def _timed(call, runs: int = RUNS) -> tuple[list[float], list[float]]:
    """Wall-clock and processor milliseconds of each run, after a warm-up. The processor
    time (this process: Python and SQLite) is the cost itself; the wall-clock time adds
    whatever else the machine was doing."""
    call()
    wall, cpu = [], []
    for _ in range(runs):
        started, used = time.perf_counter(), time.process_time()
        call()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    return wall, cpu


def _record(results: dict[str, float], name: str, times: tuple[list[float], list[float]]):
    wall, cpu = times
    results[f"{name}_p50_ms"] = statistics.median(wall)
    results[f"{name}_p95_ms"] = _p95(wall)
    results[f"{name}_cpu_p95_ms"] = _p95(cpu)


def _measure(app, prefix: str = "") -> dict[str, float]:
    from portal.extensions import db
    from portal.services import stats, workdays

    results: dict[str, float] = {}
    with app.test_request_context():
        today = workdays.calendar().today()
        for name, year in (("service", today.year), ("service_last_year", today.year - 1)):
            def call(year=year):
                db.session.close()  # a request starts with an empty session
                stats.year_stats(db.session, year, today)
            _record(results, prefix + name, _timed(call, runs=5))
    client = app.test_client()
    pages = (("page", "/thong-ke"), ("page_last_year", f"/thong-ke?nam={today.year - 1}"),
             ("csv", f"/thong-ke?nam={today.year - 1}&bang=dich-vu&dang=csv"))
    for name, path in pages:
        assert client.get(path).status_code == 200, path
        _record(results, prefix + name, _timed(lambda path=path: client.get(path)))
    return results


def _postgresql(workdir: Path) -> dict[str, float]:
    """The same on a throw-away PostgreSQL database, when a server is configured."""
    with postgresql_demo_app(workdir, _app) as app:
        if app is None:
            return {}
        _fill(app, DOSSIERS)
        _rate(app)
        results = _measure(app, "pg_")
        _dispose(app)
        return results


def run(workdir: Path) -> dict[str, float]:
    instance = build_instance(workdir / "instance")
    app = _app(instance)
    results = {"insert_s": _fill(app, DOSSIERS)}
    ratings, seconds = _rate(app)
    results.update({"ratings": float(ratings), "rate_insert_s": seconds, **_measure(app)})
    _dispose(app)
    results.update(_postgresql(workdir))
    return results
