"""Words for dossiers, shared by pages, e-mails and slips: file sizes, slip-style times,
where the result is returned, what an event means, how a status looks."""
from __future__ import annotations

from datetime import datetime

from flask_babel import format_decimal
from flask_babel import gettext as _

from portal.models import Channel, Dossier, DossierEvent, DossierStatus
from portal.services import workdays

#: A status's look: the modifier of ``portal-tag`` (colour backs the words, never replaces
#: them).
STATUS_TAGS = {
    DossierStatus.SUBMITTED: "new",
    DossierStatus.RECEIVED: "progress",
    DossierStatus.PROCESSING: "progress",
    DossierStatus.SUPPLEMENT: "action",
    DossierStatus.FEE: "action",
    DossierStatus.RESOLVED: "done",
    DossierStatus.RETURNED: "done",
    DossierStatus.REFUSED: "closed",
    DossierStatus.WITHDRAWN: "closed",
    DossierStatus.STOPPED: "closed",
}


def filesize(size: int | None) -> str:
    """``350 KB``, ``1,2 MB`` (decimal comma in Vietnamese)."""
    if not size:
        return "0 KB"
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{format_decimal(size / (1024 * 1024), format='#,##0.#')} MB"


def receipt_time(moment: datetime | None) -> str:
    """``08 giờ 37 phút, ngày 20 tháng 11 năm 2026``, as on the official slips."""
    if moment is None:
        return ""
    local = moment.astimezone(workdays.calendar().zone)
    return _("%(h)s giờ %(m)s phút, ngày %(d)s tháng %(mo)s năm %(y)s",
             h=f"{local.hour:02d}", m=f"{local.minute:02d}", d=f"{local.day:02d}",
             mo=f"{local.month:02d}", y=local.year)


def due_moment(dossier: Dossier) -> datetime | None:
    """When the result is due: the office's closing time on the due date."""
    if dossier.due_date is None:
        return None
    return workdays.calendar().closing_time(dossier.due_date)


def result_place(dossier: Dossier) -> str:
    """Where and how the citizen receives the result."""
    desk = dossier.receiving_agency
    if dossier.result_channel is Channel.ONLINE:
        return _("Trực tuyến: tải kết quả điện tử trong mục Hồ sơ của tôi trên Cổng Dịch vụ "
                 "công (mang giấy tờ gốc khi cơ quan yêu cầu đối chiếu)")
    if dossier.result_channel is Channel.POSTAL:
        return _("Qua dịch vụ bưu chính công ích, gửi tới: %(address)s",
                 address=dossier.result_address or "")
    place = desk.name + (f", {desk.address}" if desk.address else "")
    return _("Trực tiếp tại %(place)s", place=place)


def result_channel_label(channel: Channel) -> str:
    """A way of receiving the result, as offered to the citizen."""
    if channel is Channel.ONLINE:
        return _("Nhận kết quả điện tử trên Cổng Dịch vụ công")
    if channel is Channel.POSTAL:
        return _("Nhận qua dịch vụ bưu chính công ích (bưu điện gửi tới địa chỉ của bạn)")
    return _("Nhận trực tiếp tại Bộ phận Một cửa, nơi tiếp nhận hồ sơ")


def action_label(event: DossierEvent) -> str:
    """What an event means, in words."""
    from portal.services.workflow import ACTIONS, NOTES

    if event.action in ACTIONS:
        return str(ACTIONS[event.action].label)
    if event.action in NOTES:
        return str(NOTES[event.action][0])
    return event.status_to.label if event.status_to else event.action


def status_tag(status: DossierStatus) -> str:
    """The CSS modifier for a status tag."""
    return STATUS_TAGS[status]
