"""What one-stop staff do to a dossier, from receipt to result (TT22-PL2-02, ND61-17,
ND61-LATE, ND45-14.3). Each function checks what the state machine and the officer's role
allow (:mod:`portal.services.workflow`), writes the event and moves the plan's step.

:class:`OfficeError` carries a message for the officer (Vietnamese); the view shows it next
to the action and changes nothing.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.models import (
    Agency,
    Channel,
    Consultation,
    Dossier,
    DossierStatus,
    Extension,
    FeeRequest,
    Role,
    User,
    utcnow,
)
from portal.services import backoffice, workdays, workflow

S = DossierStatus


class OfficeError(ValueError):
    """An action that cannot be taken now, with the reason for the officer."""


def _require(user: User, *roles: Role) -> None:
    if not user.has_role(*roles):
        raise OfficeError(_("Tài khoản của bạn không có quyền thực hiện thao tác này."))


#: The longest note, reason or answer an officer's action keeps.
TEXT_LIMIT = 5000


def _text(value: str | None, what: str, minimum: int = 3) -> str:
    text = (value or "").strip()
    if len(text) < minimum:
        raise OfficeError(_("Nhập %(what)s.", what=what))
    if len(text) > TEXT_LIMIT:  # said, never cut: the officer shortens it
        raise OfficeError(_("Tối đa %(n)d ký tự cho %(what)s (đã nhập %(m)d). Hãy rút gọn.",
                            n=TEXT_LIMIT, what=what, m=len(text)))
    return text


def _enter_step(dossier: Dossier, index: int) -> None:
    dossier.step = index
    dossier.step_due_date = backoffice.step_due(dossier, index)


# --- Receiving (cán bộ một cửa) -----------------------------------------------------------


def accept(session: Session, dossier: Dossier, staff: User, now: datetime | None = None):
    """Accept a complete dossier (status 2; the receipt, Mẫu 01, is issued). A paper dossier
    needs a scan of every required paper first (ND61-17.1)."""
    from portal.services import counter

    if dossier.channel is not Channel.ONLINE:
        missing = counter.missing_scans(dossier)
        if missing:
            raise OfficeError(_("Chưa có bản quét của: %(names)s.", names="; ".join(
                c.name[:80] for c in missing)))
    event = _apply(session, dossier, "accept", staff, now=now)
    _enter_step(dossier, backoffice.step_index(dossier.procedure, "processor", after=0))
    return event


def refuse(session: Session, dossier: Dossier, staff: User, reason: str,
           now: datetime | None = None):
    """Refuse the dossier with the reason (status 3, Mẫu 03)."""
    return _apply(session, dossier, "refuse", staff, note=_text(reason, _("lý do từ chối")),
                  now=now)


def request_supplement(session: Session, dossier: Dossier, staff: User, items: str,
                       note: str | None = None):
    """Ask once, in writing, for everything missing (status 5, Mẫu 02); ``items`` one per
    line."""
    lines = [line.strip(" -•\t") for line in (items or "").splitlines() if line.strip(" -•\t")]
    if not lines:
        raise OfficeError(_("Liệt kê từng giấy tờ hoặc nội dung cần bổ sung, mỗi dòng một mục."))
    try:
        return workflow.request_supplement(session, dossier, staff, lines, note)
    except workflow.IllegalTransition as error:
        raise OfficeError(_("Không yêu cầu bổ sung được ở bước này.")) from error


# --- Processing -------------------------------------------------------------------------------


def assign(session: Session, dossier: Dossier, staff: User, officer: User,
           now: datetime | None = None):
    """Give the dossier to a processing officer (or take it: ``officer`` is ``staff``)."""
    if not officer.has_role(Role.PROCESSOR, Role.APPROVER) or not officer.is_active:
        raise OfficeError(_("Chọn một chuyên viên xử lý."))
    change = {"changes": {"assignee": [_person(dossier.assignee), _person(officer)]}}
    if dossier.status is S.PROCESSING:
        _require(staff, Role.APPROVER, Role.PROCESSOR)
        dossier.assignee = officer
        return workflow.note(session, dossier, "reassign", staff, officer.display_name, now=now,
                             details=change)
    dossier.assignee = officer
    return _apply(session, dossier, "assign", staff, note=officer.display_name, now=now,
                  details=change)


def _person(user: User | None) -> str | None:
    """An officer as the audit log names them."""
    return f"{user.display_name} (#{user.id})" if user else None


def note(session: Session, dossier: Dossier, staff: User, text: str):
    """An internal note on the work done (never shown to the citizen)."""
    _require(staff, *backoffice.STAFF_ROLES)
    return workflow.note(session, dossier, "note", staff, _text(text, _("nội dung ghi chú")))


def consult(session: Session, dossier: Dossier, staff: User, agency: Agency | None,
            question: str, days: int) -> Consultation:
    """Ask another agency for its opinion by a due date (an inter-agency step)."""
    _require(staff, Role.PROCESSOR, Role.APPROVER)
    if dossier.status is not S.PROCESSING:
        raise OfficeError(_("Chỉ xin ý kiến khi hồ sơ đang xử lý."))
    if agency is None:
        raise OfficeError(_("Chọn cơ quan cần xin ý kiến."))
    if not 1 <= days <= 30:
        raise OfficeError(_("Thời hạn trả lời từ 1 đến 30 ngày làm việc."))
    calendar = workdays.for_dossier(dossier)
    due = calendar.add_working_days(utcnow().astimezone(calendar.zone).date(), days)
    consultation = Consultation(dossier=dossier, agency=agency, asked_by_id=staff.id,
                                question=_text(question, _("nội dung xin ý kiến")),
                                due_date=due)
    session.add(consultation)
    workflow.note(session, dossier, "consult", staff, f"{agency.name}: {consultation.question}")
    return consultation


def answer_consultation(session: Session, consultation: Consultation, staff: User,
                        answer: str):
    """The consulted agency answers (once)."""
    if consultation.answered_at is not None:
        raise OfficeError(_("Ý kiến này đã được trả lời."))
    if consultation.agency_id not in backoffice.scope(session, staff):
        raise OfficeError(_("Chỉ cơ quan được hỏi mới trả lời được."))
    consultation.answer = _text(answer, _("nội dung trả lời"))
    consultation.answered_by_id, consultation.answered_at = staff.id, utcnow()
    return workflow.note(session, consultation.dossier, "consult_answer", staff,
                         f"{consultation.agency.name}: {consultation.answer}")


def propose(session: Session, dossier: Dossier, staff: User, proposal: str,
            now: datetime | None = None):
    """Finish the current processing step: the next processing step, or to the approver
    with the proposed result."""
    _require(staff, Role.PROCESSOR, Role.APPROVER)
    if dossier.status is not S.PROCESSING or dossier.awaiting_approval:
        raise OfficeError(_("Hồ sơ không ở bước xử lý."))
    text = _text(proposal, _("nội dung đề xuất"))
    following = backoffice.step_index(dossier.procedure, "approver", after=dossier.step)
    steps = backoffice.plan(dossier.procedure)
    nxt = dossier.step + 1
    if nxt < len(steps) and steps[nxt]["role"] == "processor":
        _enter_step(dossier, nxt)
        return workflow.note(session, dossier, "next_step", staff, text, now=now)
    dossier.proposal, dossier.awaiting_approval = text, True
    _enter_step(dossier, following)
    return workflow.note(session, dossier, "propose", staff, text, now=now)


def return_for_rework(session: Session, dossier: Dossier, approver: User, comments: str):
    """The approver sends the proposal back with comments."""
    _require(approver, Role.APPROVER)
    if not dossier.awaiting_approval:
        raise OfficeError(_("Không có đề xuất nào đang chờ duyệt."))
    dossier.awaiting_approval = False
    _enter_step(dossier, backoffice.step_index(dossier.procedure, "processor", after=0))
    return workflow.note(session, dossier, "return_for_rework", approver,
                         _text(comments, _("ý kiến chỉ đạo")))


def approve(session: Session, dossier: Dossier, approver: User, storage=None,
            now: datetime | None = None):
    """Approve the proposal: the e-result is issued (uploaded or generated) and the dossier
    is resolved (status 9), waiting to be returned."""
    from portal.services import results

    if not dossier.awaiting_approval:
        raise OfficeError(_("Không có đề xuất nào đang chờ duyệt."))
    result = results.issue(session, dossier, approver, storage)
    dossier.awaiting_approval = False
    _apply(session, dossier, "approve", approver, note=dossier.proposal, now=now)
    _enter_step(dossier, len(backoffice.plan(dossier.procedure)) - 1)
    workflow.note(session, dossier, "result", approver, result.code, now=now,
                  details={"result": result.code, "sha256": result.sha256})
    return result


def request_fee(session: Session, dossier: Dossier, staff: User, amount: str,
                description: str, now: datetime | None = None) -> FeeRequest:
    """Ask the citizen to pay fees or charges (status 6)."""
    try:
        value = Decimal((amount or "").replace(".", "").replace(",", "").replace(" ", ""))
    except InvalidOperation:
        value = Decimal(0)
    if value <= 0 or value > Decimal("10000000000"):
        raise OfficeError(_("Nhập số tiền bằng chữ số, ví dụ 50.000."))
    fee = FeeRequest(dossier=dossier, amount=value, requested_by_id=staff.id,
                     description=_text(description, _("nội dung phí, lệ phí")))
    session.add(fee)
    _apply(session, dossier, "request_fee", staff,
           note=f"{fee.description}: {value:,.0f} đồng".replace(",", "."), now=now,
           details={"amount": str(value)})
    return fee


def confirm_fee(session: Session, dossier: Dossier, staff: User):
    """The fees were paid: back to processing."""
    fee = next((f for f in reversed(dossier.fee_requests) if f.paid_at is None), None)
    if fee is not None:
        fee.paid_at, fee.confirmed_by_id = utcnow(), staff.id
    return _apply(session, dossier, "fee_paid", staff)


def extend(session: Session, dossier: Dossier, staff: User, new_due: date | None,
           reason: str) -> Extension:
    """A later due date with an apology (Mẫu 04, ND61-LATE); the dossier counts as late."""
    _require(staff, Role.PROCESSOR, Role.APPROVER)
    if dossier.status.closed or dossier.status is S.RESOLVED or dossier.due_date is None:
        raise OfficeError(_("Hồ sơ này không gia hạn được."))
    if new_due is None or new_due <= dossier.due_date:
        raise OfficeError(_("Ngày hẹn mới phải sau ngày hẹn hiện tại (%(day)s).",
                            day=dossier.due_date.strftime("%d/%m/%Y")))
    if not workdays.for_dossier(dossier).is_working_day(new_due):
        raise OfficeError(_("Ngày hẹn mới phải là ngày làm việc."))
    extension = Extension(dossier=dossier, old_due_date=dossier.due_date, new_due_date=new_due,
                          reason=_text(reason, _("lý do gia hạn")), created_by_id=staff.id)
    session.add(extension)
    dossier.due_date, dossier.extended_at = new_due, utcnow()
    dossier.step_due_date = backoffice.step_due(dossier, dossier.step)
    workflow.note(session, dossier, "extend", staff, _(
        "Hẹn lại ngày trả kết quả: %(day)s. Lý do: %(reason)s",
        day=new_due.strftime("%d/%m/%Y"), reason=extension.reason), details={"changes": {
            "due_date": [extension.old_due_date.isoformat(), new_due.isoformat()]}})
    return extension


def return_result(session: Session, dossier: Dossier, staff: User, via: Channel,
                  now: datetime | None = None):
    """Hand the result over (status 10) at the desk, by post or online."""
    dossier.returned_via = via
    return _apply(session, dossier, "return_result", staff, now=now,
                  details={"via": int(via)})


def stop(session: Session, dossier: Dossier, approver: User, reason: str):
    """Stop processing with the reason (status 8)."""
    dossier.awaiting_approval = False
    return _apply(session, dossier, "stop", approver, note=_text(reason, _("lý do dừng xử lý")))


def _apply(session: Session, dossier: Dossier, action: str, staff: User, *,
           note: str | None = None, now: datetime | None = None, details: dict | None = None):
    try:
        return workflow.apply(session, dossier, action, staff, note=note, now=now,
                              details=details)
    except workflow.IllegalTransition as error:
        raise OfficeError(_("Không thực hiện được “%(action)s” ở trạng thái “%(status)s”.",
                            action=workflow.ACTIONS[action].label,
                            status=dossier.status.label)) from error


def default_extension(dossier: Dossier, days: int = 5) -> date | None:
    """A suggested new due date: ``days`` working days after the current one."""
    if dossier.due_date is None:
        return None
    return workdays.for_dossier(dossier).add_working_days(dossier.due_date, days)


def parse_day(raw: str | None) -> date | None:
    """``dd/mm/yyyy`` or ``yyyy-mm-dd`` (a date input) → date, None if unreadable."""
    raw = (raw or "").strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    return None
