"""The working-day calendar people can correct (HOL-2026, issue 13 item 6): the shipped 2026
decisions in the database, the calendar every worker follows after a change, exceptions of
one agency, and the administrators' pages (/quan-tri/lich-lam-viec)."""
from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from flask import g
from sqlalchemy import func, select

from portal import create_app
from portal.models import (
    Agency,
    AuditEvent,
    CalendarException,
    DayKind,
    Dossier,
    Procedure,
    TimeUnit,
)
from portal.services import calendar_editor, dossiers, workdays
from portal.services.workflow import OPEN
from tests.conftest import _dispose, base_config, login

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
DESK, COMMUNE, UNIT = "000.01.99.H49", "000.00.99.H49", "000.03.99.H49"


def _agency(session, code: str) -> Agency:
    return session.scalar(select(Agency).where(Agency.code == code))


def _next_request(session) -> None:
    """What a new request sees: the commits made since (no old snapshot, no cached version)."""
    session.rollback()
    g.pop("calendar_version", None)


def _add(session, day: date, kind: DayKind, agency: Agency | None = None,
         decision: str = "01/QĐ-UBND") -> CalendarException:
    item = calendar_editor.save(session, None, calendar_editor.DayData(
        day=day, kind=kind, decision=decision, note=None, agency=agency), None)
    session.commit()
    return item


# --- The calendar in force ---------------------------------------------------------------------


def test_a_new_database_has_the_official_2026_calendar(session):
    """HOL-2026: the migration (and, on PostgreSQL between tests, the reload) ships them."""
    calendar = workdays.calendar()
    assert not calendar.is_working_day(date(2026, 1, 2))
    assert calendar.is_working_day(date(2026, 1, 10))
    assert calendar.is_working_day(date(2026, 8, 22))
    assert calendar.is_working_day(date(2026, 11, 24))
    assert not calendar.is_working_day(date(2026, 4, 27))
    assert session.scalar(select(func.count()).select_from(CalendarException)) == 22


def test_every_worker_follows_a_change_from_its_next_request(app, session):
    """Two apps on one database stand for two workers, each with its own cached calendar."""
    other = create_app(base_config(app.instance_path, app.config["DATABASE_URL"]))
    day = date(2026, 12, 31)  # a Thursday
    try:
        with other.app_context():
            assert workdays.calendar().is_working_day(day)  # cached by the other worker
        assert workdays.calendar().is_working_day(day)
        item = _add(session, day, DayKind.DAY_OFF)
        assert not workdays.calendar().is_working_day(day)  # this request follows at once
        with other.app_context():  # the other worker's next request
            assert not workdays.calendar().is_working_day(day)
        calendar_editor.delete(session, item, None)
        session.commit()
        with other.app_context():
            assert workdays.calendar().is_working_day(day)
    finally:
        _dispose(other)


def test_an_agency_exception_applies_to_its_units_and_the_nearest_wins(session, demo):
    desk, commune, unit = (_agency(session, code) for code in (DESK, COMMUNE, UNIT))
    monday = date(2026, 12, 7)
    _add(session, monday, DayKind.DAY_OFF, commune, "05/QĐ-UBND")  # a local festival
    assert workdays.calendar().is_working_day(monday)  # not everywhere
    assert not workdays.calendar(commune).is_working_day(monday)
    assert not workdays.calendar(desk.id).is_working_day(monday)  # a unit of the commune
    _add(session, monday, DayKind.WORKING_DAY, unit, "06/QĐ-UBND")
    assert workdays.calendar(unit).is_working_day(monday)  # its own decision wins
    assert not workdays.calendar(desk).is_working_day(monday)
    province = session.scalar(select(Agency).where(Agency.parent_id.is_(None)))
    assert workdays.calendar(province).is_working_day(monday)  # above the commune: unchanged


