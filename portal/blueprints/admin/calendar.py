"""Administrators keep the working-day calendar (/quan-tri/lich-lam-viec, HOL-2026): the
year's days off and worked days, from the ``holidays`` package and from the decisions they
enter; add, change and delete a day. Plain forms (no JavaScript needed), audited.

A change applies to deadlines computed from then on; due dates already given stay as they
are, and the page says how many open dossiers fall due on or after the day changed.
"""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.auth import roles_required
from portal.blueprints.admin.calendar_forms import KIND_LABELS, YEARS, CalendarDayForm
from portal.blueprints.admin.views import _scope, bp
from portal.edge import parse_int
from portal.extensions import db
from portal.htmx import render
from portal.models import CalendarException, Role
from portal.services import calendar_editor


def _year(raw: str | None) -> int:
    """The year asked for (this year when missing or out of range)."""
    year = parse_int(raw, clock.today().year)  # "²²²²" passed isdigit() into int(): a 500
    return year if year in YEARS else clock.today().year


def _item_or_404(item_id: int) -> CalendarException:
    """An exception the current administrator may change (404 otherwise: no probing)."""
    item = db.session.get(CalendarException, item_id)
    if item is None or not calendar_editor.manageable(item, _scope()):
        abort(404)
    return item


@bp.get("/lich-lam-viec")
@roles_required(Role.ADMIN)
def calendar():
    """The year's days off and worked days, by date; ``?nam=`` picks the year."""
    year, scope = _year(request.args.get("nam")), _scope()
    return render("admin/calendar/index.html", year=year, kinds=KIND_LABELS,
                  rows=calendar_editor.year_days(db.session, year, scope), scope=scope)


@bp.route("/lich-lam-viec/moi", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_calendar_day():
    """Add a day off or a worked day (``?ngay=2026-11-24`` fills in the date)."""
    return _edit(None)


@bp.route("/lich-lam-viec/<int:item_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_calendar_day(item_id: int):
    """Change a day (its date, kind, decision, note or agency)."""
    return _edit(_item_or_404(item_id))


@bp.route("/lich-lam-viec/<int:item_id>/xoa", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def delete_calendar_day(item_id: int):
    """Confirm, then delete a day: it follows the national calendar again."""
    item = _item_or_404(item_id)
    affected = calendar_editor.open_dossiers_due_from(db.session, item.day, item.agency)
    if request.method == "GET":
        return render("admin/calendar/delete.html", item=item, kinds=KIND_LABELS,
                      affected=affected)
    day = item.day
    calendar_editor.delete(db.session, item, current_user)
    db.session.commit()
    flash(_changed(_("Đã xóa ngày %(day)s khỏi lịch.", day=format_date(day, "dd/MM/yyyy")),
                   day, affected), "success")
    return redirect(url_for("admin.calendar", nam=day.year), code=303)


def _edit(item: CalendarException | None):
    """The day's form; a valid POST saves it and goes back to its year."""
    scope = _scope()
    form = CalendarDayForm(data=None if request.method == "POST" else _filled(item))
    form.set_agencies(calendar_editor.agency_options(db.session, scope), scope is None)
    if form.validate_on_submit():
        data, before = form.values(), item.day if item else None
        try:
            saved = calendar_editor.save(db.session, item, data, current_user)
        except calendar_editor.DayTaken:
            db.session.rollback()
            form.day.errors.append(_("Ngày này đã có trong lịch của nơi áp dụng đã chọn: hãy "
                                     "sửa dòng đó."))
        else:
            changed = min(day for day in (before, saved.day) if day)
            affected = calendar_editor.open_dossiers_due_from(db.session, changed, data.agency)
            db.session.commit()
            flash(_changed(_("Đã lưu ngày %(day)s.", day=format_date(saved.day, "dd/MM/yyyy")),
                           changed, affected), "success")
            return redirect(url_for("admin.calendar", nam=saved.day.year,
                                    _anchor=f"ngay-{saved.id}"), code=303)
    return render("admin/calendar/form.html", form=form, item=item,
                  status=422 if form.errors else 200)


def _filled(item: CalendarException | None) -> dict:
    """The form's values for ``item``, or for a new day (the date from ``?ngay=``)."""
    if item is None:
        try:
            return {"day": date.fromisoformat(request.args.get("ngay", ""))}
        except ValueError:
            return {}
    return {"day": item.day, "kind": item.kind.value, "decision": item.decision,
            "note": item.note, "agency": str(item.agency_id or "")}


def _changed(done: str, day: date, affected: int) -> str:
    """What a change means for deadlines, in words."""
    message = done + " " + _("Ngày hẹn trả kết quả đã tính giữ nguyên; hạn tính từ nay theo "
                             "lịch mới.")
    if affected:
        message += " " + ngettext(
            "%(num)d hồ sơ đang giải quyết có ngày hẹn từ %(day)s trở đi: xem lại và gia hạn "
            "(Mẫu 04) nếu cần.",
            "%(num)d hồ sơ đang giải quyết có ngày hẹn từ %(day)s trở đi: xem lại và gia hạn "
            "(Mẫu 04) nếu cần.", affected, day=format_date(day, "dd/MM/yyyy"))
    return message
