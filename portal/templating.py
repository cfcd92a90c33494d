"""Template filters and globals: money in VND, Vietnamese dates, versioned static URLs."""
from __future__ import annotations

import hashlib
import json
import os
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from flask import Flask, current_app, has_request_context, request, url_for
from flask_babel import format_date, format_datetime, format_decimal
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l

from portal import seo
from portal.htmx import wants_fragment
from portal.i18n import current_language

#: htmx settings, read from ``<meta name="htmx-config">`` (no inline script is needed).
HTMX_CONFIG = {
    # A strict CSP forbids the <style> htmx would inject; portal.css styles the indicators.
    "includeIndicatorStyles": False,
    "allowEval": False,
    "allowScriptTags": False,
    "selfRequestsOnly": True,
    "historyCacheSize": 0,
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        # Form re-renders with errors (422) and error alerts retargeted to #flash are swapped.
        {"code": "422", "swap": True},
        {"code": "[45]..", "swap": True, "error": True},
        {"code": "...", "swap": False},
    ],
}


#: Main navigation: (endpoint, label). Areas appear once their blueprint is registered.
NAVIGATION = (
    ("home.index", _l("Trang chủ")),
    ("catalog.index", _l("Thủ tục hành chính")),
    ("guides.index", _l("Hướng dẫn")),
    ("faq.index", _l("Hỏi đáp")),
    ("tracking.index", _l("Tra cứu hồ sơ")),
    ("stats.index", _l("Thống kê")),
    ("feedback.index", _l("Phản ánh, kiến nghị")),
    ("about.contact", _l("Liên hệ")),
)


def nav_items() -> list[dict]:
    """The navigation links whose pages exist, marking the current area."""
    area = request.blueprint
    return [
        {"url": url_for(endpoint), "label": label,
         "current": endpoint.split(".")[0] == area}
        for endpoint, label in NAVIGATION
        if endpoint in current_app.view_functions
    ]


def weekday_range(weekdays) -> str:
    """"Thứ Hai – Thứ Sáu" for a run of weekdays (Monday = 0), in the page's language."""
    from babel.dates import get_day_names
    from flask_babel import get_locale

    names = get_day_names("wide", locale=get_locale())
    days = sorted(weekdays)
    if days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        return f"{names[days[0]]} – {names[days[-1]]}"
    return ", ".join(names[day] for day in days)


def has_endpoint(name: str) -> bool:
    """True when the page exists in this deployment (links to later areas appear with them)."""
    return name in current_app.view_functions


def current_path() -> str:
    """Path and query of this request, for "come back here" links (no trailing "?")."""
    return request.full_path.rstrip("?")


def site_notices() -> list[dict]:
    """Announced maintenance windows, for the banner on every page (TT32-11.x-MAINT):
    title, slip-style local times ("22 giờ 00 phút ngày 05/12/2026") and whether the
    services have already stopped. Empty when the database cannot tell (an error page)."""
    from sqlalchemy.exc import SQLAlchemyError

    from portal.extensions import db
    from portal.models import utcnow
    from portal.services import maintenance

    try:
        shown = maintenance.banners(db.session, utcnow())
    except SQLAlchemyError:
        # Left failed, the transaction would turn the page's next query into a 500
        # (PendingRollbackError) instead of the 503 a lost database gets.
        db.session.rollback()
        return []
    return [{"id": b.notice_id, "title": b.title, "ongoing": b.ongoing,
             "starts": _slip_moment(b.starts_at), "ends": _slip_moment(b.ends_at)}
            for b in shown]


def _slip_moment(moment: datetime) -> str:
    """``22 giờ 00 phút ngày 05/12/2026`` in the authority's time zone."""
    from portal.services import workdays

    local = moment.astimezone(workdays.calendar().zone)
    return _("%(h)s giờ %(m)s phút ngày %(date)s", h=f"{local.hour:02d}",
             m=f"{local.minute:02d}", date=local.strftime("%d/%m/%Y"))


def money(amount: Decimal | int | None, currency: str = "VND") -> str:
    """Format an amount the Vietnamese way: ``8.000 đồng``; ``0`` reads "Miễn phí"."""
    if amount is None:
        return ""
    if amount == 0:
        return _("Miễn phí")
    number = format_decimal(amount, format="#,##0.##")
    if currency == "VND":
        return _("%(amount)s đồng", amount=number)
    return f"{number} {currency}"


