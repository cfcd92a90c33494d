"""Security baseline: headers, strict CSP, cookies, CSRF, no inline script or style."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import request

from portal import create_app
from tests.conftest import base_config

TEMPLATES = Path(__file__).resolve().parent.parent / "portal" / "templates"


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain http


@pytest.fixture
def session_app(tmp_path):
    app = create_app(base_config(tmp_path, "sqlite://"))

    @app.get("/remember")
    def remember():
        from flask import session

        session["seen"] = True
        return "ok"

    return app


def test_hsts_and_secure_cookies_over_https(session_app):
    response = session_app.test_client().get("/remember", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_cookies_are_not_secure_on_plain_http_for_local_runs(session_app):
    cookie = session_app.test_client().get("/remember").headers["Set-Cookie"]
    assert "Secure" not in cookie and "HttpOnly" in cookie


def test_anonymous_public_pages_set_no_cookie(client):
    """Nothing is stored about a visitor who only reads (and the page stays cacheable)."""
    response = client.get("/")
    assert "Set-Cookie" not in response.headers
    assert "data-hx-headers" not in response.get_data(as_text=True)


def test_pages_vary_on_htmx_request(client):
    assert "HX-Request" in client.get("/").headers["Vary"]


def test_versioned_static_files_are_cached_for_a_year(client):
    html = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/portal\.css\?v=[0-9a-f]+)"', html).group(1)
    with client.get(css) as versioned:
        assert "max-age=31536000" in versioned.headers["Cache-Control"]
    with client.get("/static/css/portal.css") as plain:
        assert "max-age=31536000" not in plain.headers.get("Cache-Control", "")


@pytest.fixture
def csrf_app(tmp_path):
    app = create_app(base_config(tmp_path, "sqlite://", WTF_CSRF_ENABLED=True))

    @app.post("/echo")
    def echo():
        return "ok"

    @app.get("/token")
    def token():
        from flask_wtf.csrf import generate_csrf

        return generate_csrf()

    return app


def test_csrf_is_required_on_post(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/echo")
    assert response.status_code == 400
    token = client.get("/token").get_data(as_text=True)
    assert client.post("/echo", data={"csrf_token": token}).status_code == 200


def test_htmx_posts_carry_the_token_in_a_header(csrf_app):
    client = csrf_app.test_client()
    client.get("/token")  # a page with a form gives the visitor a token …
    html = client.get("/").get_data(as_text=True)  # … which every page then sends with htmx
    token = re.search(r'data-hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', html).group(1)
    assert client.post("/echo", headers={"X-CSRFToken": token, "HX-Request": "true"}
                       ).status_code == 200


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.name)
def test_templates_have_no_inline_script_style_or_handlers(template):
    source = template.read_text("utf-8")
    # Only external scripts, and JSON-LD data blocks (not executed, so CSP does not apply).
    assert not re.search(r'<script(?![^>]*\b(src=|type="application/ld\+json"))[^>]*>', source), \
        "inline <script>"
    assert not re.search(r"<style\b", source), "<style> element"
    assert not re.search(r"\sstyle\s*=", source), "style attribute"
    assert not re.search(r"\son[a-z]+\s*=", source), "on* handler"
    assert "javascript:" not in source
    assert "hx-on" not in source
    # A boosted download would be fetched by htmx and its bytes swapped into the page.
    for link in re.findall(r"<a\b[^>]*\sdownload\b[^>]*>", source):
        assert 'data-hx-boost="false"' in link, link


def test_proxy_headers_are_trusted_only_when_configured(tmp_path):
    seen = {}

    def build(**config):
        app = create_app(base_config(tmp_path, "sqlite://", **config))

        @app.get("/scheme")
        def scheme():
            seen["secure"] = request.is_secure
            return ""

        return app

    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.1"}
    build().test_client().get("/scheme", headers=headers)
    assert seen["secure"] is False
    build(PROXY_FIX_X_FOR=1).test_client().get("/scheme", headers=headers)
    assert seen["secure"] is True
