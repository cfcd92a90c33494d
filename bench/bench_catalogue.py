"""A small server must be enough: set-up time, page latency and memory of one worker."""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

# A serving worker in its own process: build the app, answer requests, report peak memory.
WORKER = """
import json, re, sys
from portal import create_app
app = create_app({"INSTANCE_PATH": sys.argv[1], "LOG_REQUESTS": False})
client = app.test_client()
for _ in range(200):
    assert client.get("/").status_code == 200
# VmHWM is the peak resident set of this process image (getrusage would report the peak of
# the parent, inherited through fork).
status = open("/proc/self/status").read()
print(json.dumps({"rss_mb": int(re.search(r"VmHWM:\\s+(\\d+)", status).group(1)) / 1024}))
"""

#: Upper bounds (ms, MB, s). Pages must stay well inside TT22/23-PERF's 3 s first paint on 3G.
TARGETS = {
    "reference_load_s": 15.0,
    "demo_seed_s": 5.0,
    "home_cached_p50_ms": 2.0,
    "home_p50_ms": 25.0,
    "home_p90_ms": 50.0,
    "healthz_p50_ms": 5.0,
    "worker_rss_mb": 150.0,
}


def _latencies(client, path: str, n: int = 200) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return sorted(samples)


def run(workdir: Path) -> dict[str, float]:
    """Migrate, load, seed and serve the demo catalogue from a fresh SQLite database."""
    from portal import create_app
    from portal.extensions import alembic, db
    from portal.services import demo, reference

    app = create_app({"INSTANCE_PATH": str(workdir), "DEMO_MODE": True, "LOG_REQUESTS": False})
    results: dict[str, float] = {}
    with app.app_context():
        alembic.upgrade()
        started = time.perf_counter()
        reference.load_all(db.session)
        db.session.commit()
        results["reference_load_s"] = time.perf_counter() - started
        started = time.perf_counter()
        demo.seed(db.session)
        db.session.commit()
        results["demo_seed_s"] = time.perf_counter() - started
    client = app.test_client()
    _latencies(client, "/", 20)  # warm up templates and caches
    home = _latencies(client, "/")
    results["home_cached_p50_ms"] = statistics.median(home)
    # The same page rendered every time (page cache off): the work behind a cache miss.
    uncached = create_app({"INSTANCE_PATH": str(workdir), "LOG_REQUESTS": False,
                           "PAGE_CACHE_ENTRIES": 0}).test_client()
    _latencies(uncached, "/", 20)
    home = _latencies(uncached, "/")
    results["home_p50_ms"] = statistics.median(home)
    results["home_p90_ms"] = home[int(len(home) * 0.9)]
    results["healthz_p50_ms"] = statistics.median(_latencies(client, "/healthz"))
    worker = subprocess.run([sys.executable, "-c", WORKER, str(workdir)], check=True,
                            capture_output=True, text=True)
    results["worker_rss_mb"] = json.loads(worker.stdout.splitlines()[-1])["rss_mb"]
    return results
