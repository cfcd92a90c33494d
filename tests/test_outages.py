"""Failing dependencies degrade, never 500 (issue 13).

* The database gone (refused, restarting, a SQLite lock not granted in time): 503 with
  ``Retry-After``, JSON for JSON clients, an alert for htmx, the error page otherwise, drawn
  without asking the database again; back to normal once it answers, without a restart.
  The outage tests stop and start a throw-away PostgreSQL cluster (``tests.support.pgcluster``),
  never the shared server; they are skipped where ``initdb`` is missing, except under CI.
* Redis gone: rate limits count in memory, login, autosave, upload and tracking keep working
  and answer quickly; the tests use a closed port and a throw-away ``redis-server``.
"""
from __future__ import annotations

import logging
import socket
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from portal import create_app
from portal.extensions import alembic, db, limiter
from portal.outages import database_unavailable, engine_options
from tests.conftest import base_config, htmx_headers, login, make_app
from tests.dossier_support import component_ids, start_draft, upload
from tests.support import pgcluster, redisserver, require

JSON = {"Accept": "application/json"}
UNAVAILABLE = "Dịch vụ tạm thời gián đoạn"


def _closed_port() -> int:
    return pgcluster.free_port()  # nothing listens there once the probe socket is closed


def assert_unavailable(response, *, kind: str) -> None:
    """A 503 with Retry-After, in the shape the client asked for."""
    assert response.status_code == 503, response.status_code
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["Cache-Control"] == "no-store"
    if kind == "json":
        assert response.get_json()["error"] == "unavailable"
        assert "thử lại" in response.get_json()["message"]
    elif kind == "htmx":
        assert response.headers["HX-Retarget"] == "#flash"
        assert 'role="alert"' in response.text and "<html" not in response.text
    else:
        assert "<html" in response.text and UNAVAILABLE in response.text


# --- The database ------------------------------------------------------------------------


def test_postgresql_engines_check_pooled_connections_and_bound_connecting():
    config = {"DATABASE_URL": "postgresql+psycopg://u@db/portal", "DATABASE_CONNECT_TIMEOUT": 3,
              "DATABASE_ENGINE_OPTIONS": {"pool_size": 20}}
    assert engine_options(config) == {
        "url": "postgresql+psycopg://u@db/portal", "pool_size": 20, "pool_pre_ping": True,
        "connect_args": {"connect_timeout": 3}}
    config["DATABASE_ENGINE_OPTIONS"] = {"pool_pre_ping": False,
                                         "connect_args": {"connect_timeout": 10}}
    chosen = engine_options(config)
    assert chosen["pool_pre_ping"] is False and chosen["connect_args"] == {"connect_timeout": 10}
    sqlite = {**config, "DATABASE_URL": "sqlite:///x", "DATABASE_ENGINE_OPTIONS": {}}
    assert engine_options(sqlite) == {"url": "sqlite:///x"}


@pytest.mark.parametrize("message, unavailable", [
    ("database is locked", True), ("unable to open database file", True),
    ("disk I/O error", True), ("no such table: dossier", False), ('near "x": syntax error', False),
])
def test_sqlite_errors_that_mean_not_now_are_told_from_bugs(message, unavailable):
    error = OperationalError("UPDATE draft", {}, sqlite3.OperationalError(message))
    assert database_unavailable(error) is unavailable


def test_a_sqlite_lock_not_granted_in_time_is_503_and_a_bug_stays_500(app):
    @app.post("/khoa")
    def locked():
        raise OperationalError("UPDATE draft", {}, sqlite3.OperationalError("database is locked"))

    @app.post("/loi")
    def broken():
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("no such column: x"))

    client = app.test_client()
    assert_unavailable(client.post("/khoa"), kind="page")
    assert_unavailable(client.post("/khoa", headers=JSON), kind="json")
    assert_unavailable(client.post("/khoa", headers=htmx_headers()), kind="htmx")
    assert client.post("/loi").status_code == 500


@pytest.fixture
def refused_app(tmp_path):
    """An app whose PostgreSQL server refuses connections (nothing listens on its port)."""
    url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/portal"
    return create_app(base_config(tmp_path, url, PAGE_CACHE_ENTRIES=0))


def test_a_refused_database_is_503_in_the_shape_each_client_asked_for(refused_app, caplog):
    client = refused_app.test_client()
    with caplog.at_level(logging.WARNING, logger="portal"):
        assert_unavailable(client.get("/thu-tuc/"), kind="page")
    assert_unavailable(client.post("/nop-ho-so/nhap/khong-co/luu", headers=JSON,
                                   data={"_revision": "1"}), kind="json")
    assert_unavailable(client.get("/thu-tuc/", headers=htmx_headers()), kind="htmx")
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "database unavailable on catalog.index" in logged and "SELECT" not in logged


