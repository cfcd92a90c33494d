"""Page views per page and day without personal data, the access report, rotating logs
(TT22-PL3-14)."""
from __future__ import annotations

import csv
import io
import json
import logging
import re
import threading
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, delete, inspect, select

from portal.cache import CACHEABLE
from portal.extensions import db
from portal.logs import SharedRotatingFileHandler
from portal.models import PageView
from portal.services import access_stats, workdays
from tests.conftest import login, make_app

IP, FORWARDED = "203.0.113.9", "198.51.100.77"
AGENT = "Mozilla/5.0 (DistinctiveAgent zqxj-4711)"
COOKIE = "tracking-secret-c00kie"


def _flush(app) -> int:
    return access_stats.counter_of(app).flush()


def _views(session) -> dict[tuple[date, str], int]:
    session.rollback()  # end the read snapshot: see what the flush committed
    return {(day, path): views for day, path, views in session.execute(
        select(PageView.day, PageView.path, PageView.views))}


def _by_path(session) -> dict[str, int]:
    totals: dict[str, int] = {}
    for (_day, path), views in _views(session).items():
        totals[path] = totals.get(path, 0) + views
    return totals


def _today(app) -> date:
    with app.app_context():
        return workdays.calendar().today()


# --- Counting -----------------------------------------------------------------------------


def test_views_are_counted_per_page_and_day_cached_pages_included(
        app, client, demo, session, count_queries):
    assert client.get("/thu-tuc/1.001193").status_code == 200  # rendered, then cached
    with count_queries() as counter:
        for _ in range(2):
            assert client.get("/thu-tuc/1.001193").status_code == 200
    assert counter["n"] <= 4  # two content-version checks: from the cache, counted freely
    client.get("/huong-dan/")
    assert _views(session) == {}  # nothing written before a flush
    assert _flush(app) == 4
    today = _today(app)
    assert _views(session) == {(today, "/thu-tuc/1.001193"): 3, (today, "/huong-dan/"): 1}
    client.get("/thu-tuc/1.001193")
    client.get("/thu-tuc/1.001193?tab=ho-so&utm_source=zalo")  # same page: no query string
    _flush(app)
    assert _views(session)[today, "/thu-tuc/1.001193"] == 5