def test_a_dossier_follows_its_desks_calendar(session, demo):
    desk, commune = _agency(session, DESK), _agency(session, COMMUNE)
    procedure = session.scalars(select(Procedure).where(
        Procedure.processing_unit == TimeUnit.WORKING_DAY, Procedure.processing_amount >= 2)
        .order_by(Procedure.code)).first()
    received = datetime(2026, 12, 4, 9, 0, tzinfo=HANOI)  # a Friday
    _days, before = dossiers.deadline(procedure, received, desk)
    _add(session, date(2026, 12, 7), DayKind.DAY_OFF, commune)
    _days, after = dossiers.deadline(procedure, received, desk)
    assert after == workdays.calendar(desk).add_working_days(before, 1) and after > before
    assert dossiers.deadline(procedure, received)[1] == before  # elsewhere: unchanged


def test_the_config_days_still_work_under_the_table(app, session):
    app.config.update(EXTRA_DAYS_OFF=("2026-12-30",), EXTRA_WORKING_DAYS=("2026-01-03",))
    app.extensions.pop(workdays.CACHE_KEY, None)
    calendar = workdays.calendar()
    assert not calendar.is_working_day(date(2026, 12, 30))
    # The table wins: 3/1 is part of the New Year holiday by decision.
    assert not calendar.is_working_day(date(2026, 1, 3))


def test_the_shipped_days_are_loaded_once(session):
    assert calendar_editor.load_shipped(session, 2026) == 0


# --- The administrators' pages ------------------------------------------------------------------


@pytest.fixture
def admin(client, demo):
    login(client, "quantri@demo.local")
    return client


@pytest.fixture
def top_admin(app, session, demo):
    """An administrator of every agency (as ``flask users create-admin`` makes one)."""
    from portal.models import Role
    from portal.services import accounts

    accounts.create_staff(session, None, email="tinh@example.gov.vn",
                          display_name="Quản trị tỉnh", roles={Role.ADMIN}, agency=None,
                          password="Demo@12345")
    session.commit()
    client = app.test_client()
    login(client, "tinh@example.gov.vn")
    return client


def _form(**values) -> dict:
    day = values.pop("day", date(2026, 12, 31))
    return {"ngay-ngay": str(day.day), "ngay-thang": str(day.month), "ngay-nam": str(day.year),
            "kind": "day_off", "van-ban": "07/QĐ-UBND", "ghi-chu": "", **values}


@pytest.mark.parametrize("email", ["congdan@demo.local", "motcua@demo.local",
                                   "bientap@demo.local"])
def test_only_administrators_keep_the_calendar(client, demo, email):
    login(client, email)
    assert client.get("/quan-tri/lich-lam-viec").status_code == 403
    assert client.post("/quan-tri/lich-lam-viec/moi", data=_form()).status_code == 403


def test_the_year_lists_the_package_and_the_decisions(admin):
    html = admin.get("/quan-tri/lich-lam-viec?nam=2026").get_data(as_text=True)
    assert "Lịch làm việc năm 2026" in html
    assert re.search(r"02/01/2026.*?Ngày nghỉ.*?12729/VPCP-KGVX", html, re.S)
    assert re.search(r"10/01/2026.*?Ngày làm việc.*?12729/VPCP-KGVX", html, re.S)
    assert re.search(r"24/11/2026.*?Ngày làm việc.*?lịch nghỉ lễ chung ghi là ngày nghỉ",
                     html, re.S)
    assert "giữ nguyên" in html  # what a change does to deadlines already computed
    assert admin.get("/quan-tri/lich-lam-viec?nam=99999").status_code == 200


def test_adding_a_day_says_what_it_does_to_deadlines_and_is_audited(top_admin, session):
    open_due = session.scalar(select(func.count()).select_from(Dossier).where(
        Dossier.status.in_(OPEN), Dossier.due_date >= date(2026, 12, 31)))
    response = top_admin.post("/quan-tri/lich-lam-viec/moi", data=_form(
        **{"ghi-chu": "Nghỉ bù"}), follow_redirects=True)
    html = response.get_data(as_text=True)
    _next_request(session)
    assert "Đã lưu ngày 31/12/2026." in html and "giữ nguyên" in html
    if open_due:
        assert f"{open_due} hồ sơ đang giải quyết có ngày hẹn từ 31/12/2026" in html
    assert not workdays.calendar().is_working_day(date(2026, 12, 31))
    event = session.scalar(select(AuditEvent).where(
        AuditEvent.action == calendar_editor.CREATED))
    assert event.actor_id is not None and event.address == "127.0.0.1"
    assert event.details["changes"]["decision"] == [None, "07/QĐ-UBND"]


