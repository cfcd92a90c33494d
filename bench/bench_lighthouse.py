"""Lighthouse (mobile preset, system Chromium) on the public pages, served by gunicorn.

Each page is measured three times and the median kept (Lighthouse's own advice: one run on a
shared 2-core machine is noisy). Needs ``npm ci --prefix bench/lighthouse`` (``make bench``
runs it). Bars from TT22/23-PERF
and the catalogue issue: performance ≥ 0.95, accessibility = 1, best practices ≥ 0.95,
SEO = 1, first contentful paint < 3 s, largest contentful paint < 4 s.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
from pathlib import Path

from bench.support import ROOT, build_instance, gunicorn

LIGHTHOUSE = ROOT / "bench" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
PAGES = {"home": "/", "catalogue": "/thu-tuc/", "procedure": "/thu-tuc/1.001193",
         "search": "/tim-kiem/?q=dang+ky+khai+sinh", "faq": "/hoi-dap/"}
TARGETS = {}
for _page in PAGES:
    TARGETS |= {f"{_page}_performance": (">=", 95), f"{_page}_accessibility": (">=", 100),
                f"{_page}_best_practices": (">=", 95), f"{_page}_seo": (">=", 100),
                f"{_page}_fcp_ms": 3000.0, f"{_page}_lcp_ms": 4000.0}
RUNS = 3
FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-background-networking "
         "--disable-component-update --no-first-run --disable-sync")


def run(workdir: Path) -> dict[str, float]:
    if not LIGHTHOUSE.exists():
        raise SystemExit("run `npm ci --prefix bench/lighthouse` first (make bench does)")
    instance = build_instance(workdir / "instance")
    results: dict[str, float] = {}
    with gunicorn("wsgi:app", instance) as (url, _pid):
        for name, path in PAGES.items():
            runs = [_measure(url + path, workdir / f"{name}-{i}.json") for i in range(RUNS)]
            for metric in runs[0]:
                results[f"{name}_{metric}"] = statistics.median(run[metric] for run in runs)
    return results


def _measure(url: str, report: Path, attempts: int = 3) -> dict[str, float]:
    for attempt in range(attempts):  # Chromium sometimes fails to start under load
        done = subprocess.run(
            [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
             f"--chrome-flags={FLAGS}"],
            env=dict(os.environ, CHROME_PATH="/usr/bin/chromium"), capture_output=True,
            text=True,
        )
        if done.returncode == 0:
            break
        if attempt == attempts - 1:
            raise SystemExit(f"lighthouse failed on {url}: {done.stderr[-2000:]}")
    data = json.loads(report.read_text())
    categories, audits = data["categories"], data["audits"]
    return {
        "performance": categories["performance"]["score"] * 100,
        "accessibility": categories["accessibility"]["score"] * 100,
        "best_practices": categories["best-practices"]["score"] * 100,
        "seo": categories["seo"]["score"] * 100,
        "fcp_ms": audits["first-contentful-paint"]["numericValue"],
        "lcp_ms": audits["largest-contentful-paint"]["numericValue"],
    }
