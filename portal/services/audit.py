"""The audit log: who did what, when, from where (TT22-PL5-b). Append-only.

Every event keeps the actor, the time and the client address (``request.remote_addr``:
after ProxyFix, the address the trusted proxy passes, see ``PROXY_FIX_X_FOR``), and, where
something changed, its values before and after (:func:`changes`). The address is personal
data: :func:`forget_addresses` clears it once ``AUDIT_ADDRESS_DAYS`` have passed (a
periodic task, at most once a day; also ``flask audit housekeeping``). Rows are otherwise
never changed: database triggers refuse any other update, and deletions.

:data:`LABELS` names every action in Vietnamese for the administrators' view.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal import clock
from portal.db import begin_writing
from portal.models import AuditEvent, SiteState, User, utcnow
from portal.services import jobs

# Actions, as stored (filterable in the administrators' view).
LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOGIN_THROTTLED = "login_throttled"
LOGOUT = "logout"
LOGOUT_EVERYWHERE = "logout_everywhere"
REGISTER = "register"
EMAIL_VERIFIED = "email_verified"
PHONE_VERIFIED = "phone_verified"
PASSWORD_CHANGED = "password_changed"
PASSWORD_RESET_REQUESTED = "password_reset_requested"
PASSWORD_RESET = "password_reset"
ACCOUNT_DELETED = "account_deleted"
PROFILE_UPDATED = "profile_updated"
STAFF_CREATED = "staff_created"
ROLES_CHANGED = "roles_changed"
AGENCY_CHANGED = "agency_changed"
ACCOUNT_ACTIVATED = "account_activated"
ACCOUNT_DEACTIVATED = "account_deactivated"
ADDRESSES_CLEARED = "audit_addresses_cleared"
#: ``site_state``: the local day (ordinal) addresses were last cleared on.
ADDRESSES_STATE = "audit_addresses_cleared"


#: Every action in use, as administrators read it (TT22-PL5-b). Services name their own
#: actions (``dossier_<workflow action>``, ``<content kind>_<verb>``…); a new one without a
#: label here shows its code, and tests/test_audit.py lists those in use.
LABELS: dict[str, Any] = {
    # Accounts
    LOGIN: _l("Đăng nhập"),
    LOGIN_FAILED: _l("Đăng nhập không thành công"),
    LOGIN_THROTTLED: _l("Đăng nhập bị tạm chặn"),
    LOGOUT: _l("Đăng xuất"),
    LOGOUT_EVERYWHERE: _l("Đăng xuất trên mọi thiết bị"),
    REGISTER: _l("Đăng ký tài khoản"),
    EMAIL_VERIFIED: _l("Xác thực thư điện tử"),
    PHONE_VERIFIED: _l("Xác thực số điện thoại"),
    PASSWORD_CHANGED: _l("Đổi mật khẩu"),
    PASSWORD_RESET_REQUESTED: _l("Yêu cầu đặt lại mật khẩu"),
    PASSWORD_RESET: _l("Đặt lại mật khẩu"),
    ACCOUNT_DELETED: _l("Xóa tài khoản"),
    PROFILE_UPDATED: _l("Cập nhật hồ sơ cá nhân"),
    STAFF_CREATED: _l("Tạo tài khoản cán bộ"),
    ROLES_CHANGED: _l("Đổi vai trò của cán bộ"),
    "agency_changed": _l("Đổi cơ quan của cán bộ"),
    ACCOUNT_ACTIVATED: _l("Mở khóa tài khoản"),
    ACCOUNT_DEACTIVATED: _l("Khóa tài khoản"),
    ADDRESSES_CLEARED: _l("Xóa địa chỉ IP cũ trong nhật ký"),
    # The one-stop back office
    "dossier_register": _l("Hồ sơ: nhận hồ sơ tại Bộ phận Một cửa"),
    "dossier_scan": _l("Hồ sơ: đính kèm bản quét"),
    "dossier_accept": _l("Hồ sơ: tiếp nhận"),
    "dossier_refuse": _l("Hồ sơ: từ chối tiếp nhận"),
    "dossier_request_supplement": _l("Hồ sơ: yêu cầu bổ sung"),
    "dossier_assign": _l("Hồ sơ: chuyển xử lý"),
    "dossier_reassign": _l("Hồ sơ: phân công lại"),
    "dossier_note": _l("Hồ sơ: ghi chú nội bộ"),
    "dossier_consult": _l("Hồ sơ: xin ý kiến cơ quan khác"),
    "dossier_consult_answer": _l("Hồ sơ: trả lời xin ý kiến"),
    "dossier_request_fee": _l("Hồ sơ: yêu cầu nộp phí, lệ phí"),
    "dossier_fee_paid": _l("Hồ sơ: xác nhận đã nộp phí, lệ phí"),
    "dossier_next_step": _l("Hồ sơ: chuyển bước xử lý"),
    "dossier_propose": _l("Hồ sơ: trình phê duyệt"),
    "dossier_return_for_rework": _l("Hồ sơ: trả lại để xử lý tiếp"),
    "dossier_approve": _l("Hồ sơ: phê duyệt"),
    "dossier_result": _l("Hồ sơ: ban hành kết quả điện tử"),
    "dossier_extend": _l("Hồ sơ: gia hạn, hẹn lại ngày trả"),
    "dossier_return_result": _l("Hồ sơ: trả kết quả"),
    "dossier_stop": _l("Hồ sơ: dừng xử lý"),
    "dossier_message": _l("Hồ sơ: nhắn tin cho người nộp"),
    # Petitions and citizens' questions
    "petition_recorded": _l("Phản ánh: ghi nhận"),
    "petition_assigned": _l("Phản ánh: chuyển xử lý"),
    "petition_answered": _l("Phản ánh: trả lời"),
    "petition_published": _l("Phản ánh: công khai"),
    "petition_unpublished": _l("Phản ánh: thôi công khai"),
    "petition_closed": _l("Phản ánh: kết thúc"),
    "question_answered": _l("Câu hỏi: trả lời"),
    "question_published": _l("Câu hỏi: công khai"),
    "question_unpublished": _l("Câu hỏi: thôi công khai"),
    "question_promoted": _l("Câu hỏi: đưa vào hỏi đáp"),
    # Catalogue and content
    "procedure_created": _l("Thủ tục: tạo mới"),
    "procedure_updated": _l("Thủ tục: sửa"),
    "procedure_published": _l("Thủ tục: xuất bản"),
    "procedure_unpublished": _l("Thủ tục: thôi xuất bản"),
    "procedure_duplicated": _l("Thủ tục: nhân bản"),
    "procedure_restored": _l("Thủ tục: khôi phục phiên bản"),
    "catalogue_imported": _l("Nhập danh mục thủ tục"),
    "catalogue_exported": _l("Xuất danh mục thủ tục"),
    "form_spec_created": _l("Biểu mẫu điện tử: tạo mới"),
    "form_spec_updated": _l("Biểu mẫu điện tử: sửa"),
    "form_spec_published": _l("Biểu mẫu điện tử: xuất bản"),
    "form_spec_restored": _l("Biểu mẫu điện tử: khôi phục phiên bản"),
    "form_spec_discarded": _l("Biểu mẫu điện tử: bỏ bản đang sửa"),
    "guide_created": _l("Hướng dẫn: tạo mới"),
    "guide_updated": _l("Hướng dẫn: sửa"),
    "guide_published": _l("Hướng dẫn: xuất bản"),
    "guide_archived": _l("Hướng dẫn: lưu trữ"),
    "guide_restored": _l("Hướng dẫn: khôi phục"),
    "faq_created": _l("Hỏi đáp: tạo mới"),
    "faq_updated": _l("Hỏi đáp: sửa"),
    "faq_published": _l("Hỏi đáp: xuất bản"),
    "faq_archived": _l("Hỏi đáp: lưu trữ"),
    "faq_restored": _l("Hỏi đáp: khôi phục"),
    "notice_created": _l("Thông báo: tạo mới"),
    "notice_updated": _l("Thông báo: sửa"),
    "notice_published": _l("Thông báo: xuất bản"),
    "notice_archived": _l("Thông báo: lưu trữ"),
    "notice_restored": _l("Thông báo: khôi phục"),
    "survey_created": _l("Khảo sát: tạo mới"),
    "survey_updated": _l("Khảo sát: sửa"),
    "survey_published": _l("Khảo sát: xuất bản"),
    "survey_closed": _l("Khảo sát: kết thúc"),
    # Organisation and settings
    "agency_created": _l("Cơ quan, đơn vị: tạo mới"),
    "agency_updated": _l("Cơ quan, đơn vị: sửa"),
    "agency_moved": _l("Cơ quan, đơn vị: đổi thứ tự"),
    "agency_deleted": _l("Cơ quan, đơn vị: xóa"),
    "official_created": _l("Cán bộ liên hệ: tạo mới"),
    "official_updated": _l("Cán bộ liên hệ: sửa"),
    "official_moved": _l("Cán bộ liên hệ: đổi thứ tự"),
    "official_deleted": _l("Cán bộ liên hệ: xóa"),
    "field_created": _l("Lĩnh vực: tạo mới"),
    "field_updated": _l("Lĩnh vực: sửa"),
    "field_moved": _l("Lĩnh vực: đổi thứ tự"),
    "field_deleted": _l("Lĩnh vực: xóa"),
    "settings_updated": _l("Sửa thông tin cơ quan"),
    "reference_reload_requested": _l("Cập nhật danh mục dùng chung"),
    "calendar_exception_created": _l("Lịch làm việc: thêm ngày"),
    "calendar_exception_updated": _l("Lịch làm việc: sửa ngày"),
    "calendar_exception_deleted": _l("Lịch làm việc: xóa ngày"),
}


def record(session: Session, action: str, *, actor: User | None = None,
           actor_label: str | None = None, object_type: str | None = None,
           object_id: object = None, address: str | None = None, **details) -> AuditEvent:
    """Append an event. ``details`` must be JSON-serialisable and hold no secrets.

    Without an ``address``, the current request's client address is kept (None outside a
    request: a job, the command line).
    """
    if address is None and has_request_context():
        address = request.remote_addr
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor else None,
        actor_label=actor_label if actor_label is not None else _label(actor),
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        address=address,
        details=details,
    )
    session.add(event)
    return event


def _label(user: User | None) -> str:
    if user is None:
        return ""
    return user.display_name or user.email or user.phone or f"#{user.id}"


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """What changed between two snapshots: ``{key: [before, after]}`` for the keys whose
    value differs (a key missing on one side counts as None)."""
    return {key: [before.get(key), after.get(key)] for key in sorted(before.keys() | after.keys())
            if before.get(key) != after.get(key)}


def label(action: str) -> str:
    """The action's name in the page's language; an unknown action shows its code."""
    known = LABELS.get(action)
    return str(known) if known is not None else action


def describe(details: dict[str, Any] | None) -> list[str]:
    """The details of an event as short lines: ``key: before → after`` for what changed,
    ``key: value`` for the rest."""
    lines = []
    for key, value in (details or {}).items():
        if key == "changes" and isinstance(value, dict):
            lines += [f"{name}: {_shown(pair[0])} → {_shown(pair[1])}"
                      if isinstance(pair, list) and len(pair) == 2 else f"{name}: {_shown(pair)}"
                      for name, pair in value.items()]
        else:
            lines.append(f"{key}: {_shown(value)}")
    return lines


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, (list, tuple)):
        return ", ".join(_shown(item) for item in value)
    return str(value)


# --- Forgetting addresses (TT22-PL5-b; data minimisation) -------------------------------------


def clear_addresses(session: Session, now: datetime | None = None) -> int:
    """Clear the client address of events older than ``AUDIT_ADDRESS_DAYS``; return how many
    (None as the setting keeps addresses for ever). The clearing is itself logged."""
    days = current_app.config["AUDIT_ADDRESS_DAYS"]
    if days is None:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=days)
    cleared = session.execute(
        update(AuditEvent).where(AuditEvent.at < cutoff, AuditEvent.address.is_not(None))
        .values(address=None).execution_options(synchronize_session=False)).rowcount
    if cleared:
        record(session, ADDRESSES_CLEARED, actor_label=str(_l("Hệ thống")),
               object_type="audit_event", count=cleared, before=cutoff.isoformat())
    return cleared


@jobs.periodic
def forget_addresses(session: Session) -> int:
    """The daily clearing of old addresses, done by whichever runner comes first each day."""
    today = clock.today().toordinal()
    if session.scalar(select(SiteState.value).where(SiteState.key == ADDRESSES_STATE)) == today:
        return 0
    begin_writing(session)
    state = session.get(SiteState, ADDRESSES_STATE, with_for_update=True)
    if state is not None and state.value == today:  # another runner was quicker
        session.rollback()
        return 0
    cleared = clear_addresses(session)
    if state is None:
        session.add(SiteState(key=ADDRESSES_STATE, value=today))
    else:
        state.value = today
    session.commit()
    return cleared