def test_the_error_page_asks_nothing_more_of_the_lost_database(refused_app):
    """One connection attempt per request: the layout's user, settings and notices are not
    looked up again (each attempt may wait DATABASE_CONNECT_TIMEOUT)."""
    attempts = []
    with refused_app.app_context():
        event.listen(db.engine, "do_connect", lambda *_args: attempts.append(1))
    client = refused_app.test_client()
    with client.session_transaction() as session:  # a logged-in visitor
        session["_user_id"], session["_fresh"] = "1:0", True
    response = client.get("/")
    assert_unavailable(response, kind="page")
    assert len(attempts) == 1
    assert "Đăng nhập" in response.text  # shown as anonymous, without loading the account


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A throw-away PostgreSQL cluster with the portal's schema, for this module's tests."""
    require(pgcluster.unavailable_reason())
    with pgcluster.PgCluster(durable=False) as server:
        url = server.create_database("portal")
        app = create_app(base_config(tmp_path_factory.mktemp("pg-outage"), url))
        with app.app_context():
            alembic.upgrade()
            db.engine.dispose()
        yield server, url


@pytest.fixture
def outage_app(cluster, tmp_path):
    """An app on the throw-away cluster (restarted if a test left it stopped)."""
    server, url = cluster
    if not server.running:
        server.start()
    app = create_app(base_config(tmp_path, url, PAGE_CACHE_ENTRIES=0))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.xdist_group("pgcluster")
def test_while_postgresql_is_down_requests_get_503_and_it_recovers_without_a_restart(
        cluster, outage_app):
    server, _url = cluster
    client = outage_app.test_client()
    assert client.get("/thu-tuc/").status_code == 200  # the pool now holds a connection
    server.stop()
    assert_unavailable(client.get("/thu-tuc/"), kind="page")
    assert_unavailable(client.post("/nop-ho-so/nhap/khong-co/luu", headers=JSON,
                                   data={"_revision": "1"}), kind="json")
    assert_unavailable(client.get("/thu-tuc/", headers=htmx_headers()), kind="htmx")
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["checks"]["database"]["status"] == \
        "error"
    server.start()
    assert client.get("/thu-tuc/").status_code == 200  # the very first request after
    assert client.post("/nop-ho-so/nhap/khong-co/luu", headers=JSON,
                       data={"_revision": "1"}).status_code == 404
    assert client.get("/healthz").status_code == 200


@pytest.mark.xdist_group("pgcluster")
def test_a_postgresql_restart_costs_no_request_once_it_is_back(cluster, outage_app):
    """The pool's connections die with the server; pre-ping replaces them unseen."""
    server, _url = cluster
    client = outage_app.test_client()
    for _ in range(3):
        assert client.get("/thu-tuc/").status_code == 200
    server.restart()
    assert [client.get("/thu-tuc/").status_code for _ in range(3)] == [200, 200, 200]


@pytest.mark.xdist_group("pgcluster")
def test_a_connection_lost_after_the_response_was_made_does_not_fail_it(outage_app):
    """The server goes away between the view's answer and the session's closing ROLLBACK
    (seen under gunicorn during a restart: the finished 200 became a 500)."""
    @outage_app.get("/mat-ket-noi")
    def lost():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with db.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        time.sleep(0.3)  # the backend is gone before the ROLLBACK is sent
        return "ok"

    client = outage_app.test_client()
    assert client.get("/mat-ket-noi").status_code == 200
    assert client.get("/thu-tuc/").status_code == 200


@pytest.mark.xdist_group("pgcluster")
def test_cached_public_pages_are_still_served_while_postgresql_is_down(cluster, tmp_path):
    """Public content only changes through the database: while it is down, the page cache's
    copies stay right, so anonymous visitors keep reading them."""
    server, url = cluster
    app = create_app(base_config(tmp_path, url, PAGE_CACHE_CHECK_SECONDS=0))
    client = app.test_client()
    assert client.get("/thu-tuc/").status_code == 200
    server.stop()
    try:
        assert client.get("/thu-tuc/").status_code == 200  # from the cache
        assert_unavailable(client.get("/thu-tuc/?q=khai+sinh"), kind="page")  # never cached
    finally:
        server.start()
        with app.app_context():
            db.engine.dispose()


@pytest.mark.xdist_group("pgcluster")
def test_requests_sent_through_a_restart_get_200_or_503_never_500(cluster, outage_app):
    server, _url = cluster
    answers: list[tuple[float, int, str | None, str]] = []
    stop = threading.Event()

    def citizen() -> None:
        client = outage_app.test_client()
        while not stop.is_set():
            for headers, path in (({}, "/thu-tuc/"), (JSON, "/nop-ho-so/nhap/khong-co/luu")):
                method = client.post if path.endswith("luu") else client.get
                response = method(path, headers=headers, data={"_revision": "1"})
                answers.append((time.monotonic(), response.status_code,
                                response.headers.get("Retry-After"), response.mimetype))

    thread = threading.Thread(target=citizen)
    thread.start()
    try:
        time.sleep(0.3)
        server.restart(down_for=1.0)
        back = time.monotonic()
        time.sleep(0.5)
    finally:
        stop.set()
        thread.join(timeout=30)
    statuses = {status for _at, status, _retry, _type in answers}
    assert statuses <= {200, 404, 503}, statuses  # 404: the JSON client's unknown draft
    failed = [answer for answer in answers if answer[1] == 503]
    assert failed and all(retry for _at, _status, retry, _type in failed)
    assert all(answer[1] != 503 for answer in answers if answer[0] > back + 0.1)


