"""Administrators manage staff accounts and roles, and read the audit log (/quan-tri).

An administrator attached to an agency manages the staff of that agency and the units below
it; one without an agency (made with ``flask users create-admin``) manages every agency.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from portal.auth import client_address, roles_required
from portal.blueprints.admin.forms import ROLE_LABELS, AuditFilterForm, StaffForm
from portal.edge import arg_int
from portal.extensions import db
from portal.forms import choices
from portal.htmx import render
from portal.models import Agency, AuditEvent, Role, User, UserRole
from portal.services import accounts, audit, jobs
from portal.services.identity import normalize_email

bp = Blueprint("admin", __name__, url_prefix="/quan-tri")
AUDIT_PAGE = 50


def _scope() -> set[int] | None:
    """Agency ids the current administrator manages (None: all of them)."""
    if current_user.agency is None:
        return None
    return accounts.agency_subtree_ids(db.session, current_user.agency)


def _agencies() -> list[Agency]:
    scope = _scope()
    query = select(Agency).order_by(Agency.sort_order, Agency.name)
    if scope is not None:
        query = query.where(Agency.id.in_(scope))
    return list(db.session.scalars(query))


def _staff_or_404(user_id: int) -> User:
    """A staff account the current administrator may manage (404 otherwise: no probing)."""
    user = db.session.get(User, user_id)
    scope = _scope()
    if user is None or not user.is_staff or user.deleted_at or (
            scope is not None and user.agency_id not in scope):
        abort(404)
    return user


@bp.get("/")
@roles_required(Role.ADMIN, Role.EDITOR)
def index():
    """The administration home: editors' areas, and accounts and the log for
    administrators."""
    return render("admin/index.html")


@bp.get("/can-bo")
@roles_required(Role.ADMIN)
def staff():
    """Staff accounts of the agencies this administrator manages."""
    query = (select(User).join(UserRole).where(UserRole.role != Role.CITIZEN,
                                               User.deleted_at.is_(None))
             .distinct().order_by(User.display_name))
    scope = _scope()
    if scope is not None:
        query = query.where(User.agency_id.in_(scope))
    return render("admin/staff.html", users=list(db.session.scalars(query)),
                  role_labels=ROLE_LABELS)


@bp.route("/can-bo/moi", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_staff():
    """Create a staff account; the person sets a password from an e-mailed link."""
    form = StaffForm()
    form.set_agencies(_agencies())
    if form.validate_on_submit():
        agency = form.chosen_agency()
        if agency is None:
            form.agency.errors.append(_("Chọn cơ quan, đơn vị."))
        else:
            try:
                user = accounts.create_staff(
                    db.session, current_user, email=normalize_email(form.email.data),
                    display_name=form.display_name.data.strip(), roles=form.chosen_roles(),
                    agency=agency, address=client_address())
            except accounts.AccountError:
                form.email.errors.append(_("Thư điện tử này đã có tài khoản."))
            else:
                db.session.commit()
                jobs.kick()
                flash(_("Đã tạo tài khoản và gửi đường dẫn đặt mật khẩu tới %(email)s.",
                        email=user.email), "success")
                return redirect(url_for("admin.staff"), code=303)
    return render("admin/staff_form.html", form=form, user=None,
                  status=422 if form.errors else 200)


@bp.route("/can-bo/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_staff(user_id: int):
    """Change a staff account's agency, roles or state (audited; its sessions end)."""
    user = _staff_or_404(user_id)
    # Filled from the account as it is (never ``obj=user``: WTForms would render the Agency
    # object and the Role members, which match no choice, so the page showed the first
    # agency and no role, and saving it moved the officer there). What a POST sends wins.
    form = StaffForm(data={"display_name": user.display_name,
                           "agency": str(user.agency_id or ""),
                           "roles": [role.value for role in sorted(user.roles)],
                           "active": user.active})
    del form.email  # the login identifier is not changed here
    form.set_agencies(_agencies())
    if form.validate_on_submit():
        agency = form.chosen_agency()
        keeps_none = user.agency_id is None and not form.agency.data  # a nationwide admin
        if agency is None and not keeps_none:
            form.agency.errors.append(_("Chọn cơ quan, đơn vị."))
        elif user.id == current_user.id and Role.ADMIN not in form.chosen_roles():
            form.roles.errors.append(_("Không thể tự bỏ vai trò quản trị của chính mình."))
        else:
            user.display_name = form.display_name.data.strip()
            changed = accounts.set_roles(db.session, current_user, user, form.chosen_roles(),
                                         agency, form.active.data, client_address())
            db.session.commit()
            flash(_saved_message(user, changed), "success")
            return redirect(url_for("admin.staff"), code=303)
    return render("admin/staff_form.html", form=form, user=user,
                  status=422 if form.errors else 200)


