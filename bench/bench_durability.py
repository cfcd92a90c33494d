"""Durability under load and failure: 40 citizens typing for 3 minutes (issue 13).

Each simulated citizen behaves as ``autosave.js`` does: one draft, one request at a time,
the field being typed sent every 0.5–1.5 s with the revision of the last answer; now and
then "Lưu nháp" pressed in the same moment as an autosave (the section sent with the
revision the page had), and a paper uploaded. A 409 is answered as the person would ("giữ
nội dung của tôi": the value again, on the revision the server named); a 5xx or a broken
connection is retried after a second, as the script does offline. Meanwhile:

* every 45 s one gunicorn worker is killed with SIGKILL (gunicorn starts another);
* PostgreSQL only: the database server is restarted once, in a throw-away cluster the
  benchmark starts itself (``tests/support/pgcluster.py``), never the machine's server.

At the end every draft is read back: an acknowledged value that is not the stored one (the
last acknowledged value of each field) is a lost save, an acknowledged upload that is not
attached is a lost upload. Printed per backend: acknowledged saves, lost saves and uploads,
5xx answers (outside the restart window, where 503 with ``Retry-After`` is the answer),
connection failures (requests on a killed worker), and the longest error window.

The default install is measured: gunicorn with 3 workers of 4 threads, SQLite in WAL mode,
then the same on PostgreSQL. Rate limits are off (every citizen comes from 127.0.0.1).
``PORTAL_BENCH_DURATION`` (seconds) and ``PORTAL_BENCH_CITIZENS`` shorten a trial run.

A second measurement, ``sqlite_typists_2_cores``, is the number of people typing at once
(one save a second each) that the SQLite install serves on this machine with the autosave's
95th percentile under 300 ms and no error: steps of 40 more for 20 s each.
"""
from __future__ import annotations

import os
import random
import re
import signal
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.support import build_instance, gunicorn
from tests.live import Client, Reply

TARGETS = {"sqlite_lost": 0, "sqlite_5xx": 0, "pg_lost": 0, "pg_5xx_outside_restart": 0,
           "pg_error_window_s": 2.0, "sqlite_typists_2_cores": (">=", 40)}
CODE = "1.001193"
FIELDS = ("nyc_ho_ten", "ks_ho_ten", "ks_que_quan")
WORKERS = 3
KILL_EVERY = 45.0
CAPACITY_P95_MS = 300.0
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n")


def _settings() -> tuple[float, int]:
    return (float(os.environ.get("PORTAL_BENCH_DURATION", 180)),
            int(os.environ.get("PORTAL_BENCH_CITIZENS", 40)))


