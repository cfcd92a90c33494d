"""The audit log records every staff action with actor, time, client address and what
changed; addresses are cleared after the retention period; actions read in Vietnamese
(TT22-PL5-b, issue 13 item 4)."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from portal.models import Agency, AuditEvent, Dossier, Procedure, User, utcnow
from portal.services import audit, workflow
from tests.conftest import login, make_app
from tests.test_dossiers import _submitted
from tests.test_slip_records import register_at_desk

DESK_IP, OFFICER_IP, LEADER_IP = "203.0.113.10", "203.0.113.20", "203.0.113.30"


def _as(app, email: str, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address  # as ProxyFix leaves it: remote_addr
    login(client, email)
    return client


def _act(client, code: str, action: str, **data) -> None:
    response = client.post(f"/mot-cua/ho-so/{code}/thao-tac/{action}", data=data)
    assert response.status_code == 303, (action, response.status_code)


def _events(session, code: str) -> list[AuditEvent]:
    session.rollback()  # end the read snapshot: see the requests' commits
    return list(session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "dossier", AuditEvent.object_id == code)
        .order_by(AuditEvent.id)))


def _user_id(session, email: str) -> int:
    return session.scalar(select(User.id).where(User.email == email))


def _walk_desk_dossier(app, session) -> str:
    """Desk intake, scans, acceptance, assignment, a note, a consultation, fees, extension,
    proposal sent back and approved, the result returned, a message: one dossier."""
    desk = _as(app, "motcua@demo.local", DESK_IP)
    officer = _as(app, "chuyenvien@demo.local", OFFICER_IP)
    leader = _as(app, "lanhdao@demo.local", LEADER_IP)
    code = register_at_desk(app, session, desk)
    _act(desk, code, "tiep-nhan")
    _act(officer, code, "phan-cong")
    _act(officer, code, "ghi-chu", **{"noi-dung": "Đã đối chiếu bản chính."})
    culture = session.scalar(select(Agency.id).where(Agency.code == "000.04.99.H49"))
    _act(officer, code, "xin-y-kien", **{"co-quan": str(culture), "so-ngay": "2",
                                         "noi-dung": "Xác nhận cư trú"})
    page = leader.get(f"/mot-cua/ho-so/{code}").get_data(as_text=True)
    consultation = re.search(r"/y-kien/(\d+)", page).group(1)
    assert leader.post(f"/mot-cua/ho-so/{code}/y-kien/{consultation}",
                       data={"tra-loi": "Đúng người cư trú."}).status_code == 303
    _act(officer, code, "yeu-cau-nop-phi", **{"so-tien": "8.000", "noi-dung": "Lệ phí"})
    _act(officer, code, "da-nop-phi")
    session.rollback()
    due = session.scalar(select(Dossier.due_date).where(Dossier.code == code))
    _act(officer, code, "gia-han", **{"ngay-hen": _working_day_after(app, due),
                                      "ly-do": "Cần xác minh thêm"})
    _act(officer, code, "trinh-duyet", **{"noi-dung": "Đề nghị cấp."})
    _act(leader, code, "tra-lai", **{"noi-dung": "Bổ sung căn cứ."})
    _act(officer, code, "trinh-duyet", **{"noi-dung": "Đề nghị cấp, đã bổ sung."})
    _act(leader, code, "phe-duyet")
    _act(desk, code, "tra-ket-qua", **{"hinh-thuc": "1"})
    assert desk.post(f"/mot-cua/ho-so/{code}/tin-nhan",
                     data={"noi-dung": "Mời ông nhận kết quả."}).status_code == 303
    return code


def _working_day_after(app, day) -> str:
    from portal.services import workdays

    with app.app_context():
        return workdays.calendar().add_working_days(day, 3).isoformat()


def test_every_staff_action_of_the_back_office_is_audited(app, client, session, demo):
    """TT22-PL5-b: one event per staff action, with the actor, the time, the client address
    and what changed."""
    code = _walk_desk_dossier(app, session)
    desk, officer, leader = (_user_id(session, f"{name}@demo.local")
                             for name in ("motcua", "chuyenvien", "lanhdao"))
    who = {desk: DESK_IP, officer: OFFICER_IP, leader: LEADER_IP}
    events = _events(session, code)
    assert [e.action for e in events] == [
        "dossier_register", "dossier_scan", "dossier_scan", "dossier_accept", "dossier_assign",
        "dossier_note", "dossier_consult", "dossier_consult_answer", "dossier_request_fee",
        "dossier_fee_paid", "dossier_extend", "dossier_propose", "dossier_return_for_rework",
        "dossier_propose", "dossier_approve", "dossier_result", "dossier_return_result",
        "dossier_message"]
    for event in events:
        assert event.actor_id in who and event.address == who[event.actor_id], event.action
        assert event.at is not None and event.actor_label and event.action in audit.LABELS
    by_action = {e.action: e.details for e in events}
    assert by_action["dossier_register"]["channel"] == 1
    assert by_action["dossier_register"]["procedure"] == "1.001193"
    assert [e.details["paper"] for e in events if e.action == "dossier_scan"] == [
        "original", "copy"]
    assert by_action["dossier_accept"].items() >= {"status_from": 1, "status_to": 2}.items()
    assert by_action["dossier_assign"]["changes"]["assignee"][0] is None
    assert "Lê Thị Xử Lý" in by_action["dossier_assign"]["changes"]["assignee"][1]
    assert by_action["dossier_request_fee"]["amount"] == "8000"
    old, new = by_action["dossier_extend"]["changes"]["due_date"]
    assert old < new
    assert by_action["dossier_approve"]["status_to"] == 9
    assert by_action["dossier_result"]["result"] == f"{code}-KQ1"
    assert by_action["dossier_return_result"].items() >= {"status_to": 10, "via": 1}.items()
    assert by_action["dossier_message"]["files"] == 0


def test_refusal_supplement_reassignment_and_stopping_are_audited(app, client, session, demo):
    desk = _as(app, "motcua@demo.local", DESK_IP)
    leader = _as(app, "lanhdao@demo.local", LEADER_IP)
    refused = _submitted(app, client).code
    _act(desk, refused, "tu-choi", **{"ly-do": "Không thuộc thẩm quyền của xã."})
    supplemented = _submitted(app, client).code
    _act(desk, supplemented, "yeu-cau-bo-sung", **{"noi-dung": "Bản sao Giấy chứng sinh"})
    stopped = _submitted(app, client).code
    _act(desk, stopped, "tiep-nhan")
    _act(_as(app, "chuyenvien@demo.local", OFFICER_IP), stopped, "phan-cong")
    _act(leader, stopped, "phan-cong", **{"can-bo": str(_user_id(session, "lanhdao@demo.local"))})
    _act(leader, stopped, "dung-xu-ly", **{"ly-do": "Người nộp đề nghị dừng."})
    assert [(e.action, e.details["status_to"], e.address) for e in _events(session, refused)] == [
        ("dossier_refuse", 3, DESK_IP)]
    assert [(e.action, e.details["status_to"]) for e in _events(session, supplemented)] == [
        ("dossier_request_supplement", 5)]
    stops = {e.action: e for e in _events(session, stopped)}
    reassigned = stops["dossier_reassign"]
    assert reassigned.address == LEADER_IP and "Phạm Văn Duyệt" in \
        reassigned.details["changes"]["assignee"][1]
    assert stops["dossier_stop"].details["status_to"] == 8


def test_the_address_is_the_one_the_trusted_proxy_passes(request, tmp_path):
    app = make_app("sqlite", request, tmp_path, seeded=True, PROXY_FIX_X_FOR=1)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.2"  # the proxy
    headers = {"X-Forwarded-For": "198.51.100.7"}
    client.post("/tai-khoan/dang-nhap", headers=headers, data={
        "identifier": "motcua@demo.local", "password": "Demo@12345"})
    from portal.extensions import db

    with app.app_context():
        birth = db.session.scalar(select(Procedure.id).where(Procedure.code == "1.001193"))
    client.post("/mot-cua/tiep-nhan", headers=headers, data={
        "thu-tuc": str(birth), "kenh": "1", "ho-ten": "Đinh Văn Quầy"})
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "dossier_register"))
        assert event.address == "198.51.100.7"
        for engine in db.engines.values():
            engine.dispose()


def test_settings_changes_keep_before_and_after(app, client, session, demo):
    client.environ_base["REMOTE_ADDR"] = DESK_IP
    login(client, "quantri@demo.local")
    old = app.config["SLIP_PLACE"]
    assert client.post("/quan-tri/thong-tin", data={
        "authority_name": app.config["AUTHORITY_NAME"], "authority_address": "Số 9",
        "authority_phone": app.config["AUTHORITY_PHONE"],
        "feedback_email": app.config["FEEDBACK_EMAIL"], "slip_place": "Bình Minh",
        "head_title": "CHỦ TỊCH", "head_name": "Nguyễn Văn Trưởng"}).status_code == 303
    session.rollback()
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "settings_updated"))
    assert event.address == DESK_IP and event.actor_label == "Đỗ Văn Quản"
    assert event.details["changes"]["SLIP_PLACE"] == [old, "Bình Minh"]
    assert event.details["changes"]["HEAD_NAME"] == [None, "Nguyễn Văn Trưởng"]


# --- Forgetting addresses ---------------------------------------------------------------------


def _old_and_new_events(session) -> tuple[int, int]:
    old = AuditEvent(action=audit.LOGIN, actor_label="a", address="192.0.2.1",
                     at=utcnow() - timedelta(days=181), details={"x": 1})
    new = AuditEvent(action=audit.LOGIN, actor_label="b", address="192.0.2.2",
                     at=utcnow() - timedelta(days=179))
    session.add_all([old, new])
    session.commit()
    return old.id, new.id


def test_addresses_are_cleared_after_the_retention_period(session):
    old_id, new_id = _old_and_new_events(session)
    assert audit.clear_addresses(session) == 1
    session.commit()
    old, new = session.get(AuditEvent, old_id), session.get(AuditEvent, new_id)
    session.refresh(old)
    assert old.address is None and old.details == {"x": 1} and old.action == audit.LOGIN
    assert new.address == "192.0.2.2"
    cleared = session.scalar(select(AuditEvent).where(
        AuditEvent.action == audit.ADDRESSES_CLEARED))
    assert cleared.details["count"] == 1 and cleared.actor_label == "Hệ thống"


def test_the_database_still_refuses_any_other_change(session):
    old_id, _new_id = _old_and_new_events(session)
    row = update(AuditEvent).where(AuditEvent.id == old_id)
    for statement in (row.values(action="tampered"), row.values(address="192.0.2.9"),
                      row.values(address=None, actor_label="x"),
                      delete(AuditEvent).where(AuditEvent.id == old_id)):
        with pytest.raises(DBAPIError):
            session.execute(statement)
        session.rollback()
    session.execute(text("UPDATE audit_event SET address = NULL WHERE id = :id"), {"id": old_id})
    session.commit()


def test_the_daily_task_and_the_command_clear_old_addresses(app, session, runner):
    _old_and_new_events(session)
    assert audit.forget_addresses(session) == 1
    assert audit.forget_addresses(session) == 0  # once a day, whichever runner is first
    _old_and_new_events(session)
    result = runner.invoke(args=["audit", "housekeeping"])
    assert result.exit_code == 0 and "1 audit events" in result.output
    app.config["AUDIT_ADDRESS_DAYS"] = None
    _old_and_new_events(session)
    assert audit.clear_addresses(session) == 0  # None: addresses are kept


# --- Action names ---------------------------------------------------------------------------


def _actions_in_use() -> set[str]:
    """Every action string the code records: literals passed to audit.record, the action
    constants of the services that record them, and the families built from a prefix."""
    from portal.services import (
        calendar_editor, field_editor, form_working, organisation_editor, settings_editor,
        surveys)

    root = Path(__file__).resolve().parent.parent / "portal"
    source = "\n".join(p.read_text(encoding="utf-8") for p in root.rglob("*.py"))
    found = set(re.findall(r'audit\.record\(\s*\w+,\s*"([a-z_]+)"', source))
    found |= set(re.findall(r'"(procedure_[a-z]+)" if', source))
    found |= set(re.findall(r'else "(procedure_[a-z]+)"', source))
    for module in (audit, calendar_editor, field_editor, form_working, organisation_editor,
                   settings_editor, surveys):
        found |= {value for name, value in vars(module).items() if name.isupper()
                  and isinstance(value, str) and re.fullmatch(r"[a-z]+(_[a-z]+)+", value)
                  and not name.endswith(("KIND", "_STATE", "KEY"))}
    staff = {name for name, spec in workflow.ACTIONS.items() if spec.by_staff}
    found |= {f"dossier_{name}" for name in staff | set(workflow.NOTES) | {"message"}}
    found |= {f"{kind}_{verb}" for kind in ("guide", "faq", "notice")
              for verb in ("created", "updated", "published", "archived", "restored")}
    found |= {f"petition_{verb}" for verb in ("recorded", "assigned", "answered", "published",
                                              "unpublished", "closed")}
    found |= {f"question_{verb}" for verb in ("answered", "published", "unpublished",
                                              "promoted")}
    return found


def test_every_action_in_use_has_a_vietnamese_name():
    missing = sorted(action for action in _actions_in_use() if action not in audit.LABELS)
    assert missing == []
    assert audit.label("something_new") == "something_new"  # unknown: its code


def test_the_log_shows_names_details_and_exports_csv(app, client, session, demo):
    code = _submitted(app, client).code
    desk = _as(app, "motcua@demo.local", DESK_IP)
    _act(desk, code, "tiep-nhan")
    admin = _as(app, "quantri@demo.local", LEADER_IP)
    html = admin.get("/quan-tri/nhat-ky?thao-tac=dossier_accept").get_data(as_text=True)
    assert re.findall(r'data-label="Thao tác">([^<]*)<', html) == ["Hồ sơ: tiếp nhận"]
    assert "status_to: 2" in html and DESK_IP in html
    assert re.search(r'<option[^>]*value="dossier_accept"[^>]*>Hồ sơ: tiếp nhận</option>', html)
    csv = admin.get("/quan-tri/nhat-ky?thao-tac=dossier_accept&dinh-dang=csv")
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].endswith(",action_label") and lines[1].endswith(",Hồ sơ: tiếp nhận")
    english = admin.get("/quan-tri/nhat-ky?thao-tac=dossier_accept&lang=en").get_data(True)
    assert "Dossier: accepted" in english