def _saved_message(user: User, changed: list[str]) -> str:
    """What saving a staff account did, said plainly: a move to another agency changes
    which dossiers the officer sees."""
    if audit.AGENCY_CHANGED in changed:
        return _("Đã lưu tài khoản %(name)s và chuyển sang %(agency)s. Thay đổi đã được ghi "
                 "vào nhật ký; cán bộ cần đăng nhập lại.", name=user.display_name,
                 agency=user.agency.name)
    if changed:
        return _("Đã lưu tài khoản %(name)s. Thay đổi quyền đã được ghi vào nhật ký; cán bộ "
                 "cần đăng nhập lại.", name=user.display_name)
    return _("Đã lưu tài khoản %(name)s.", name=user.display_name)


@bp.get("/nhat-ky")
@roles_required(Role.ADMIN)
def audit_log():
    """The audit log with filters; ``?dinh-dang=csv`` downloads the filtered rows."""
    form = AuditFilterForm(formdata=request.args)
    # Every action named in Vietnamese, and any other the log holds (shown by its code).
    actions = set(audit.LABELS) | set(db.session.scalars(select(AuditEvent.action).distinct()))
    form.action.choices = choices([("", _("Tất cả"))] + sorted(
        ((action, audit.label(action)) for action in actions), key=lambda pair: pair[1]))
    form.validate()
    query = _audit_query(form)
    if request.args.get("dinh-dang") == "csv":
        return _csv(db.session.scalars(query.limit(100_000)))
    page = arg_int("trang", 1, minimum=1)
    events = list(db.session.scalars(query.limit(AUDIT_PAGE + 1).offset((page - 1) * AUDIT_PAGE)))
    args = MultiDict(request.args)
    args.pop("trang", None)
    return render("admin/audit.html", form=form, events=events[:AUDIT_PAGE], page=page,
                  has_next=len(events) > AUDIT_PAGE, args=args.to_dict(),
                  audit_label=audit.label, describe=audit.describe)


def _audit_query(form: AuditFilterForm):
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if form.action.data:
        query = query.where(AuditEvent.action == form.action.data)
    if form.actor.data:
        query = query.where(AuditEvent.actor_label.ilike(f"%{form.actor.data.strip()}%"))
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])  # the authority's days
    if form.start.data:
        query = query.where(AuditEvent.at >= datetime.combine(form.start.data, time(), zone))
    if form.end.data:
        query = query.where(AuditEvent.at < datetime.combine(
            form.end.data + timedelta(days=1), time(), zone))
    return query


def _csv(events) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["at", "actor_id", "actor", "action", "object_type", "object_id",
                     "address", "details", "action_label"])
    for event in events:
        writer.writerow([event.at.isoformat(), event.actor_id or "", event.actor_label,
                         event.action, event.object_type or "", event.object_id or "",
                         event.address or "", json.dumps(event.details, ensure_ascii=False),
                         audit.label(event.action)])
    response = Response("\ufeff" + buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="nhat-ky.csv"'
    return response
