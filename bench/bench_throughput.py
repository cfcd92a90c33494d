"""Throughput under gunicorn (2 workers) with 5,000 generated procedures, against bare Flask.

Measured with ``wrk`` (Debian package ``wrk``) from this machine, so client and server share
its cores; both apps are measured the same way in the same run (8 connections, gzip accepted),
and the ratio is the target. Search latency is measured with one connection (no queueing).
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from bench.support import build_instance, gunicorn, worker_rss_mb

TARGETS = {
    "procedure_vs_bare_pct": (">=", 50.0),
    "search_p95_ms": 50.0,
    "worker_rss_max_mb": 150.0,
}
DURATION = "10s"
# wrk prints latency percentiles 50/75/90/99; this script adds the 95th.
P95_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("p95_us %d\\n", latency:percentile(95.0)))
end
"""


def _wrk(url: str, script: Path, connections: int = 8) -> tuple[float, float]:
    """Requests per second and 95th-percentile latency (ms) of ``url``."""
    output = subprocess.run(
        ["wrk", f"-t{min(2, connections)}", f"-c{connections}", "-d", DURATION, "-s", str(script),
         "-H", "Accept-Encoding: gzip", url],
        capture_output=True, text=True, check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p95 = int(re.search(r"p95_us (\d+)", output).group(1)) / 1000
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    assert non_2xx is None, f"{url}: {non_2xx.group(0)}"
    return rps, p95


def run(workdir: Path) -> dict[str, float]:
    if not shutil.which("wrk"):
        raise SystemExit("bench_throughput needs wrk: apt-get install wrk")
    script = workdir / "p95.lua"
    script.write_text(P95_SCRIPT)
    instance = build_instance(workdir / "instance", extra_procedures=5000)
    results: dict[str, float] = {}
    with gunicorn("bench.hello_app:app") as (url, _pid):
        results["bare_rps"], _ = _wrk(url + "/", script)
    with gunicorn("wsgi:app", instance) as (url, pid):
        _wrk(url + "/thu-tuc/9.002500", script)  # warm up both workers
        results["procedure_rps"], results["procedure_p95_ms"] = _wrk(
            url + "/thu-tuc/9.002500", script)
        # Latency of a search as a visitor sees it, one request at a time (saturating the
        # server would measure queueing, not the search); throughput at saturation beside it.
        results["search_rps"], _ = _wrk(url + "/tim-kiem/?q=dang+ky+khai+sinh", script)
        _, results["search_p95_ms"] = _wrk(url + "/tim-kiem/?q=dang+ky+khai+sinh", script,
                                           connections=1)
        results["worker_rss_max_mb"] = max(worker_rss_mb(pid))
    results["procedure_vs_bare_pct"] = 100 * results["procedure_rps"] / results["bare_rps"]
    return results
