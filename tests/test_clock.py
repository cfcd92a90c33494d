"""The authority's date and time (DESIGN.md "Time"): never the server clock's zone."""
from __future__ import annotations

import ast
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import time_machine

from portal import clock

PORTAL = Path(__file__).resolve().parent.parent / "portal"


def _naive_clock_calls(tree: ast.AST):
    """Calls that read the server's clock zone: ``date.today()``, ``datetime.today()``,
    ``datetime.now()`` without a zone, ``datetime.utcnow()``, ``time.localtime()``."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner, name = node.func.value, node.func.attr
        owner_name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
        if name == "today" and owner_name in {"date", "datetime"}:
            yield node.lineno, f"{owner_name}.today()"
        elif name == "now" and owner_name == "datetime" and not (node.args or node.keywords):
            yield node.lineno, "datetime.now() without a zone"
        elif name in {"utcnow", "utcfromtimestamp"} and owner_name == "datetime":
            yield node.lineno, f"datetime.{name}()"
        elif name in {"localtime", "mktime"} and owner_name == "time":
            yield node.lineno, f"time.{name}()"


def test_nothing_in_the_portal_reads_the_server_clock_zone():
    found = []
    for path in sorted(PORTAL.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found += [f"{path.relative_to(PORTAL.parent)}:{line}: {what}"
                  for line, what in _naive_clock_calls(tree)]
    assert found == [], "use portal.clock.today() / now():\n" + "\n".join(found)


def test_the_checker_finds_what_it_looks_for():
    source = "date.today()\ndatetime.now()\ndatetime.now(zone)\ndatetime.utcnow()\n"
    assert [what for _, what in _naive_clock_calls(ast.parse(source))] == [
        "date.today()", "datetime.now() without a zone", "datetime.utcnow()"]


@pytest.mark.parametrize("utc, expected", [
    (datetime(2026, 12, 7, 23, 30, tzinfo=timezone.utc), date(2026, 12, 8)),
    (datetime(2026, 12, 7, 16, 59, tzinfo=timezone.utc), date(2026, 12, 7)),
    (datetime(2026, 12, 31, 17, 0, tzinfo=timezone.utc), date(2027, 1, 1)),
])
def test_today_is_the_authority_s_day(app, utc, expected):
    with time_machine.travel(utc, tick=False), app.app_context():
        assert clock.today() == expected
        assert clock.now().utcoffset().total_seconds() == 7 * 3600


def test_outside_an_app_the_default_zone_applies():
    with time_machine.travel(datetime(2026, 12, 7, 23, 30, tzinfo=timezone.utc), tick=False):
        assert clock.today() == date(2026, 12, 8)


@pytest.mark.dates
def test_a_baby_born_this_morning_in_vietnam_can_be_registered(client, demo):
    """At 23:30 UTC it is already 06:30 of the next day in Hà Nội: that day is "today", not
    "in the future" (the measured bug: "Ngày này chưa tới")."""
    from tests.dossier_support import BIRTH, start_draft

    token = start_draft(client, BIRTH)
    with client.application.app_context():
        born = clock.today()
    reply = client.post(f"/nop-ho-so/nhap/{token}/kiem-tra",
                        query_string={"phan": "nguoi-duoc-khai-sinh", "truong": "ks_ngay_sinh"},
                        data={"ks_ngay_sinh-ngay": str(born.day),
                              "ks_ngay_sinh-thang": str(born.month),
                              "ks_ngay_sinh-nam": str(born.year)},
                        headers={"HX-Request": "true"})
    assert reply.status_code == 200
    assert "chưa tới" not in reply.text
    assert "aria-invalid" not in reply.text