def processing_summary(procedure) -> str:
    """A procedure's processing time in short: "5 ngày làm việc", "Trong ngày", "2 giờ"."""
    from portal.models import TimeUnit

    amount, unit = procedure.processing_amount, procedure.processing_unit
    if amount is None or unit is None:
        return ""
    number = format_decimal(amount, format="#,##0.##")
    # A fraction ("0,5") takes the plural in English, as any amount but one.
    count = int(amount) if amount == amount.to_integral_value() else 2
    if unit is TimeUnit.WORKING_DAY:
        if amount == 0:
            return _("Trong ngày làm việc")
        return ngettext("%(n)s ngày làm việc", "%(n)s ngày làm việc", count, n=number)
    if unit is TimeUnit.WORKING_HOUR:
        return ngettext("%(n)s giờ làm việc", "%(n)s giờ làm việc", count, n=number)
    return ngettext("%(n)s ngày", "%(n)s ngày", count, n=number)


def local_date(value: date | datetime | None, style: str = "short") -> str:
    """Dates as ``dd/MM/yyyy``, timestamps as ``dd/MM/yyyy HH:mm`` (``style="date"``: date
    only), in the authority's time zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if style == "short":
            return format_datetime(value, "dd/MM/yyyy HH:mm")
        if style == "date":  # the local calendar date of a timestamp
            return format_datetime(value, "dd/MM/yyyy")
        return format_datetime(value, style)
    if style == "short":
        return format_date(value, "dd/MM/yyyy")
    return format_date(value, style)


@lru_cache(maxsize=256)
def _file_digest(path: str, mtime: float) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:10]


def asset_url(filename: str) -> str:
    """URL of a static file with a content digest, so it can be cached for a year."""
    path = os.path.join(current_app.static_folder or "", filename)
    try:
        version = _file_digest(path, os.path.getmtime(path))
    except OSError:
        return url_for("static", filename=filename)
    return url_for("static", filename=filename, v=version)


def init_app(app: Flask) -> None:
    """Register filters, globals and the long cache for versioned static files."""
    app.add_template_filter(money)
    app.add_template_filter(lambda first, second: {**first, **second}, "combine")
    app.add_template_filter(local_date)
    _register_dossier_helpers(app)
    app.add_template_global(asset_url)
    app.add_template_global(current_language)
    app.add_template_global(nav_items)
    app.add_template_global(processing_summary)
    for helper in (seo.channel_name, seo.fee_kind_name, seo.canonical_url, seo.online_start_url,
                   seo.has_eform,
                   seo.procedure_json_ld, seo.faq_json_ld):
        app.add_template_global(helper)
    app.add_template_global(wants_fragment)
    app.add_template_global(current_path)
    app.add_template_global(weekday_range)
    app.add_template_global(has_endpoint)
    app.add_template_global(site_notices)
    app.jinja_env.globals["htmx_config"] = json.dumps(HTMX_CONFIG, separators=(",", ":"))
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    default_max_age = app.get_send_file_max_age

    def send_file_max_age(filename: str | None) -> int | None:
        # Versioned URLs never change content; unversioned ones are revalidated.
        if request.args.get("v"):
            return 31536000
        return default_max_age(filename)

    app.get_send_file_max_age = send_file_max_age  # type: ignore[method-assign]
    app.context_processor(_layout_context)


def _register_dossier_helpers(app: Flask) -> None:
    """Words for dossiers and their papers (``portal.display``, ``services.uploads``)."""
    from portal import display
    from portal.services import uploads

    app.add_template_filter(display.filesize)
    for helper in (display.receipt_time, display.due_moment, display.result_place,
                   display.action_label, display.status_tag, display.result_channel_label,
                   uploads.accept_attribute):
        app.add_template_global(helper)
    app.add_template_global(uploads.describe, "describe_rule")


def _layout_context() -> dict:
    from portal.services.site_settings import value

    return {
        "authority": {
            "name": (has_request_context() and current_language() == "en"
                     and value("AUTHORITY_NAME_EN")) or value("AUTHORITY_NAME"),
            "address": value("AUTHORITY_ADDRESS"),
            "phone": value("AUTHORITY_PHONE"),
            "email": value("FEEDBACK_EMAIL"),
            "logo": value("LOGO_SHA256"),
        },
        "demo_mode": current_app.config["DEMO_MODE"],
    }
