"""Links in mail and SMS come from the configured public address, never from the request's
Host header; production refuses to start without that address (issue 13, item 4)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal import create_app, refuse_unsafe_production
from portal.links import DEVELOPMENT_BASE_URL, base_url, external_url
from portal.models import OutboundMessage
from tests.conftest import base_config

PUBLIC = "https://dichvucong.minhhoa.example.gov.vn"
STRONG = "ca phe buoi sang ben song Hong"


def _mail_to(session, address: str) -> str:
    session.rollback()  # see the request's commit
    return session.scalars(select(OutboundMessage.body_text).where(
        OutboundMessage.recipient == address).order_by(OutboundMessage.id)).all()[-1]


@pytest.fixture
def public_app(app):
    app.config["BASE_URL"] = PUBLIC
    return app


def test_a_reset_link_ignores_a_forged_host_header(public_app, demo, session):
    client = public_app.test_client()
    client.post("/tai-khoan/quen-mat-khau", base_url="http://evil.example",
                data={"identifier": "congdan@demo.local"})
    body = _mail_to(session, "congdan@demo.local")
    assert f"{PUBLIC}/tai-khoan/dat-lai-mat-khau/" in body and "evil.example" not in body


def test_verification_and_already_registered_mail_ignore_the_host_header(public_app, session):
    client = public_app.test_client()
    form = {"display_name": "Trần Thị Bình", "email": "binh@example.com", "password": STRONG}
    client.post("/tai-khoan/dang-ky", base_url="http://evil.example", data=form)
    verification = _mail_to(session, "binh@example.com")
    assert f"{PUBLIC}/tai-khoan/xac-thuc/" in verification
    client.post("/tai-khoan/dang-ky", base_url="http://evil.example:8080", data=form)
    already = _mail_to(session, "binh@example.com")
    assert f"{PUBLIC}/tai-khoan/dang-nhap" in already
    assert "evil.example" not in verification + already


def test_a_mailed_draft_link_ignores_a_forged_host_header(public_app, demo, session):
    from tests.dossier_support import start_draft

    client = public_app.test_client()
    token = start_draft(client)
    client.post(f"/nop-ho-so/nhap/{token}/gui-lien-ket", base_url="http://evil.example",
                data={"email": "minh@example.com"})
    body = _mail_to(session, "minh@example.com")
    assert f"{PUBLIC}/nop-ho-so/nhap/{token}" in body and "evil.example" not in body


def test_links_outside_a_request_use_the_same_address(public_app):
    with public_app.app_context():
        assert external_url("tracking.index", ma="X-1") == f"{PUBLIC}/tra-cuu?ma=X-1"


def _production(tmp_path, **settings):
    return create_app(base_config(tmp_path, "sqlite://", DEMO_MODE=False, TESTING=False,
                                  SECRET_KEY="x" * 40, **settings))


def test_production_refuses_to_start_without_a_public_address(tmp_path):
    with pytest.raises(RuntimeError, match="PORTAL_BASE_URL"):
        refuse_unsafe_production(_production(tmp_path, BASE_URL=""))
    refuse_unsafe_production(_production(tmp_path, BASE_URL=PUBLIC + "/"))
    with_server_name = _production(tmp_path, BASE_URL="", SERVER_NAME="dvc.example.gov.vn",
                                   PREFERRED_URL_SCHEME="https")
    assert base_url(with_server_name) == "https://dvc.example.gov.vn"


@pytest.mark.parametrize("address", ["dichvucong.example.gov.vn", "ftp://x.example",
                                     "https://x.example/cong", "https://x.example/?a=1",
                                     "https://user@x.example"])
def test_a_malformed_public_address_is_refused(tmp_path, address):
    with pytest.raises(RuntimeError, match="scheme and host"):
        refuse_unsafe_production(_production(tmp_path, BASE_URL=address))


def test_demo_and_development_start_without_configuration(tmp_path):
    demo = create_app(base_config(tmp_path, "sqlite://", BASE_URL="", TESTING=False))
    refuse_unsafe_production(demo)
    assert base_url(demo) == DEVELOPMENT_BASE_URL == "http://127.0.0.1:8000"
