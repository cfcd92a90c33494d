"""E-forms: autosave latency under 20 people typing, and the weight of a 60-field page.

* Autosave: gunicorn with 2 workers; 20 citizens, each with a draft of the birth
  registration form, each sending what they typed every 0.7 s (the client's debounce) for
  15 s, through the real endpoint with its session cookie and CSRF token. The 95th
  percentile of the response time is the target (< 50 ms).
* Page weight: a generated form of 60 fields of every type (catalogue pick-lists included)
  on one page, as transferred with gzip (< 60 KB); the largest section of the six shipped
  forms beside it.
"""
from __future__ import annotations

import gzip
import http.cookiejar
import re
import statistics
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench.support import build_instance, gunicorn

TARGETS = {"autosave_p95_ms": 50.0, "form_60_fields_kb": 60.0, "largest_section_kb": 60.0}
USERS = 20
INTERVAL = 0.7
DURATION = 15.0
BIG_FORM_PROCEDURE = "2.000635"  # a procedure without an e-form of its own
TYPES = ["text", "date", "catalogue:nationality", "cccd", "phone", "address", "radios",
         "money", "number", "email", "textarea", "catalogue:ethnicity", "yesno", "select",
         "tax_code"]


def _big_spec() -> dict:
    fields = []
    for i in range(60):
        kind, _sep, source = TYPES[i % len(TYPES)].partition(":")
        field = {"name": f"truong_{i}", "type": kind, "label": f"Trường thứ {i + 1} của tờ khai",
                 "hint": "Gợi ý ngắn cho người khai, ví dụ cách ghi đúng.",
                 "help": "Giải thích dài hơn, trích quy định liên quan.", "required": i % 2 == 0}
        if source:
            field["source"] = source
        if kind in ("radios", "select"):
            field["options"] = [{"value": f"g{n}", "label": f"Lựa chọn {n}"} for n in range(5)]
        fields.append(field)
    return {"procedure": BIG_FORM_PROCEDURE, "title": "Tờ khai thử 60 trường",
            "sections": [{"key": "tat-ca", "title": "Tất cả", "fields": fields}]}


def _add_big_form(instance: Path) -> None:
    from sqlalchemy import select

    from portal import create_app
    from portal.extensions import db
    from portal.models import FormSpec, Procedure

    app = create_app({"INSTANCE_PATH": str(instance), "LOG_REQUESTS": False})
    with app.app_context():
        procedure = db.session.scalar(select(Procedure).where(
            Procedure.code == BIG_FORM_PROCEDURE))
        db.session.add(FormSpec(procedure=procedure, title="Tờ khai thử", spec=_big_spec()))
        db.session.commit()
        for engine in db.engines.values():
            engine.dispose()


class Citizen:
    """A browser: its own cookies, a draft, and the draft page's CSRF token and revision."""

    def __init__(self, url: str, code: str) -> None:
        self.url = url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        html = self._get(f"/nop-ho-so/{code}")
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        request = urllib.request.Request(url + f"/nop-ho-so/{code}", data=urllib.parse.urlencode(
            {"csrf_token": token}).encode(), method="POST")
        with self.opener.open(request) as response:
            self.page_path = urllib.parse.urlsplit(response.geturl()).path
            page = response.read().decode()
        self.csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        self.revision = re.search(r'name="_revision" value="(\d+)"', page).group(1)

    def _get(self, path: str) -> str:
        with self.opener.open(self.url + path) as response:
            return response.read().decode()

    def page_kb(self, query: str = "") -> float:
        request = urllib.request.Request(self.url + self.page_path + query,
                                         headers={"Accept-Encoding": "gzip"})
        with self.opener.open(request) as response:
            body = response.read()
            if response.headers.get("Content-Encoding") != "gzip":
                body = gzip.compress(body)
        return len(body) / 1024

    def save(self, text: str) -> float:
        """Send one autosave; return its response time in ms."""
        data = urllib.parse.urlencode({"csrf_token": self.csrf, "_revision": self.revision,
                                       "nyc_ho_ten": text}).encode()
        request = urllib.request.Request(self.url + self.page_path + "/luu", data=data,
                                         method="POST", headers={"Accept": "application/json"})
        started = time.perf_counter()
        with self.opener.open(request) as response:
            body = response.read().decode()
        elapsed = (time.perf_counter() - started) * 1000
        self.revision = re.search(r'"revision":\s*(\d+)', body).group(1)
        return elapsed


def _typing(citizen: Citizen, latencies: list[float], stop: float) -> None:
    letters = "Nguyễn Thị Minh Khai "
    typed = ""
    while time.monotonic() < stop:
        typed = (typed + letters[len(typed) % len(letters)])[-60:]
        latencies.append(citizen.save(typed))
        time.sleep(INTERVAL)


def run(workdir: Path) -> dict[str, float]:
    instance = build_instance(workdir / "instance")
    _add_big_form(instance)
    results: dict[str, float] = {}
    with gunicorn("wsgi:app", instance) as (url, _pid):
        big = Citizen(url, BIG_FORM_PROCEDURE)
        results["form_60_fields_kb"] = big.page_kb()
        birth = Citizen(url, "1.001193")
        sections = re.findall(r'\?phan=([a-z0-9-]+)"', birth._get(birth.page_path))
        results["largest_section_kb"] = max(birth.page_kb(f"?phan={key}")
                                            for key in dict.fromkeys(sections))
        citizens = [Citizen(url, "1.001193") for _ in range(USERS)]
        for citizen in citizens:  # warm up every worker and connection path
            citizen.save("khởi động")
        latencies: list[float] = []
        stop = time.monotonic() + DURATION
        threads = [threading.Thread(target=_typing, args=(c, latencies, stop))
                   for c in citizens]
        for index, thread in enumerate(threads):
            time.sleep(INTERVAL / USERS * (index > 0))  # people do not type in step
            thread.start()
        for thread in threads:
            thread.join()
    results["autosave_p50_ms"] = statistics.median(latencies)
    results["autosave_p95_ms"] = statistics.quantiles(latencies, n=20)[18]
    results["autosaves_per_s"] = len(latencies) / DURATION
    return results
