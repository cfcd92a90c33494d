"""Accounts against strangers: the remember-me cookie over HTTPS, registration that tells
nothing about who is registered (issue 13, item 4)."""
from __future__ import annotations


def test_the_remember_me_cookie_is_secure_behind_https(app, client, demo):
    """Same rule as the session cookie (SESSION_COOKIE_SECURE = None: per request)."""
    form = {"identifier": "congdan@demo.local", "password": "Demo@12345", "remember": "y"}
    response = client.post("/tai-khoan/dang-nhap", base_url="https://localhost", data=form)
    remember = [c for c in response.headers.getlist("Set-Cookie")
                if c.startswith("remember_token=")]
    assert len(remember) == 1 and "; Secure" in remember[0] and "HttpOnly" in remember[0]
    plain = app.test_client().post("/tai-khoan/dang-nhap", data=form)  # make run: http
    remember = [c for c in plain.headers.getlist("Set-Cookie")
                if c.startswith("remember_token=")]
    assert len(remember) == 1 and "Secure" not in remember[0]
