"""The security baseline on the account pages: CSRF, CSP, rate limits, cookies, outbox."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from portal import create_app, refuse_unsafe_production
from portal.models import OutboundMessage
from portal.security import CONTENT_SECURITY_POLICY
from portal.services import messaging
from tests.conftest import base_config, make_app

EXACT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
             "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
             "base-uri 'none'; object-src 'none'")


def test_csp_is_exactly_the_strict_policy(client):
    assert CONTENT_SECURITY_POLICY == EXACT_CSP
    for path in ("/", "/tai-khoan/dang-nhap", "/tai-khoan/dang-ky"):
        assert client.get(path).headers["Content-Security-Policy"] == EXACT_CSP


@pytest.fixture
def csrf_client(request, tmp_path):
    app = make_app("sqlite", request, tmp_path, seeded=True, WTF_CSRF_ENABLED=True)
    return app.test_client()


@pytest.mark.parametrize("path", ["/tai-khoan/dang-nhap", "/tai-khoan/dang-ky",
                                  "/tai-khoan/quen-mat-khau", "/tai-khoan/dang-xuat"])
def test_state_changing_requests_need_the_csrf_token(csrf_client, path):
    response = csrf_client.post(path, data={"identifier": "congdan@demo.local",
                                            "password": "Demo@12345"})
    assert response.status_code == 400
    assert "Trang đã mở quá lâu" in response.get_data(as_text=True)


def test_login_with_the_token_works_and_htmx_sends_it_as_a_header(csrf_client):
    page = csrf_client.get("/tai-khoan/dang-nhap").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = csrf_client.post("/tai-khoan/dang-nhap", data={
        "csrf_token": token, "identifier": "congdan@demo.local", "password": "Demo@12345"})
    assert response.status_code == 303
    html = csrf_client.get("/tai-khoan/").get_data(as_text=True)
    header = re.search(r'data-hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', html).group(1)
    assert csrf_client.post("/tai-khoan/gia-han").status_code == 400
    assert csrf_client.post("/tai-khoan/gia-han", headers={
        "X-CSRFToken": header, "HX-Request": "true"}).status_code == 204


def test_login_and_registration_are_rate_limited(request, tmp_path):
    app = make_app("sqlite", request, tmp_path, RATELIMIT_ENABLED=True,
                   RATELIMIT_LOGIN="3 per minute", RATELIMIT_REGISTER="2 per hour")
    client = app.test_client()
    form = {"identifier": "a@b.vn", "password": "x"}
    codes = [client.post("/tai-khoan/dang-nhap", data=form).status_code for _ in range(4)]
    assert codes == [422, 422, 422, 429]
    assert client.get("/tai-khoan/dang-nhap").status_code == 200  # reading is not limited
    codes = [client.post("/tai-khoan/dang-ky", data={}).status_code for _ in range(3)]
    assert codes[-1] == 429


def test_session_cookies_are_secure_over_https(client, demo):
    response = client.post("/tai-khoan/dang-nhap", base_url="https://localhost", data={
        "identifier": "congdan@demo.local", "password": "Demo@12345"})
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_mail_waits_in_the_outbox_when_the_server_is_down(app, session, demo):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_USE_TLS=False, MAIL_TIMEOUT=2)
    client = app.test_client()
    client.post("/tai-khoan/quen-mat-khau", data={"identifier": "congdan@demo.local"})
    message = session.scalar(select(OutboundMessage).order_by(OutboundMessage.id.desc()))
    assert message.sent_at is None and message.attempts == 1 and message.last_error


def test_pending_mail_is_sent_later(app, session, mail, demo):
    with app.test_request_context():
        messaging.queue_email(session, "congdan@demo.local", "reset_password",
                              user=None, link="http://localhost/x", minutes=60)
        session.commit()
        assert messaging.deliver_pending(session) == 1
    assert mail.messages[-1]["To"] == "congdan@demo.local"
    assert mail.messages[-1].get_body(preferencelist=("html",)) is not None  # HTML too


def test_without_a_mail_server_messages_go_to_outbox_files_not_the_log(app, session, caplog):
    with app.test_request_context():
        messaging.queue_sms(session, "0912345678", "Ma xac nhan 123456")
        session.commit()
        with caplog.at_level("INFO", logger="portal.messaging"):
            assert messaging.deliver_pending(session) == 1
    written = list((Path(app.instance_path) / "outbox" / "sms").glob("*.txt"))
    assert len(written) == 1 and "Ma xac nhan 123456" in written[0].read_text("utf-8")
    assert "123456" not in caplog.text


def test_production_refuses_to_serve_with_demo_accounts(request, tmp_path, demo):
    app = make_app("sqlite", request, tmp_path, seeded=True)
    production = create_app(base_config(tmp_path, app.config["DATABASE_URL"], DEMO_MODE=False,
                                        TESTING=False, SECRET_KEY="x" * 40))
    with pytest.raises(RuntimeError, match="remove-demo"):
        refuse_unsafe_production(production)
    result = production.test_cli_runner().invoke(args=["users", "remove-demo"])
    assert "removed 6 demo accounts" in result.output
    refuse_unsafe_production(production)  # now it may serve


def test_create_admin_command(runner, app, session):
    result = runner.invoke(args=["users", "create-admin", "--email", "admin@xa.example.gov.vn",
                                 "--name", "Quản Trị Mới", "--password",
                                 "mot cau mat khau that dai"])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    assert client.post("/tai-khoan/dang-nhap", data={
        "identifier": "admin@xa.example.gov.vn", "password": "mot cau mat khau that dai"
    }).status_code == 303
    assert client.get("/quan-tri/can-bo").status_code == 200
    weak = runner.invoke(args=["users", "create-admin", "--email", "b@xa.example.gov.vn",
                               "--name", "B", "--password", "12345678"])
    assert weak.exit_code == 1 and "dễ đoán" in weak.output