def test_a_day_is_edited_and_deleted_with_before_and_after(top_admin, session):
    item_id = session.scalar(select(CalendarException.id).where(
        CalendarException.day == date(2026, 11, 24)))
    page = top_admin.get(f"/quan-tri/lich-lam-viec/{item_id}").get_data(as_text=True)
    assert 'value="24"' in page and "Bộ luật Lao động 2019" in page
    assert top_admin.post(f"/quan-tri/lich-lam-viec/{item_id}", data=_form(
        day=date(2026, 11, 24), kind="day_off", **{"van-ban": "99/2026/QH15"})
    ).status_code == 303
    _next_request(session)
    assert not workdays.calendar().is_working_day(date(2026, 11, 24))
    updated = session.scalar(select(AuditEvent).where(
        AuditEvent.action == calendar_editor.UPDATED))
    assert updated.details["changes"]["kind"] == ["working_day", "day_off"]
    confirm = top_admin.get(f"/quan-tri/lich-lam-viec/{item_id}/xoa").get_data(as_text=True)
    assert "Xóa ngày 24/11/2026 khỏi lịch?" in confirm
    assert top_admin.post(f"/quan-tri/lich-lam-viec/{item_id}/xoa").status_code == 303
    _next_request(session)
    assert session.get(CalendarException, item_id) is None
    assert not workdays.calendar().is_working_day(date(2026, 11, 24))  # the package again
    assert session.scalar(select(AuditEvent.details).where(
        AuditEvent.action == calendar_editor.DELETED))["changes"]["decision"][0] == \
        "99/2026/QH15"


def test_mistakes_come_back_beside_the_field(top_admin):
    response = top_admin.post("/quan-tri/lich-lam-viec/moi", data=_form(
        **{"van-ban": "", "ngay-thang": "13"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Lỗi:" in html
    assert "Ngày này không có thật" in html and "Nhập số, ký hiệu văn bản" in html
    taken = top_admin.post("/quan-tri/lich-lam-viec/moi", data=_form(day=date(2026, 1, 2)))
    assert taken.status_code == 422 and "Ngày này đã có trong lịch" in taken.get_data(True)
    far = top_admin.post("/quan-tri/lich-lam-viec/moi", data=_form(day=date(2300, 1, 2)))
    assert far.status_code == 422 and "Năm phải từ 2000 đến 2100." in far.get_data(True)


def test_an_agency_administrator_keeps_their_agencies_only(admin, session):
    commune = _agency(session, COMMUNE)
    general = session.scalar(select(CalendarException).where(
        CalendarException.day == date(2026, 1, 2)))
    assert admin.get(f"/quan-tri/lich-lam-viec/{general.id}").status_code == 404
    assert admin.post(f"/quan-tri/lich-lam-viec/{general.id}/xoa").status_code == 404
    everywhere = admin.post("/quan-tri/lich-lam-viec/moi", data=_form(**{"co-quan": ""}))
    assert everywhere.status_code == 422  # not for every agency
    response = admin.post("/quan-tri/lich-lam-viec/moi", data=_form(
        day=date(2026, 1, 2), kind="working_day", **{"co-quan": str(commune.id)}))
    assert response.status_code == 303  # the commune's own decision for that day
    _next_request(session)
    desk = _agency(session, DESK)
    assert workdays.calendar(desk).is_working_day(date(2026, 1, 2))
    assert not workdays.calendar().is_working_day(date(2026, 1, 2))
    form = admin.get("/quan-tri/lich-lam-viec/moi?ngay=2026-11-24").get_data(as_text=True)
    assert 'name="ngay-ngay"' in form and 'value="24"' in form
    assert "Mọi cơ quan, đơn vị</option>" not in form


def test_calendar_posts_need_the_csrf_token(request, tmp_path):
    from tests.conftest import make_app

    app = make_app("sqlite", request, tmp_path, seeded=True, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/tai-khoan/dang-nhap").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/tai-khoan/dang-nhap", data={"csrf_token": token,
                                              "identifier": "quantri@demo.local",
                                              "password": "Demo@12345"})
    assert client.post("/quan-tri/lich-lam-viec/moi", data=_form()).status_code == 400
