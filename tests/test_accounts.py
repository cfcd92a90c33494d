"""Citizen accounts: registration, verification, login, passwords, sessions, deletion."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from portal.models import AuditEvent, OutboundMessage, Profile, User
from portal.services import audit
from tests.conftest import login

STRONG = "ca phe buoi sang ben song Hong"


def _user(session, email):
    session.rollback()  # end the read snapshot; see the requests' commits
    return session.scalar(select(User).where(User.email == email))


def _register(client, **fields):
    data = {"display_name": "Trần Thị Bình", "email": "binh@example.com", "phone": "",
            "password": STRONG} | fields
    return client.post("/tai-khoan/dang-ky", data=data)


def test_register_with_email_sends_a_verification_link(client, session, mail):
    response = _register(client)
    assert response.status_code == 200 and "Kiểm tra hộp thư" in response.get_data(True)
    user = _user(session, "binh@example.com")
    assert user.email_verified_at is None and user.profile.full_name == "Trần Thị Bình"
    assert "Xác nhận địa chỉ thư điện tử" in mail.messages[-1]["Subject"]
    link = mail.link()
    assert link.startswith("/tai-khoan/xac-thuc/")
    assert client.get(link).status_code == 303
    assert _user(session, "binh@example.com").email_verified_at is not None
    assert login(client, "binh@example.com", STRONG).headers["Location"] == "/"


def test_registering_a_taken_address_looks_the_same_and_warns_the_owner(client, session, mail):
    _register(client)
    first_page = client.get("/")  # noqa: F841  (a fresh request between the two)
    response = _register(client, display_name="Kẻ Khác", password="mot mat khau khac hoan toan")
    assert response.status_code == 200 and "Kiểm tra hộp thư" in response.get_data(True)
    assert session.scalar(select(func.count()).select_from(User).where(
        User.email == "binh@example.com")) == 1
    assert "thử đăng ký" in mail.messages[-1]["Subject"]


def test_register_with_phone_sends_a_code(client, session):
    response = _register(client, email="", phone="+84 912 000 111")
    assert response.status_code == 200 and "mã xác nhận" in response.get_data(True)
    # The page is the same for a taken number: the new owner logs in to enter the code.
    response = client.post("/tai-khoan/dang-nhap?next=/tai-khoan/xac-thuc-so-dien-thoai",
                           data={"identifier": "0912000111", "password": STRONG})
    assert response.headers["Location"] == "/tai-khoan/xac-thuc-so-dien-thoai"
    user = session.scalar(select(User).where(User.phone == "0912000111"))
    sms = session.scalar(select(OutboundMessage).where(OutboundMessage.recipient == "0912000111"))
    code = re.search(r"\d{6}", sms.body_text).group(0)
    wrong = client.post("/tai-khoan/xac-thuc-so-dien-thoai", data={"code": "000000"})
    assert wrong.status_code == 422 and "Mã không đúng" in wrong.get_data(True)
    assert client.post("/tai-khoan/xac-thuc-so-dien-thoai", data={"code": code}).status_code == 303
    session.rollback()  # end the read snapshot; see the requests' commits
    assert session.get(User, user.id).phone_verified_at is not None


@pytest.mark.parametrize("password", ["12345678", "matkhau123", "anhyeuem2020", "qwertyuiop",
                                      "Trần Thị Bình", "binh@example.com", "ngắn"])
def test_weak_passwords_are_refused_with_a_reason(client, session, password):
    response = _register(client, password=password)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="password-error"' in html and "Lỗi:" in html
    assert _user(session, "binh@example.com") is None


def test_no_composition_rules(client, session):
    assert _register(client, password="ca phe buoi sang").status_code == 200


def test_register_needs_an_email_or_a_phone(client):
    response = _register(client, email="", phone="")
    assert response.status_code == 422
    assert "Nhập thư điện tử hoặc số điện thoại di động." in response.get_data(as_text=True)


@pytest.mark.parametrize("identifier", ["congdan@demo.local", "CongDan@Demo.Local",
                                        "022192012345"])
def test_login_with_email_or_id_number(client, demo, identifier):
    assert login(client, identifier).status_code == 303
    assert client.get("/tai-khoan/").status_code == 200


def test_login_with_phone(client, session, demo):
    user = session.scalar(select(User).where(User.email == "congdan@demo.local"))
    user.phone = "0987654321"
    session.commit()
    assert login(client, "098 765 4321").status_code == 303


def test_login_failures_say_the_same_for_unknown_accounts(client, demo):
    wrong_password = login(client, "congdan@demo.local", "sai mat khau")
    unknown = login(client, "khongco@example.com", "sai mat khau")
    assert wrong_password.status_code == unknown.status_code == 422
    message = "Thông tin đăng nhập hoặc mật khẩu không đúng."
    assert message in wrong_password.get_data(True) and message in unknown.get_data(True)


def test_unknown_accounts_cost_a_password_check_too(client, demo, monkeypatch):
    """No enumeration by timing: a password hash is checked whether the account exists or not."""
    from werkzeug import security

    calls = []
    original = security.check_password_hash
    monkeypatch.setattr("portal.services.passwords.check_password_hash",
                        lambda *a: calls.append(1) or original(*a))
    login(client, "khongco@example.com", "x")
    login(client, "congdan@demo.local", "x")
    assert calls == [1, 1]


@pytest.mark.parametrize("password", ["sai mat khau", "Demo@12345"])
def test_a_login_answers_when_others_write_during_its_password_check(
        app, client, demo, session, monkeypatch, password):
    """Other requests commit while a password is checked (on SQLite a transaction that read
    before such a commit may not write): the login's outcome is still written."""
    from portal.extensions import db
    from portal.services import accounts

    original = accounts.check_password

    def check_while_another_request_writes(*args):
        with app.app_context(), db.engine.connect() as other:
            other.execute(AuditEvent.__table__.insert().values(
                action="other_request", at=datetime.now(timezone.utc), details={}))
            other.commit()
        return original(*args)

    monkeypatch.setattr(accounts, "check_password", check_while_another_request_writes)
    response = login(client, "congdan@demo.local", password)
    assert response.status_code == (303 if password == "Demo@12345" else 422)
    session.rollback()
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["other_request",
                            "login" if password == "Demo@12345" else "login_failed"]


