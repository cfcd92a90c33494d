"""What editors change on the settings page (issue 8): the site settings of
:mod:`portal.services.site_settings` with their rules (office hours, e-mail), the uploaded
logo, and reloading the shared catalogues in the background (TT22-PL2-05). Every change is
audited.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from portal.models import (
    AdminUnit,
    CodeEntry,
    CodeList,
    Job,
    JobStatus,
    SiteSetting,
    UnitLevel,
    User,
)
from portal.services import audit, files, jobs, reference, site_settings, uploads

SETTINGS_UPDATED = "settings_updated"
REFERENCE_RELOAD_REQUESTED = "reference_reload_requested"
#: The background job that loads the shared catalogues again.
REFERENCE_RELOAD = "reference.reload"

#: Logos are PNG or JPEG pictures (never SVG, which may carry script), 1 MB at most.
LOGO_RULE = uploads.FileRule(kinds=("png", "jpg"), max_bytes=1 * uploads.MB)
_IMAGE_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))

#: "07:30", also "7:30", "7h30", "7g30", "7.30", "7,30" (a phone's number keys).
_TIME = re.compile(r"^(\d{1,2})\s*[:hHgG.,]\s*(\d{2})$")

CODE_LIST_LABELS = {
    CodeList.ETHNICITY: _l("Dân tộc"),
    CodeList.NATIONALITY: _l("Quốc tịch"),
    CodeList.GENDER: _l("Giới tính"),
    CodeList.ID_DOCUMENT: _l("Loại giấy tờ tùy thân"),
}


@dataclass(frozen=True)
class SettingState:
    """A setting as the page shows it: the value in force and where it comes from."""

    key: str
    label: str
    kind: str
    value: Any
    #: True when editors set it; False when the configuration's value applies.
    stored: bool
    updated_at: datetime | None


def states(session: Session) -> dict[str, SettingState]:
    """Every editable setting, keyed by its configuration name."""
    rows = {row.key: row for row in session.scalars(select(SiteSetting))}
    result = {}
    for key, (label, kind) in site_settings.EDITABLE.items():
        row = rows.get(key)
        stored = row is not None and row.value != ""
        result[key] = SettingState(key, str(label), kind, site_settings.value(key), stored,
                                   row.updated_at if stored else None)
    return result


# --- Office hours -------------------------------------------------------------------------------

def parse_time(text: str | None) -> time | None:
    """A time of day typed as "07:30" (or "7h30"); None when it is not one."""
    match = _TIME.match((text or "").strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        return None
    return time(int(match[1]), int(match[2]))


def period_problems(periods: list[tuple[time, time]]) -> list[tuple[int, str]]:
    """What is wrong with office hours, as (period index, message): each period must end
    after it starts, come after the one before and not overlap it."""
    problems = []
    if not periods:
        return [(0, _("Nhập ít nhất một khoảng giờ làm việc."))]
    for index, (start, end) in enumerate(periods):
        before = periods[index - 1] if index else None
        if end <= start:
            problems.append((index, _("Giờ kết thúc phải sau giờ bắt đầu.")))
        elif before and start < before[0]:
            problems.append((index, _("Các khoảng phải theo thứ tự trong ngày: khoảng này bắt "
                                      "đầu trước khoảng phía trên.")))
        elif before and start < before[1]:
            problems.append((index, _("Khoảng này trùng với khoảng phía trên (kết thúc lúc "
                                      "%(end)s).", end=before[1].strftime("%H:%M"))))
    return problems


def as_setting(periods: list[tuple[time, time]]) -> list[list[str]]:
    """Office hours as stored: ``[["07:00", "11:30"], …]``."""
    return [[start.strftime("%H:%M"), end.strftime("%H:%M")] for start, end in periods]


# --- Saving -------------------------------------------------------------------------------------

def update(session: Session, values: dict[str, Any], user: User | None) -> list[str]:
    """Store the settings whose value differs from the one in force; return their keys.

    A value equal to the configuration's is not stored, so the setting keeps following the
    configuration.
    """
    changed, before = [], {}
    for key, new in values.items():
        old = site_settings.value(key)
        if _comparable(new) == _comparable(old):
            continue
        before[key] = _comparable(old)
        site_settings.save(session, key, new, user)
        changed.append(key)
    if changed:
        audit.record(session, SETTINGS_UPDATED, actor=user, object_type="site_setting",
                     keys=changed, changes=audit.changes(before, _now_in_force(changed)))
    return changed


def _now_in_force(keys: list[str]) -> dict[str, Any]:
    """The values of ``keys`` in force after a save, as the audit log keeps them."""
    return {key: _comparable(site_settings.value(key)) for key in keys}


def reset(session: Session, key: str, user: User | None) -> None:
    """Go back to the configuration's value of ``key``.

    :raises KeyError: ``key`` is not an editable setting.
    """
    before = {key: _comparable(site_settings.value(key))}
    site_settings.save(session, key, None, user)
    audit.record(session, SETTINGS_UPDATED, actor=user, object_type="site_setting",
                 keys=[key], reset=True, changes=audit.changes(before, _now_in_force([key])))


def set_logo(session: Session, storage: FileStorage | uploads.StoredFile,
             user: User | None) -> str:
    """Check an uploaded logo (PNG or JPEG by content, 1 MB at most), keep it and use it.

    :raises uploads.UploadError: the file is not such a picture; nothing was changed.
    """
    stored = uploads.accept(storage, LOGO_RULE)
    before = site_settings.value("LOGO_SHA256")
    site_settings.save(session, "LOGO_SHA256", stored.sha256, user)
    audit.record(session, SETTINGS_UPDATED, actor=user, object_type="site_setting",
                 keys=["LOGO_SHA256"], sha256=stored.sha256, size=stored.size,
                 changes=audit.changes({"LOGO_SHA256": before},
                                       {"LOGO_SHA256": stored.sha256}))
    return stored.sha256


def logo_media_type(sha256: str) -> str | None:
    """The content type of the logo in use, if ``sha256`` is it and it is a PNG or JPEG
    picture (no other stored file is ever served by the logo's address)."""
    if not sha256 or sha256 != site_settings.value("LOGO_SHA256"):
        return None
    try:
        path = files.store().path(sha256)
        with open(path, "rb") as handle:
            head = handle.read(8)
    except (OSError, ValueError):
        return None
    return next((media for signature, media in _IMAGE_SIGNATURES
                 if head.startswith(signature)), None)


def _comparable(value: Any) -> Any:
    """Tuples (configuration) and lists (stored JSON) compare equal; "" equals None."""
    if value in (None, ""):
        return None
    return json.loads(json.dumps(value))


# --- Shared catalogues --------------------------------------------------------------------------

def catalogue_counts(session: Session) -> list[tuple[str, int]]:
    """How many entries each shared catalogue holds, labelled for the page."""
    def units(level: UnitLevel, legacy: bool) -> int:
        return session.scalar(select(func.count()).select_from(AdminUnit).where(
            AdminUnit.level == level, AdminUnit.legacy.is_(legacy))) or 0

    counts = dict(session.execute(select(CodeEntry.code_list, func.count())
                                  .group_by(CodeEntry.code_list)).all())
    return [
        (_("Tỉnh, thành phố (từ 01/7/2025)"), units(UnitLevel.PROVINCE, False)),
        (_("Xã, phường, đặc khu (từ 01/7/2025)"), units(UnitLevel.COMMUNE, False)),
        (_("Đơn vị hành chính cũ (trước 01/7/2025)"), session.scalar(
            select(func.count()).select_from(AdminUnit).where(AdminUnit.legacy.is_(True))) or 0),
    ] + [(str(label), counts.get(code_list, 0)) for code_list, label in CODE_LIST_LABELS.items()]


def request_reload(session: Session, user: User, locale: str) -> Job:
    """Queue the reload of the shared catalogues, unless one is already waiting or running
    (then that one is returned). The caller commits, then calls :func:`jobs.kick`."""
    waiting = session.scalar(select(Job).where(
        Job.kind == REFERENCE_RELOAD, Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)))
        .order_by(Job.id.desc()).limit(1))
    if waiting is not None:
        return waiting
    job = jobs.enqueue(session, REFERENCE_RELOAD, {"locale": locale}, owner=user)
    session.flush()
    audit.record(session, REFERENCE_RELOAD_REQUESTED, actor=user, object_type="job",
                 object_id=job.id)
    return job


def latest_reload(session: Session, user: User) -> Job | None:
    """The latest catalogue reload ``user`` may follow (their own; any for administrators)."""
    job = session.scalar(select(Job).where(Job.kind == REFERENCE_RELOAD)
                         .order_by(Job.id.desc()).limit(1))
    return jobs.job_for(session, job.id, user) if job is not None else None


@jobs.handler(REFERENCE_RELOAD)
def reload_reference(session: Session, job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """Load the administrative units and code lists again from the installed packages and
    bundled data (an upsert: running it twice changes nothing)."""
    with force_locale(job.payload.get("locale") or current_app.config["LANGUAGES"][0]):
        progress(5, _("Đang nạp danh mục đơn vị hành chính."))
        units = reference.load_admin_units(session)
        progress(70, _("Đang nạp các danh mục mã."))
        entries = 0
        for code_list, items in reference.code_list_entries():
            entries += reference.load_code_list(session, code_list, items)
        progress(95, _("Đang hoàn tất."))
        return {"message": _("Đã cập nhật %(units)s đơn vị hành chính và %(entries)s mục danh "
                             "mục mã.", units=f"{units:,}".replace(",", "."),
                             entries=f"{entries:,}".replace(",", ".")),
                "admin_units": units, "code_entries": entries}