def test_what_is_not_a_page_view(app, client, demo, session):
    first = client.get("/thu-tuc/1.001193")
    _flush(app)
    session.execute(delete(PageView))
    session.commit()
    skipped = [
        client.get("/static/css/portal.css"), client.get("/robots.txt"),
        client.get("/sitemap.xml"), client.get("/healthz"), client.get("/thu-tuc/khong-co"),
        client.get("/thu-tuc/?linh-vuc=ho-tich", headers={"HX-Request": "true"}),
        client.get("/thu-tuc/", headers={"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; "
                                                       "+http://www.google.com/bot.html)"}),
        client.get("/", headers={"User-Agent": "coccocbot-web/1.0"}),
        client.head("/thu-tuc/"),
        client.post("/tai-khoan/quen-mat-khau", data={"identifier": "khongco@example.vn"}),
    ]
    statuses = [response.status_code for response in skipped]
    assert statuses[:5] == [200, 200, 200, 200, 404]
    assert skipped[-1].status_code == 200 and skipped[-1].mimetype == "text/html"
    for response in skipped:
        response.close()
    _flush(app)
    assert _views(session) == {}
    # A boosted navigation, a phone whose name ends in "bot", and a returning visitor whose
    # browser revalidates the page it kept (304) are page views.
    client.get("/thu-tuc/", headers={"HX-Request": "true", "HX-Boosted": "true"})
    client.get("/hoi-dap/", headers={"User-Agent": "Mozilla/5.0 (Linux; Android 11; CUBOT X30)"})
    again = client.get("/thu-tuc/1.001193", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    _flush(app)
    assert _by_path(session) == {"/thu-tuc/": 1, "/hoi-dap/": 1, "/thu-tuc/1.001193": 1}


def test_free_form_routes_are_counted_by_their_pattern(app):
    def key(path: str) -> str:
        with app.test_request_context(path):
            from flask import request

            return access_stats.counted_path(request)

    assert key("/ho-so/000.01.99.H49-250715-0001") == "/ho-so/<code>"
    assert key("/nop-ho-so/nhap/s3cret-draft-link") == "/nop-ho-so/nhap/<token>"
    assert key("/tai-khoan/dat-lai-mat-khau/s3cret") == "/tai-khoan/dat-lai-mat-khau/<token>"
    assert key("/thu-tuc/1.001193") == "/thu-tuc/1.001193"
    assert key("/huong-dan/" + "a" * 300) == ("/huong-dan/" + "a" * 300)[:255]
    # Pages answered by the cache are counted by their real path: none may be free-form.
    for rule in app.url_map.iter_rules():
        if rule.endpoint in CACHEABLE and rule.arguments:
            assert rule.endpoint in access_stats.REAL_PATH_ENDPOINTS, rule


def test_nothing_about_the_visitor_is_stored(app, client, demo, session):
    headers = {"X-Forwarded-For": FORWARDED, "User-Agent": AGENT, "X-Request-ID": "visitor-42x"}
    client.set_cookie("theo-doi", COOKIE)
    for path in ("/", "/thu-tuc/1.001193", "/thu-tuc/1.001193", "/huong-dan/"):
        client.get(path, headers=headers, environ_base={"REMOTE_ADDR": IP})
    login(client, "congdan@demo.local")
    assert client.get("/ho-so", headers=headers).status_code == 200
    pending = access_stats.counter_of(app).pending()
    assert all(isinstance(day, date) and isinstance(path, str) for day, path in pending)
    _flush(app)
    columns = {column["name"] for column in inspect(session.get_bind()).get_columns("page_view")}
    assert columns == {"day", "path", "views"}
    session.rollback()
    rows = session.execute(select(*PageView.__table__.columns)).all()
    assert rows and {row.path for row in rows} >= {"/", "/thu-tuc/1.001193", "/ho-so"}
    stored = json.dumps([[str(value) for value in row] for row in rows])
    for personal in (IP, FORWARDED, "zqxj", "DistinctiveAgent", COOKIE, "visitor-42x",
                     "congdan", "demo.local", "Nguyễn"):
        assert personal not in stored


def test_concurrent_flushes_add_up(app, session):
    with app.app_context():
        engine = db.engine
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    day = date(2026, 3, 2)
    session.add(PageView(day=day, path="/", views=10))
    session.commit()
    workers = [access_stats.PageViewCounter(engine, zone) for _ in range(2)]
    barrier = threading.Barrier(2)
    written: list[int] = []

    def work(counter: access_stats.PageViewCounter, own: str) -> None:
        for _round in range(5):
            for _ in range(7):
                counter.add("/", day)
                counter.add("/thu-tuc/", day)
            counter.add(own, day)
            barrier.wait()
            written.append(counter.flush())

    threads = [threading.Thread(target=work, args=(counter, f"/rieng-{n}"))
               for n, counter in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert written == [15] * 10
    assert _by_path(session) == {"/": 10 + 70, "/thu-tuc/": 70, "/rieng-0": 5, "/rieng-1": 5}


def test_a_full_or_old_buffer_asks_for_a_flush_and_a_failed_one_keeps_the_counts(tmp_path):
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    counter = access_stats.PageViewCounter(create_engine("sqlite://"), zone, flush_keys=3)
    assert [counter.add(path) for path in ("/a", "/b", "/a", "/c")] == [False, False, False, True]
    broken = create_engine(f"sqlite:///{tmp_path / 'missing' / 'x.sqlite3'}")
    failing = access_stats.PageViewCounter(broken, zone, flush_keys=1)
    assert failing.add("/a") is True
    assert failing.flush() == 0 and sum(failing.pending().values()) == 1
    assert failing.add("/a") is False  # not again at once: it waits before trying again
    assert sum(failing.pending().values()) == 2
    broken.dispose()


def test_a_due_flush_is_written_once_the_page_is_sent(app, client, demo, session):
    access_stats.counter_of(app).flush_keys = 1
    client.get("/hoi-dap/").close()  # no flush asked for: the full buffer is written
    assert _by_path(session) == {"/hoi-dap/": 1}
    cached = client.get("/hoi-dap/")  # from the page cache
    cached.close()
    assert _by_path(session) == {"/hoi-dap/": 2}


def test_the_periodic_task_writes_the_views(app, client, demo, session):
    client.get("/hoi-dap/")
    with app.app_context():
        assert access_stats.flush_page_views(db.session) == 1
    assert _by_path(session) == {"/hoi-dap/": 1}


# --- The report ---------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["congdan@demo.local", "bientap@demo.local"])
def test_only_administrators_read_the_access_report(client, demo, email):
    assert client.get("/quan-tri/truy-cap").status_code == 303  # to the login page
    login(client, email)
    assert client.get("/quan-tri/truy-cap").status_code == 403
    assert client.get("/quan-tri/truy-cap?dinh-dang=csv").status_code == 403


@pytest.fixture
def seeded_views(app, session):
    today = _today(app)
    rows = {(today - timedelta(days=40), "/"): 100, (today - timedelta(days=10), "/"): 5,
            (today - timedelta(days=10), "/thu-tuc/1.001193"): 7,
            (today - timedelta(days=2), "/thu-tuc/1.001193"): 3,
            (today - timedelta(days=2), "/huong-dan/"): 2}
    session.add_all(PageView(day=day, path=path, views=views)
                    for (day, path), views in rows.items())
    session.commit()
    return today


def test_the_report_adds_up_a_period(client, demo, seeded_views):
    today = seeded_views
    login(client, "quantri@demo.local")
    assert "/quan-tri/truy-cap" in client.get("/quan-tri/").get_data(as_text=True)
    start, end = today - timedelta(days=10), today - timedelta(days=1)
    response = client.get(f"/quan-tri/truy-cap?tu={start}&den={end}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="traffic-total">17<' in html
    assert html.index("/thu-tuc/1.001193</code>") < html.index("<code>/</code>") \
        < html.index("/huong-dan/</code>")  # most viewed first: 10, 5, 2
    assert f"{start:%d/%m/%Y}" in html and "<svg" in html and 'role="img"' in html
    assert "style=" not in html and "<script>" not in html
    # The default period is the last 30 days: the view of 40 days ago is outside it.
    html = client.get("/quan-tri/truy-cap").get_data(as_text=True)
    total = int(re.search(r'id="traffic-total">(\d+)<', html).group(1))
    assert 17 <= total < 100  # with today's visits to the administration pages
    fragment = client.get(f"/quan-tri/truy-cap?tu={start}&den={end}",
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'id="traffic-total">17<' in fragment
    long = client.get(f"/quan-tri/truy-cap?tu={today - timedelta(days=90)}&den={end}")
    assert long.status_code == 200 and "Tháng" in long.get_data(as_text=True)
    assert 'id="traffic-total">117<' in long.get_data(as_text=True)


def test_the_report_downloads_as_csv(client, demo, seeded_views):
    today = seeded_views
    login(client, "quantri@demo.local")
    start, end = today - timedelta(days=10), today - timedelta(days=1)
    response = client.get(f"/quan-tri/truy-cap?tu={end}&den={start}&dinh-dang=csv")  # reversed
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows == [["day", "path", "views"],
                    [str(start), "/thu-tuc/1.001193", "7"], [str(start), "/", "5"],
                    [str(today - timedelta(days=2)), "/thu-tuc/1.001193", "3"],
                    [str(today - timedelta(days=2)), "/huong-dan/", "2"]]


# --- Logs ---------------------------------------------------------------------------------


@pytest.fixture
def restore_logging():
    yield
    for logger in (logging.getLogger("portal"),):
        for handler in list(logger.handlers):
            if isinstance(handler, SharedRotatingFileHandler):
                logger.removeHandler(handler)
                handler.close()


def test_logs_rotate_as_json_lines_without_client_data(request, tmp_path, restore_logging):
    app = make_app("sqlite", request, tmp_path, LOG_REQUESTS=True, LOG_FILE="logs/portal.log",
                   LOG_FILE_MAX_BYTES=700, LOG_FILE_BACKUPS=3)
    client = app.test_client()
    client.set_cookie("theo-doi", COOKIE)
    headers = {"X-Forwarded-For": FORWARDED, "User-Agent": AGENT, "X-Request-ID": IP,
               "Authorization": "Bearer s3cret-bearer"}
    for n in range(12):
        client.get(f"/healthz?so-can-cuoc=00109901234{n % 10}", headers=headers,
                   environ_base={"REMOTE_ADDR": IP})
    client.get("/tai-khoan/dat-lai-mat-khau/s3cret-reset-link", headers=headers)
    app.logger.warning("application line")
    folder = Path(app.instance_path) / "logs"
    files = sorted(folder.glob("portal.log*"))
    names = {f.name for f in files}
    assert {"portal.log", "portal.log.1", "portal.log.3"} <= names
    assert "portal.log.4" not in names
    lines = [json.loads(line) for f in files if not f.name.endswith(".lock")
             for line in f.read_text(encoding="utf-8").splitlines()]
    assert all(f.stat().st_size <= 700 for f in files)
    assert {line["logger"] for line in lines} == {"portal", "portal.request"}
    requests = [line for line in lines if line["logger"] == "portal.request"]
    reset = [line for line in requests if line["endpoint"] == "account.reset_password"]
    assert reset[0]["path"] == "/tai-khoan/dat-lai-mat-khau/<token>"
    assert all(len(line["request_id"]) == 32 for line in requests)  # the IP was not kept
    raw = "".join(f.read_text(encoding="utf-8") for f in files)
    # (The query's name has letters no hexadecimal request id can hold: "cccd" could.)
    for secret in (IP, FORWARDED, "0010990123", "so-can-cuoc", COOKIE, "zqxj", "s3cret",
                   "Set-Cookie", "Authorization", "Bearer"):
        assert secret not in raw


def test_processes_sharing_a_log_file_lose_no_line(tmp_path):
    path = str(tmp_path / "shared.log")
    writers = [SharedRotatingFileHandler(path, 400, 100) for _ in range(2)]  # two processes
    for handler in writers:
        handler.setFormatter(logging.Formatter("%(message)s"))
    for n in range(60):
        writers[n % 2].emit(logging.makeLogRecord({"msg": json.dumps({"n": n, "pad": "x" * 40})}))
    for handler in writers:
        handler.close()
    files = [f for f in tmp_path.glob("shared.log*") if not f.name.endswith(".lock")]
    assert len(files) > 3 and all(f.stat().st_size <= 400 for f in files)
    numbers = sorted(json.loads(line)["n"] for f in files
                     for line in f.read_text(encoding="utf-8").splitlines())
    assert numbers == list(range(60))
