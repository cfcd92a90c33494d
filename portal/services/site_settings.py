"""Settings editors change in the admin pages (the authority's name, address, phone, office
hours, feedback address, logo…). Each overrides the configuration key of the same name;
without a stored value the configuration (``portal/config.py``, the environment) applies.

Values are read once per request (one query) and kept in ``g``.
"""
from __future__ import annotations

import json

from flask import current_app, g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from portal.models import SiteSetting, User

#: The editable settings: key → (label, kind). ``json`` values are stored as JSON text.
EDITABLE = {
    "AUTHORITY_NAME": (_l("Tên cơ quan"), "text"),
    "AUTHORITY_NAME_EN": (_l("Tên cơ quan (tiếng Anh)"), "text"),
    "AUTHORITY_ADDRESS": (_l("Địa chỉ"), "text"),
    "AUTHORITY_PHONE": (_l("Điện thoại"), "text"),
    "FEEDBACK_EMAIL": (_l("Thư điện tử nhận góp ý"), "email"),
    "OFFICE_HOURS": (_l("Giờ làm việc"), "json"),
    "SLIP_PLACE": (_l("Địa danh ghi trên phiếu"), "text"),
    "HEAD_TITLE": (_l("Chức vụ của thủ trưởng cơ quan (ký Phiếu xin lỗi, Mẫu 04)"), "text"),
    "HEAD_NAME": (_l("Họ và tên thủ trưởng cơ quan"), "text"),
    "LOGO_SHA256": (_l("Biểu trưng"), "file"),
}


def _stored() -> dict[str, str]:
    if "site_settings" not in g:
        from portal.extensions import db

        try:
            g.site_settings = {row.key: row.value for row in db.session.scalars(
                select(SiteSetting))}
        except SQLAlchemyError:  # not migrated yet (first start): the configuration applies
            db.session.rollback()
            g.site_settings = {}
    return g.site_settings


def value(key: str):
    """The setting: the stored value if editors set one, else the configuration's."""
    stored = _stored().get(key) if has_app_context() else None
    if stored in (None, ""):
        return current_app.config.get(key)
    if EDITABLE.get(key, ("", "text"))[1] == "json":
        return json.loads(stored)
    return stored


def save(session: Session, key: str, raw, user: User | None) -> None:
    """Store a setting (``None`` or "" goes back to the configuration's value)."""
    if key not in EDITABLE:
        raise KeyError(key)
    text = json.dumps(raw, ensure_ascii=False) if EDITABLE[key][1] == "json" and raw else (
        raw or "")
    row = session.get(SiteSetting, key) or SiteSetting(key=key)
    row.value, row.updated_by_id = text, user.id if user else None
    session.add(row)
    session.flush()
    g.pop("site_settings", None)
