"""Staff accounts and roles, agency scoping, the audit log (TT22-PL2-06, TT22-PL5-b)."""
from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from portal.models import Agency, AgencyLevel, AuditEvent, Role, User, UserRole
from portal.services import audit
from tests.conftest import login


@pytest.fixture
def admin(client, demo):
    login(client, "quantri@demo.local")
    return client


def _user(session, email):
    session.rollback()  # end the read snapshot; see the requests' commits
    return session.scalar(select(User).where(User.email == email))


@pytest.mark.parametrize("email", ["congdan@demo.local", "motcua@demo.local",
                                   "bientap@demo.local"])
def test_only_administrators_manage_staff(client, demo, email):
    login(client, email)
    assert client.get("/quan-tri/can-bo").status_code == 403
    assert client.get("/quan-tri/nhat-ky").status_code == 403


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/quan-tri/can-bo")
    assert response.status_code == 303 and "/tai-khoan/dang-nhap" in response.headers["Location"]


def test_the_staff_list_shows_the_administrators_agencies_only(admin, session):
    province = session.scalar(select(Agency).where(Agency.level == AgencyLevel.PROVINCE))
    outsider = User(email="tinh@example.gov.vn", display_name="Cán bộ tỉnh", agency=province,
                    role_rows=[UserRole(role=Role.PROCESSOR)])
    session.add(outsider)
    session.commit()
    html = admin.get("/quan-tri/can-bo").get_data(as_text=True)
    assert "Trần Văn Tiếp" in html and "Cán bộ tỉnh" not in html
    assert "Nguyễn Thị Minh Anh" not in html  # citizens are not staff
    # Another agency's account cannot even be opened (no probing either).
    assert admin.get(f"/quan-tri/can-bo/{outsider.id}").status_code == 404
    assert admin.post(f"/quan-tri/can-bo/{outsider.id}", data={}).status_code == 404


def test_creating_staff_sends_a_link_to_set_the_password(admin, session, mail):
    unit = session.scalar(select(Agency).where(Agency.code == "000.03.99.H49"))
    response = admin.post("/quan-tri/can-bo/moi", data={
        "display_name": "Vũ Thị Mới", "email": "moi@minhhoa.example.gov.vn",
        "agency": unit.id, "roles": ["processor", "receiver"]})
    assert response.status_code == 303
    user = _user(session, "moi@minhhoa.example.gov.vn")
    assert user.roles == {Role.PROCESSOR, Role.RECEIVER} and user.agency_id == unit.id
    assert user.password_hash is None
    link = mail.link()
    assert link.startswith("/tai-khoan/dat-lai-mat-khau/")
    admin.post("/tai-khoan/dang-xuat")
    assert admin.post(link, data={"password": "mot cau rat dai de nho"}).status_code == 303
    assert login(admin, "moi@minhhoa.example.gov.vn", "mot cau rat dai de nho").status_code == 303
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == audit.STAFF_CREATED))
    assert event.details["roles"] == ["processor", "receiver"]


def test_staff_cannot_be_placed_in_an_agency_outside_the_scope(admin, session):
    province = session.scalar(select(Agency).where(Agency.level == AgencyLevel.PROVINCE))
    response = admin.post("/quan-tri/can-bo/moi", data={
        "display_name": "X", "email": "x@minhhoa.example.gov.vn", "agency": province.id,
        "roles": ["processor"]})
    assert response.status_code == 422
    assert _user(session, "x@minhhoa.example.gov.vn") is None


def test_changing_roles_is_audited_and_ends_the_persons_sessions(app, admin, session):
    officer = app.test_client()
    login(officer, "motcua@demo.local")
    assert officer.get("/tai-khoan/").status_code == 200
    user = _user(session, "motcua@demo.local")
    response = admin.post(f"/quan-tri/can-bo/{user.id}", data={
        "display_name": user.display_name, "email": user.email, "agency": user.agency_id,
        "roles": ["receiver", "processor"], "active": "y"})
    assert response.status_code == 303
    assert _user(session, "motcua@demo.local").roles == {Role.RECEIVER, Role.PROCESSOR}
    assert officer.get("/tai-khoan/").status_code == 303  # logged out
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == audit.ROLES_CHANGED))
    assert event.details["before"] == ["receiver"]
    assert event.details["after"] == ["processor", "receiver"]


def test_deactivating_an_account_blocks_its_login(admin, session):
    user = _user(session, "chuyenvien@demo.local")
    admin.post(f"/quan-tri/can-bo/{user.id}", data={
        "display_name": user.display_name, "email": user.email, "agency": user.agency_id,
        "roles": ["processor"]})
    other = admin.application.test_client()
    assert login(other, "chuyenvien@demo.local").status_code == 422


def test_an_administrator_cannot_remove_their_own_admin_role(admin, session):
    me = _user(session, "quantri@demo.local")
    response = admin.post(f"/quan-tri/can-bo/{me.id}", data={
        "display_name": me.display_name, "email": me.email, "agency": me.agency_id,
        "roles": ["editor"], "active": "y"})
    assert response.status_code == 422 and Role.ADMIN in _user(session, me.email).roles


def test_audit_log_filters_and_exports(admin, client):
    other = admin.application.test_client()
    login(other, "congdan@demo.local", "sai")
    html = admin.get("/quan-tri/nhat-ky?thao-tac=login_failed").get_data(as_text=True)
    cells = re.findall(r'data-label="Thao tác">([^<]*)<', html)
    assert cells and set(cells) == {"Đăng nhập không thành công"}  # named in Vietnamese
    response = admin.get("/quan-tri/nhat-ky?thao-tac=login&dinh-dang=csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["at", "actor_id", "actor", "action"]
    assert {row[3] for row in rows[1:]} == {"login"}
    assert any(row[2] == "Đỗ Văn Quản" for row in rows[1:])


def test_audit_log_filters_by_date(admin):
    html = admin.get("/quan-tri/nhat-ky?tu-ngay-ngay=1&tu-ngay-thang=1&tu-ngay-nam=2000"
                     "&den-ngay-ngay=2&den-ngay-thang=1&den-ngay-nam=2000").get_data(True)
    assert "Không có sự kiện nào." in html


def test_the_audit_log_is_append_only_in_the_database(session, demo):
    audit.record(session, audit.LOGIN, actor_label="x")
    session.commit()
    with pytest.raises(DBAPIError):
        session.execute(update(AuditEvent).values(action="tampered"))
        session.flush()
    session.rollback()
    with pytest.raises(DBAPIError):
        session.execute(text("DELETE FROM audit_event"))
    session.rollback()
