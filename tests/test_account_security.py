"""Accounts against strangers: the remember-me cookie over HTTPS, registration that tells
nothing about who is registered (issue 13, item 4)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.models import OutboundMessage, User
from portal.services import accounts


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


STRONG = "ca phe buoi sang ben song Hong"


@pytest.fixture
def hashes(monkeypatch):
    """Every password or code hash made while registering."""
    made: list[str] = []
    original = accounts.hash_password
    monkeypatch.setattr(accounts, "hash_password",
                        lambda secret: made.append("hash") or original(secret))
    return made


def _register(client, **fields):
    data = {"display_name": "Trần Thị Bình", "email": "", "phone": "", "password": STRONG}
    return client.post("/tai-khoan/dang-ky", data=data | fields)


def _answer(response) -> tuple:
    """What the person registering can observe."""
    return (response.status_code, response.headers.get("Location"),
            sorted(response.headers.getlist("Set-Cookie")), response.get_data(as_text=True))


@pytest.mark.parametrize("identifier", [{"email": "binh@example.com"},
                                        {"phone": "0912000111"}])
def test_registration_answers_a_taken_address_or_number_like_a_new_one(
        app, session, hashes, identifier):
    """Same page, status and cookies, after the same slow work: the measured leak was a
    taken phone answered differently and a taken e-mail 7 times faster (no hash)."""
    new = _register(app.test_client(), **identifier)
    work_when_new = list(hashes)
    hashes.clear()
    taken = _register(app.test_client(), display_name="Kẻ Khác", **identifier)
    assert _answer(taken) == _answer(new)
    assert hashes == work_when_new and len(hashes) == (2 if "phone" in identifier else 1)
    assert session.scalar(select(func.count()).select_from(User)) == 1


def test_the_owner_of_a_taken_number_is_told_by_sms(app, session):
    _register(app.test_client(), phone="0912000111")
    _register(app.test_client(), phone="0912 000 111", password="mot mat khau khac han")
    session.rollback()
    texts = session.scalars(select(OutboundMessage.body_text).where(
        OutboundMessage.recipient == "0912000111").order_by(OutboundMessage.id)).all()
    assert len(texts) == 2 and "Ma xac nhan" in texts[0]
    assert texts[1] == accounts.ALREADY_REGISTERED_SMS