def test_login_is_throttled_after_repeated_failures(client, demo, session):
    start = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            assert "không đúng" in login(client, "congdan@demo.local", "sai").get_data(True)
        throttled = login(client, "congdan@demo.local", "sai")
        assert "Vui lòng đợi" in throttled.get_data(as_text=True)
        # Even the right password waits until the delay is over…
        assert "Vui lòng đợi" in login(client, "congdan@demo.local").get_data(as_text=True)
    # …which is short: the owner is never locked out for long.
    with time_machine.travel(start + timedelta(seconds=2), tick=False):
        assert login(client, "congdan@demo.local").status_code == 303
    actions = session.scalars(select(AuditEvent.action)).all()
    assert actions.count(audit.LOGIN_FAILED) == 5 and actions.count(audit.LOGIN_THROTTLED) == 2


def test_next_is_kept_and_never_leaves_the_site(client, demo):
    response = client.post("/tai-khoan/dang-nhap?next=/tai-khoan/ho-so",
                           data={"identifier": "congdan@demo.local", "password": "Demo@12345"})
    assert response.headers["Location"] == "/tai-khoan/ho-so"
    client.post("/tai-khoan/dang-xuat")
    response = client.post("/tai-khoan/dang-nhap?next=https://evil.example/",
                           data={"identifier": "congdan@demo.local", "password": "Demo@12345"})
    assert response.headers["Location"] == "/"


def test_password_reset_link_is_single_use_and_expires(client, demo, session, mail):
    response = client.post("/tai-khoan/quen-mat-khau", data={"identifier": "congdan@demo.local"})
    assert "Kiểm tra hộp thư" in response.get_data(as_text=True)
    link = mail.link()
    assert client.get(link).status_code == 200
    assert client.post(link, data={"password": STRONG}).status_code == 303
    assert login(client, "congdan@demo.local", STRONG).status_code == 303
    client.post("/tai-khoan/dang-xuat")
    assert client.get(link).status_code == 400  # used
    client.post("/tai-khoan/quen-mat-khau", data={"identifier": "congdan@demo.local"})
    fresh = mail.link()
    with time_machine.travel(timedelta(hours=2), tick=False):
        assert client.get(fresh).status_code == 400  # expired


def test_password_reset_for_unknown_accounts_looks_the_same(client, demo, mail):
    known = client.post("/tai-khoan/quen-mat-khau", data={"identifier": "congdan@demo.local"})
    count = len(mail.messages)
    unknown = client.post("/tai-khoan/quen-mat-khau", data={"identifier": "ai@example.com"})
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert len(mail.messages) == count


def test_changing_the_password_ends_the_other_sessions(app, demo):
    here, elsewhere = app.test_client(), app.test_client()
    login(here, "congdan@demo.local")
    login(elsewhere, "congdan@demo.local")
    response = here.post("/tai-khoan/doi-mat-khau", data={
        "current_password": "Demo@12345", "password": STRONG})
    assert response.status_code == 303
    assert here.get("/tai-khoan/").status_code == 200
    assert elsewhere.get("/tai-khoan/").status_code == 303  # sent to the login page