@dataclass
class Tally:
    """What all citizens saw: answers by status, error moments, latencies."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[tuple[float, int]] = field(default_factory=list)  # (moment, status or 0)
    latencies: list[float] = field(default_factory=list)

    def add(self, status: int, started: float, elapsed: float) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status >= 500 or status == 0:
                self.errors.append((started, status))
            elif status < 400:
                self.latencies.append(elapsed * 1000)


class Citizen:
    """One person, one browser, one draft: requests one at a time, as the script sends."""

    def __init__(self, url: str, tally: Tally, rng: random.Random) -> None:
        self.client = Client(url, timeout=60)
        self.tally, self.rng = tally, rng
        self.acknowledged: dict[str, str] = {}
        self.uploads: set[str] = set()
        self.saves = 0
        page = self._until_answered("GET", f"/nop-ho-so/{CODE}")
        csrf = _csrf(page.text)
        start = self._until_answered("POST", f"/nop-ho-so/{CODE}", {"csrf_token": csrf})
        self.path = start.headers["Location"].split("?")[0]
        self.path = self.path[self.path.index("/nop-ho-so"):]
        page = self._until_answered("GET", self.path)
        self.csrf, self.revision = _csrf(page.text), _revision(page.text)
        papers = self._until_answered("GET", self.path + "/giay-to").text
        self.component = re.search(r"/giay-to/(\d+)\"", papers).group(1)

    def _request(self, method: str, path: str, data=None, files=None) -> Reply:
        started = time.monotonic()
        try:
            reply = self.client.request(method, path, data=data, files=files,
                                        headers={"Accept": "application/json"}
                                        if path.endswith("/luu") else None)
        except OSError:  # the worker holding the connection was killed
            reply = Reply(0, {}, b"")
        self.tally.add(reply.status, started, time.monotonic() - started)
        return reply

    def _until_answered(self, method: str, path: str, data=None, files=None) -> Reply:
        while True:
            reply = self._request(method, path, data, files)
            if reply.status and reply.status < 500:
                return reply
            time.sleep(1.0)

    def autosave(self, name: str, value: str) -> None:
        """Send one field until the portal acknowledges it, as the script does."""
        while True:
            reply = self._until_answered("POST", self.path + "/luu", {
                "csrf_token": self.csrf, "_revision": self.revision, name: value})
            if reply.status == 200:
                self.revision = str(reply.json()["revision"])
                self.acknowledged[name] = value
                self.saves += 1
                return
            if reply.status == 409:  # "giữ nội dung của tôi"
                self.revision = str(reply.json()["revision"])
                continue
            raise RuntimeError(f"autosave answered {reply.status}: {reply.text[:200]}")

    def save_section(self, value: str) -> None:
        """"Lưu nháp" pressed while an autosave of the same value is on its way."""
        data = {"csrf_token": self.csrf, "_revision": self.revision, "action": "luu-nhap",
                "nyc_ho_ten": value}
        other = threading.Thread(target=self.autosave, args=("nyc_ho_ten", value))
        other.start()
        reply = self._until_answered("POST", self.path + "?phan=nguoi-yeu-cau", data)
        other.join()
        if reply.status != 303:
            raise RuntimeError(f"section answered {reply.status}: {reply.text[:300]}")
        self.acknowledged["nyc_ho_ten"] = value

    def upload(self, n: int) -> None:
        content = PDF + f"%{id(self)}-{n}\n%%EOF\n".encode()
        name = f"giay-{n}.pdf"
        reply = self._until_answered("POST", f"{self.path}/giay-to/{self.component}",
                                     {"csrf_token": self.csrf},
                                     {"tep": (name, content, "application/pdf")})
        if reply.status in (200, 303):
            self.uploads.add(name)

    def type_until(self, stop: float) -> None:
        n = 0
        while time.monotonic() < stop:
            n += 1
            name = self.rng.choice(FIELDS)
            value = f"Nguyễn Thị Minh {n} {self.rng.randrange(10**6)}"
            roll = self.rng.random()
            if roll < 0.04:
                self.save_section(value)
            elif roll < 0.07 and len(self.uploads) < 4:
                self.upload(n)
            else:
                self.autosave(name, value)
            time.sleep(self.rng.uniform(0.5, 1.5))


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _revision(html: str) -> str:
    return re.search(r'name="_revision" value="(\d+)"', html).group(1)


# --- Failures -----------------------------------------------------------------------------

def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def _killer(master: int, stop: float, killed: list[float]) -> None:
    """SIGKILL one worker every ``KILL_EVERY`` seconds."""
    while time.monotonic() + KILL_EVERY < stop:
        time.sleep(KILL_EVERY)
        workers = _workers(master)
        if workers:
            os.kill(random.choice(workers), signal.SIGKILL)
            killed.append(time.monotonic())


# --- One run ------------------------------------------------------------------------------

def _load(url: str, master: int, duration: float, count: int, restart=None) -> tuple:
    tally = Tally()
    rng = random.Random(13)
    citizens = [Citizen(url, tally, random.Random(rng.random())) for _ in range(count)]
    tally.statuses.clear()
    tally.errors.clear()
    stop = time.monotonic() + duration
    killed: list[float] = []
    threads = [threading.Thread(target=c.type_until, args=(stop,)) for c in citizens]
    threads.append(threading.Thread(target=_killer, args=(master, stop, killed)))
    restarted: list[tuple[float, float]] = []
    if restart is not None:
        threads.append(threading.Thread(target=restart, args=(stop, restarted)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return citizens, tally, killed, restarted


def _lost(citizens: list[Citizen], read_back) -> tuple[int, int, int]:
    """(acknowledged saves, lost saves, lost uploads), from the stored drafts."""
    lost_saves = lost_uploads = 0
    for citizen in citizens:
        data, files = read_back(citizen.path.rsplit("/", 1)[-1])
        lost_saves += sum(1 for name, value in citizen.acknowledged.items()
                          if data.get(name) != value)
        lost_uploads += len(citizen.uploads - files)
    return sum(c.saves for c in citizens), lost_saves, lost_uploads


def _read_back(app):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import Attachment
    from portal.services import drafts

    def read(token: str) -> tuple[dict, set[str]]:
        with app.app_context():
            draft = drafts.find(db.session, token)
            names = set(db.session.scalars(select(Attachment.filename).where(
                Attachment.draft_id == draft.id)))
            return dict(draft.data), names

    return read


def _longest_window(errors: list[tuple[float, int]], gap: float = 1.0) -> float:
    """The longest run of failed requests with less than ``gap`` seconds between them."""
    moments = sorted(moment for moment, _status in errors)
    longest, start, last = 0.0, None, None
    for moment in moments:
        if last is None or moment - last > gap:
            start = moment
        last = moment
        longest = max(longest, last - start)
    return longest


def _report(prefix: str, citizens, tally: Tally, app, killed) -> dict[str, float]:
    saves, lost, lost_uploads = _lost(citizens, _read_back(app))
    fivexx = sum(n for status, n in tally.statuses.items() if status >= 500)
    print(f"  {prefix}: answers {dict(sorted(tally.statuses.items()))}, "
          f"{len(killed)} workers killed, {saves} saves acknowledged", flush=True)
    return {f"{prefix}_saves": saves, f"{prefix}_lost": lost + lost_uploads,
            f"{prefix}_5xx": fivexx, f"{prefix}_connection_failures":
            tally.statuses.get(0, 0),
            f"{prefix}_error_window_s": _longest_window(tally.errors),
            f"{prefix}_p95_ms": _p95(tally.latencies)}


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) > 20 else 0.0


def _app(instance: Path, url: str | None = None):
    from portal import create_app

    config = {"INSTANCE_PATH": str(instance), "LOG_REQUESTS": False, "DEMO_MODE": True}
    if url:
        config["DATABASE_URL"] = url
    return create_app(config)


ENV = {"PORTAL_RATELIMIT_ENABLED": "false", "PORTAL_THREADS": "4"}


def _sqlite(workdir: Path, duration: float, count: int) -> dict[str, float]:
    instance = build_instance(workdir / "sqlite")
    with gunicorn("wsgi:app", instance, workers=WORKERS, env=ENV) as (url, master):
        citizens, tally, killed, _ = _load(url, master, duration, count)
    return _report("sqlite", citizens, tally, _app(instance), killed)


def _postgresql(workdir: Path, duration: float, count: int) -> dict[str, float]:
    from tests.support.pgcluster import PgCluster, unavailable_reason

    if unavailable_reason():
        print(f"  PostgreSQL part skipped: {unavailable_reason()}")
        return {}
    with PgCluster(durable=False) as cluster:
        url = cluster.create_database("portal")
        instance = workdir / "pg"
        instance.mkdir()
        _seed(instance, url)

        def restart(stop: float, restarted: list) -> None:
            time.sleep(min(100.0, duration / 2))
            began = time.monotonic()
            cluster.restart(mode="fast")
            restarted.append((began, time.monotonic()))

        env = {**ENV, "PORTAL_DATABASE_URL": url}
        with gunicorn("wsgi:app", instance, workers=WORKERS, env=env) as (base, master):
            citizens, tally, killed, restarted = _load(base, master, duration, count, restart)
        results = _report("pg", citizens, tally, _app(instance, url), killed)
    results.update(_restart_figures(tally, restarted))
    return results


def _restart_figures(tally: Tally, restarted: list[tuple[float, float]]) -> dict[str, float]:
    """5xx outside the restart window (which ends 2 s after the server is back), and the
    error window around the restart."""
    if not restarted:
        return {}
    began, back = restarted[0]
    inside = [(m, s) for m, s in tally.errors if began - 0.5 <= m <= back + 2.0]
    outside = [s for m, s in tally.errors if not began - 0.5 <= m <= back + 2.0 and s >= 500]
    return {"pg_5xx_outside_restart": len(outside),
            "pg_restart_errors": len(inside),
            "pg_error_window_s": _longest_window(inside)}


def _seed(instance: Path, url: str) -> None:
    from portal.extensions import alembic, db
    from portal.services import demo

    app = _app(instance, url)
    with app.app_context():
        alembic.upgrade()
        demo.seed(db.session)
        db.session.commit()
        for engine in db.engines.values():
            engine.dispose()


def _capacity(workdir: Path) -> float:
    """The most people typing at once (a save a second each) the SQLite install serves with
    the 95th percentile under ``CAPACITY_P95_MS`` and no error."""
    instance = build_instance(workdir / "capacity")
    served = 0
    with gunicorn("wsgi:app", instance, workers=WORKERS, env=ENV) as (url, _master):
        for count in range(40, 401, 40):
            tally = Tally()
            citizens = [Citizen(url, tally, random.Random(n)) for n in range(count)]
            tally.latencies.clear()
            tally.errors.clear()
            stop = time.monotonic() + 20
            threads = [threading.Thread(target=_steady, args=(c, stop)) for c in citizens]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            p95 = _p95(tally.latencies)
            print(f"  {count} typists: p95 {p95:.0f} ms, {len(tally.errors)} errors", flush=True)
            if tally.errors or p95 > CAPACITY_P95_MS:
                break
            served = count
    return served


def _steady(citizen: Citizen, stop: float) -> None:
    n = 0
    time.sleep(citizen.rng.uniform(0, 1))
    while time.monotonic() < stop:
        n += 1
        citizen.autosave("nyc_ho_ten", f"Người gõ {n}")
        time.sleep(1.0)


def run(workdir: Path) -> dict[str, float]:
    duration, count = _settings()
    results = _sqlite(workdir, duration, count)
    results.update(_postgresql(workdir, duration, count))
    results["sqlite_typists_2_cores"] = _capacity(workdir)
    return results
