"""Site-wide behaviour: health check, language switch, error pages, logging."""
from __future__ import annotations

import json
import logging
import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from portal import create_app
from portal.blueprints.site.views import safe_next
from tests.conftest import base_config


def test_home_page_is_vietnamese_by_default(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "Cổng Dịch vụ công" in html


def test_accept_language_english_gives_english(client):
    html = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Public Service Portal" in html


def test_language_switch_sets_a_cookie_and_returns_to_the_page(client):
    response = client.get("/ngon-ngu/en?next=/healthz")
    assert response.status_code == 303
    assert response.headers["Location"] == "/healthz"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=en") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    # and back
    client.get("/ngon-ngu/vi")
    assert '<html lang="vi">' in client.get("/").get_data(as_text=True)


def test_unknown_language_is_404(client):
    assert client.get("/ngon-ngu/fr").status_code == 404


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "",
    None, "relative/path",
])
def test_next_never_leaves_the_site(app, target):
    with app.test_request_context():
        assert safe_next(target) == "/"


def test_next_keeps_local_paths_with_query(app):
    with app.test_request_context():
        assert safe_next("/thu-tuc?linh-vuc=ho-tich") == "/thu-tuc?linh-vuc=ho-tich"


def test_404_page_is_in_the_layout(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Không tìm thấy trang" in html
    assert 'id="main-content"' in html and "portal-footer" in html


def test_htmx_errors_become_an_alert_in_the_flash_region(client):
    response = client.get("/khong-co-trang-nay", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "#flash"
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and "<html" not in html


def test_unexpected_errors_give_a_500_page_and_are_logged(app, caplog):
    @app.get("/boom")
    def boom():  # a bug, not an outage ("database is locked" is a 503: tests/test_outages.py)
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: boom"))

    with caplog.at_level(logging.ERROR, logger="portal"):
        response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Hệ thống đang gặp sự cố" in response.get_data(as_text=True)
    assert "no such table" not in response.get_data(as_text=True)


def test_requests_are_logged_as_json_without_ip_or_query(tmp_path, capsys):
    app = create_app(base_config(tmp_path, "sqlite://", LOG_REQUESTS=True))
    app.test_client().get("/healthz?cccd=001099012345", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()
             if line.startswith("{")]
    entry = next(line for line in lines if line.get("logger") == "portal.request")
    assert entry["path"] == "/healthz" and entry["status"] == 200
    assert entry["duration_ms"] >= 0 and len(entry["request_id"]) == 32
    raw = json.dumps(lines)
    assert "203.0.113.9" not in raw and "001099012345" not in raw


@pytest.mark.parametrize("path", [
    "/thu-tuc/?muc-do=muc-%C2%B2", "/thu-tuc/?muc-do=muc-99999999999999999999",
    "/thu-tuc/?linh-vuc=%00", "/thu-tuc/?co-quan=%00", "/thu-tuc/x%00y", "/thu-tuc/x%00y/tai-ve",
    "/huong-dan/a%00", "/hoi-dap/a%00", "/tim-kiem/?q=%00",
    "/ngon-ngu/en?next=/a%0d%0aSet-Cookie:x=1",
    "/thu-tuc/?trang=-5", "/thu-tuc/?trang=99999999999999999999999",
])
def test_odd_input_is_never_a_server_error(client, demo, path):
    assert client.get(path).status_code < 500
