"""Shared pieces of the benchmarks: seeded databases, a generated catalogue, servers."""
from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("cấp", "đổi", "gia hạn", "xác nhận", "đăng ký", "thay đổi", "bổ sung", "hỗ trợ",
         "giấy phép", "chứng nhận", "hộ tịch", "đất đai", "xây dựng", "kinh doanh", "nuôi trồng",
         "thủy sản", "lâm nghiệp", "giáo dục", "y tế", "văn hóa", "thể thao", "du lịch",
         "môi trường", "tài nguyên", "nước", "giao thông", "đường bộ", "công thương", "lao động",
         "việc làm", "người có công", "bảo trợ", "trẻ em", "gia đình", "dân tộc", "tôn giáo")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_instance(folder: Path, extra_procedures: int = 0) -> Path:
    """Migrate and seed the demo into ``folder``; add generated procedures if asked."""
    from portal import create_app
    from portal.extensions import alembic, db
    from portal.services import demo
    from portal.services.catalog_io import import_procedures

    app = create_app({"INSTANCE_PATH": str(folder), "DEMO_MODE": True, "LOG_REQUESTS": False})
    with app.app_context():
        alembic.upgrade()
        demo.seed(db.session)
        db.session.commit()
        if extra_procedures:
            report = import_procedures(db.session, generated_records(extra_procedures),
                                       publish=True)
            assert report.ok, report.failed[:3]
            db.session.commit()
        for engine in db.engines.values():
            engine.dispose()
    return folder


def generated_records(count: int, seed: int = 7) -> list[dict]:
    """``count`` varied procedures built from the demo records (codes 9.000000 …)."""
    rng = random.Random(seed)
    base = json.loads((ROOT / "portal" / "data" / "demo" / "procedures.json").read_text("utf-8"))
    records = []
    for i in range(count):
        record = dict(base[i % len(base)])
        record["code"] = f"9.{i:06d}"
        record["name"] = f"{record['name']} – {' '.join(rng.sample(WORDS, 3))} ({i})"
        records.append(record)
    return records


@contextmanager
def live_app(instance: Path):
    """The portal served by Werkzeug in a thread (for browser measurements)."""
    import logging

    from portal import create_app
    from tests.live import serve

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_app({"INSTANCE_PATH": str(instance), "LOG_REQUESTS": False, "DEMO_MODE": True})
    with serve(app) as url:
        yield url


@contextmanager
def gunicorn(app_spec: str, instance: Path | None = None, workers: int = 2,
             env: dict[str, str] | None = None):
    """Serve ``app_spec`` with gunicorn (project settings, ``workers`` workers); ``env``
    adds settings (``PORTAL_*``)."""
    port = free_port()
    env = dict(os.environ, PORTAL_BIND=f"127.0.0.1:{port}", PORTAL_WORKERS=str(workers),
               PORTAL_LOG_REQUESTS="false", PYTHONPATH=str(ROOT),
               # The instances hold the demo data and accounts, which only demo mode serves.
               PORTAL_DEMO_MODE="true", **(env or {}))
    if instance:
        env["PORTAL_INSTANCE_PATH"] = str(instance)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
         "--error-logfile", "/dev/null", app_spec],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        yield url, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def worker_rss_mb(master_pid: int) -> list[float]:
    """Resident memory of each gunicorn worker (children of the master), in MB."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        kb = next(int(line.split()[1]) for line in status.splitlines()
                  if line.startswith("VmRSS:"))
        sizes.append(kb / 1024)
    return sizes


@contextmanager
def postgresql_demo_app(workdir: Path, make_app):
    """A throw-away PostgreSQL database, migrated and seeded with the demo authority, and
    ``make_app(instance, url)`` on it; None when no server is configured
    (``PORTAL_BENCH_DATABASE_URL`` or ``PORTAL_TEST_DATABASE_URL``). Dropped afterwards."""
    server = os.environ.get("PORTAL_BENCH_DATABASE_URL") or os.environ.get(
        "PORTAL_TEST_DATABASE_URL")
    if not server:
        yield None
        return
    import uuid

    from sqlalchemy import create_engine, make_url

    from portal.extensions import alembic, db
    from portal.services import demo

    name = f"portal_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    instance = workdir / "pg-instance"
    instance.mkdir()
    try:
        app = make_app(instance, make_url(server).set(database=name).render_as_string(
            hide_password=False))
        with app.app_context():
            alembic.upgrade()
            demo.seed(db.session)
            db.session.commit()
        yield app
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