# --- Redis -------------------------------------------------------------------------------


@pytest.fixture
def limiter_state():
    """Flask-Limiter is one object for every app of the process: forget that Redis died."""
    yield
    limiter._storage_dead = False


def _limited_app(request, tmp_path: Path, redis_url: str):
    """A seeded app with rate limits on, counted in ``redis_url``, and a cheap limited page
    (``/gioi-han``) to time what the limiter itself costs."""
    app = make_app("sqlite", request, tmp_path, seeded=True, RATELIMIT_ENABLED=True,
                   REDIS_URL=redis_url, RATELIMIT_LOGIN="3 per minute",
                   RATELIMIT_STATS="1000 per minute")

    @app.get("/gioi-han")
    @limiter.limit("1000 per minute")
    def limited():
        return "ok"

    return app


def _quick(client) -> None:
    """A limited request that does nothing else is not held by a dead Redis for redis-py's
    default 5 s (and its retries). Not a speed target: the bound is far from both the 0.5 s
    it should take and the 5 s it must not, so a loaded CI machine does not fail it."""
    started = time.perf_counter()
    assert client.get("/gioi-han").status_code == 200
    assert time.perf_counter() - started < 4.0


def _citizen_paths_work(app, client) -> None:
    """Autosave, upload and tracking answer as usual."""
    token = start_draft(client)
    assert client.post(f"/nop-ho-so/nhap/{token}/luu", headers=JSON,
                       data={"_revision": "0", "nyc_ho_ten": "Lan"}).status_code == 200
    assert upload(client, token, component_ids(app, "1.004873")[0]).status_code < 400
    assert client.post("/tra-cuu", data={"ma": "000.01.99.H49-250715-0001",
                                         "xac-minh": "0000"}).status_code == 422


@pytest.mark.usefixtures("limiter_state")
def test_with_redis_unreachable_limits_count_in_memory_and_nothing_fails(request, tmp_path,
                                                                         caplog):
    app = _limited_app(request, tmp_path, f"redis://127.0.0.1:{_closed_port()}/0")
    client = app.test_client()
    logger = logging.getLogger("flask-limiter")  # routed to the portal's handlers, not the root
    logger.addHandler(caplog.handler)
    try:
        _quick(client)  # the request that finds Redis gone
        statuses = [login(client, "congdan@demo.local").status_code for _ in range(4)]
    finally:
        logger.removeHandler(caplog.handler)
    assert statuses == [303, 303, 303, 429]  # still limited, by this process's counters
    assert any("falling back to in-memory" in r.getMessage() for r in caplog.records)
    _citizen_paths_work(app, client)
    health = app.test_client().get("/healthz")
    assert health.status_code == 200 and health.get_json()["status"] == "degraded"


@pytest.mark.usefixtures("limiter_state")
def test_a_redis_that_hangs_costs_one_short_wait(request, tmp_path):
    """A Redis host that accepts connections but never answers (frozen, overloaded)."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        app = _limited_app(request, tmp_path, f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        client = app.test_client()
        _quick(client)  # waits REDIS_TIMEOUT once (redis-py's default: 5 s), then memory
        _quick(client)
        assert [login(client, "congdan@demo.local").status_code for _ in range(4)] == \
            [303, 303, 303, 429]


@pytest.mark.usefixtures("limiter_state")
def test_redis_killed_mid_run_falls_back_to_memory_then_back_to_redis(request, tmp_path):
    import redis

    require(redisserver.unavailable_reason())
    with redisserver.RedisServer() as server:
        app = _limited_app(request, tmp_path, server.url)
        client = app.test_client()
        assert login(client, "congdan@demo.local").status_code == 303
        counters = redis.Redis(port=server.port)
        assert counters.keys("LIMITS*")  # counted in Redis while it runs
        server.kill()
        _quick(client)  # the request that finds Redis gone
        statuses = [login(client, "congdan@demo.local").status_code for _ in range(4)]
        assert statuses == [303, 303, 303, 429]  # a fresh count, in memory
        _citizen_paths_work(app, client)
        server.start()  # the same port, empty
        deadline = time.monotonic() + 40
        while not counters.keys("LIMITS*") and time.monotonic() < deadline:
            assert client.get("/thong-ke").status_code == 200  # a limited GET
            time.sleep(0.2)
        assert counters.keys("LIMITS*"), "counting never went back to Redis"