def test_change_password_needs_the_current_one(client, demo):
    login(client, "congdan@demo.local")
    response = client.post("/tai-khoan/doi-mat-khau", data={
        "current_password": "sai", "password": STRONG})
    assert response.status_code == 422
    assert "Mật khẩu hiện tại không đúng." in response.get_data(True)


def test_logout_everywhere(app, demo):
    here, elsewhere = app.test_client(), app.test_client()
    login(here, "congdan@demo.local")
    login(elsewhere, "congdan@demo.local")
    here.post("/tai-khoan/dang-xuat-tat-ca")
    assert here.get("/tai-khoan/").status_code == 303
    assert elsewhere.get("/tai-khoan/").status_code == 303


def test_delete_account_removes_personal_data_and_keeps_the_record(client, demo, session):
    login(client, "congdan@demo.local")
    user_id = session.scalar(select(User.id).where(User.email == "congdan@demo.local"))
    response = client.post("/tai-khoan/xoa-tai-khoan", data={
        "current_password": "Demo@12345", "confirm": "y"})
    assert response.status_code == 303
    session.rollback()  # end the read snapshot; see the requests' commits
    user = session.get(User, user_id)
    assert user.deleted_at and user.email is None and user.password_hash is None
    assert session.scalar(select(Profile).where(Profile.user_id == user_id)) is None
    assert login(client, "congdan@demo.local").status_code == 422
    assert session.scalar(select(AuditEvent).where(
        AuditEvent.action == audit.ACCOUNT_DELETED, AuditEvent.actor_id == user_id))


def test_a_login_ends_after_idle_time(client, demo):
    login(client, "congdan@demo.local")
    with time_machine.travel(timedelta(minutes=31), tick=False):
        response = client.get("/tai-khoan/")
        assert response.status_code == 303
        page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "hết hạn" in page


def test_activity_keeps_the_login(client, demo):
    login(client, "congdan@demo.local")
    for minutes in (20, 40, 60):
        with time_machine.travel(timedelta(minutes=minutes), tick=False):
            assert client.get("/tai-khoan/").status_code == 200


def test_what_was_typed_survives_an_expired_login(client, demo, session):
    """Login expires mid-form: after logging in again, the same page with the same data."""
    login(client, "congdan@demo.local")
    client.get("/tai-khoan/ho-so")
    typed = {"full_name": "Nguyễn Thị Minh Anh Mới", "permanent_street": "Số 99 đường Mới",
             "birth_date-ngay": "14", "birth_date-thang": "5", "birth_date-nam": "1992",
             "gender": "2", "id_number": "022192012345", "current_same": "y"}
    with time_machine.travel(timedelta(minutes=45), tick=False):
        response = client.post("/tai-khoan/ho-so", data=typed)
        assert response.status_code == 303
        assert response.headers["Location"] == "/tai-khoan/dang-nhap?next=/tai-khoan/ho-so"
        back = client.post(response.headers["Location"], data={
            "identifier": "congdan@demo.local", "password": "Demo@12345"})
        assert back.headers["Location"] == "/tai-khoan/ho-so"
        html = client.get("/tai-khoan/ho-so").get_data(as_text=True)
    assert 'value="Nguyễn Thị Minh Anh Mới"' in html and 'value="Số 99 đường Mới"' in html
    # Shown again, not saved behind the person's back.
    assert session.scalar(select(Profile.full_name).where(
        Profile.id_number == "022192012345")) == "Nguyễn Thị Minh Anh"


def test_htmx_requests_are_sent_to_login_without_swapping_it_in(client):
    response = client.get("/tai-khoan/ho-so", headers={
        "HX-Request": "true", "HX-Current-URL": "http://localhost/tai-khoan/ho-so"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/tai-khoan/dang-nhap?next=/tai-khoan/ho-so"


def test_remember_me_is_off_by_default(client, demo):
    response = login(client, "congdan@demo.local")
    assert "remember_token" not in response.headers.get("Set-Cookie", "")
    client.post("/tai-khoan/dang-xuat")
    response = client.post("/tai-khoan/dang-nhap", data={
        "identifier": "congdan@demo.local", "password": "Demo@12345", "remember": "y"})
    cookies = " ".join(response.headers.getlist("Set-Cookie"))
    assert "remember_token=" in cookies and "HttpOnly" in cookies


def test_login_and_logout_are_audited(client, demo, session):
    login(client, "congdan@demo.local")
    client.post("/tai-khoan/dang-xuat")
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == [audit.LOGIN, audit.LOGOUT]
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == audit.LOGIN))
    assert event.address == "127.0.0.1"


def test_login_page_for_logged_in_users_goes_on(client, demo):
    login(client, "congdan@demo.local")
    assert client.get("/tai-khoan/dang-nhap?next=/tai-khoan/").headers["Location"] == \
        "/tai-khoan/"
