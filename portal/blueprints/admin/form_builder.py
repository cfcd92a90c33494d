"""Editors design the interactive e-forms (/quan-tri/bieu-mau): sections and fields of every
type, hints and help, formats, auto-fill, conditions and repeatable groups, with a live
preview; publishing makes a new version; every version can be compared and restored.

Everything works without JavaScript: each button of the editor page posts the whole page,
which is checked with :func:`eforms.parse_spec` and saved as the *working copy* (see
``portal.services.form_versions``) or shown again, as typed, with its problems (422). With
htmx, a change re-renders the preview only; nothing is saved until a button is pressed.
"""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.auth import client_address
from portal.blueprints.admin import form_actions, form_display, form_editing
from portal.blueprints.admin.access import editor_required
from portal.blueprints.admin.form_editing import Posted
from portal.blueprints.admin.views import bp
from portal.blueprints.applications import pages
from portal.edge import parse_int
from portal.extensions import db
from portal.htmx import render
from portal.models import FormSpec, Procedure, Revision
from portal.services import drafts, eforms, form_versions, form_working, revisions

WORKING = "lam-viec"  # the working copy, in the comparison's arguments


def _form_or_404(form_id: int) -> FormSpec:
    return db.session.get(FormSpec, form_id) or abort(404)


@bp.get("/bieu-mau")
@editor_required
def forms():
    """Every procedure's form (version, fields), and a form for a procedure without one."""
    return _index()


def _index(error: str | None = None):
    rows = list(db.session.scalars(select(FormSpec).join(Procedure).order_by(Procedure.code)))
    working = set(db.session.scalars(select(Revision.object_id).where(
        Revision.kind == form_working.WORKING_KIND)))
    missing = list(db.session.scalars(select(Procedure).where(
        Procedure.id.not_in(select(FormSpec.procedure_id))).order_by(Procedure.code)))
    counts = {r.id: sum(1 for _f in drafts.spec_of(r).all_fields()) for r in rows}
    return render("admin/forms/index.html", rows=rows, working=working, missing=missing,
                  counts=counts, error=error, status=422 if error else 200)


@bp.post("/bieu-mau/moi")
@editor_required
def new_form():
    """Start a form for a procedure that has none (version 1: applicant and declaration)."""
    procedure = db.session.get(Procedure, parse_int(request.form.get("procedure"), 0))
    if procedure is None or drafts.form_for(db.session, procedure) is not None:
        return _index(_("Hãy chọn một thủ tục chưa có biểu mẫu điện tử."))
    form_spec = form_working.create(db.session, procedure, form_actions.starter_spec(procedure),
                                    current_user, client_address())
    db.session.commit()
    flash(_("Đã tạo biểu mẫu cho thủ tục %(code)s. Người dân dùng được ngay bản đầu tiên này; "
            "hãy soạn tiếp rồi bấm “Lưu và xuất bản”.", code=procedure.code), "success")
    return redirect(url_for(".edit_form", form_id=form_spec.id), code=303)


@bp.route("/bieu-mau/<int:form_id>", methods=["GET", "POST"])
@editor_required
def edit_form(form_id: int):
    """The editor. POST applies the button pressed to what was typed, checks it, and saves
    the working copy (or publishes it: "xuat-ban")."""
    form_spec = _form_or_404(form_id)
    if request.method == "GET":
        copy = form_working.working_copy(db.session, form_spec)
        keys = [s.get("key") for s in copy.spec.get("sections") or []]
        wanted = request.args.get("phan", "")
        posted = Posted(copy.spec, keys.index(wanted) if wanted in keys else 0)
        return _editor(form_spec, posted, copy.stamp, request.args.get("mo", ""))
    posted = form_editing.read(request.form, form_spec.procedure.code)
    action = request.form.get("action", "luu")
    outcome = form_actions.apply(posted, action, request.form)
    posted.section = outcome.section
    stamp = _stamp()
    if form_editing.check(posted) is None:
        return _editor(form_spec, posted, stamp, outcome.open, status=422)
    try:
        _save(form_spec, posted.raw, stamp, action)
    except form_working.StaleWorkingCopy:
        db.session.rollback()
        return _editor(form_spec, posted, stamp, outcome.open, status=409, conflict=True)
    if action == "xuat-ban":
        _publish(form_spec)
    db.session.commit()
    key = posted.raw["sections"][posted.section]["key"]
    return redirect(url_for(".edit_form", form_id=form_id, phan=key, mo=outcome.open or None,
                            _anchor=outcome.anchor or None), code=303)


def _stamp() -> int | None:
    """The working-copy save the page was based on (None: overwrite, after a conflict)."""
    if request.form.get("ghi-de") == "1":
        return None
    return parse_int(request.form.get("_stamp"), 0)


def _save(form_spec: FormSpec, raw: dict, stamp: int | None, action: str) -> None:
    copy = form_working.working_copy(db.session, form_spec)
    if form_versions.bare(raw) == form_versions.bare(copy.spec) and stamp in (None, copy.stamp):
        return  # nothing changed (moving to another section, publishing as it is)
    form_working.save_working(db.session, form_spec, raw, current_user, stamp,
                              note=action[:60], address=client_address())


def _publish(form_spec: FormSpec) -> None:
    try:
        version = form_working.publish(db.session, form_spec, current_user, client_address())
    except form_working.NothingToPublish:
        flash(_("Không có thay đổi nào so với phiên bản đang dùng, nên chưa xuất bản."), "info")
        return
    flash(_("Đã xuất bản phiên bản %(n)d. Bản nháp người dân đang khai sẽ được chuyển sang "
            "phiên bản này khi họ mở lại.", n=version), "success")


@bp.post("/bieu-mau/<int:form_id>/xem-truoc")
@editor_required
def preview_form(form_id: int):
    """The section being edited as citizens would see it, from what was typed (nothing is
    saved): the preview region for htmx, the whole editor page otherwise."""
    form_spec = _form_or_404(form_id)
    posted = form_editing.read(request.form, form_spec.procedure.code)
    spec = form_editing.check(posted)
    return _editor(form_spec, posted, _stamp(), "", status=200 if spec else 422,
                   fragment="preview", previewing=True)


def _editor(form_spec: FormSpec, posted: Posted, stamp: int | None, open_path: str, *,
            status: int = 200, fragment: str | None = None, **extra):
    """The editor page (or its preview region) for ``posted``."""
    spec = None if posted.problems else form_editing.check(posted)
    section = views = None
    if spec is not None and spec.sections:
        section = spec.sections[min(posted.section, len(spec.sections) - 1)]
        options = drafts.options_fn(db.session)
        views = pages.section_views(spec, section, {}, {}, options)
        extra["communes_of"] = lambda province: options("commune", province or "")
    return render("admin/forms/edit.html", fragment=fragment, status=status,
                  form_spec=form_spec, posted=posted, stamp=stamp,
                  fields=form_display.editors(posted, open_path), display=form_display,
                  copy=form_working.working_copy(db.session, form_spec),
                  behind=form_versions.drafts_behind(db.session, form_spec),
                  spec=spec, section=section, views=views, token="xem-truoc", **extra)


@bp.post("/bieu-mau/<int:form_id>/bo-ban-lam-viec")
@editor_required
def discard_form(form_id: int):
    """Forget the unpublished changes."""
    form_spec = _form_or_404(form_id)
    form_working.discard_working(db.session, form_spec, current_user, client_address())
    db.session.commit()
    flash(_("Đã bỏ các thay đổi chưa xuất bản."), "info")
    return redirect(url_for(".edit_form", form_id=form_id), code=303)


# --- History ---------------------------------------------------------------------------------


@bp.get("/bieu-mau/<int:form_id>/lich-su")
@editor_required
def form_history(form_id: int):
    """Every kept version, with who published it and when; compare two; restore one."""
    form_spec = _form_or_404(form_id)
    versions = revisions.history(db.session, form_versions.KIND, form_id)
    return render("admin/forms/history.html", form_spec=form_spec, versions=versions,
                  copy=form_working.working_copy(db.session, form_spec),
                  kept={v.number for v in versions})


@bp.get("/bieu-mau/<int:form_id>/so-sanh")
@editor_required
def form_diff(form_id: int):
    """What changed between two versions (``tu``, ``den``: numbers or the working copy)."""
    form_spec = _form_or_404(form_id)
    copy = form_working.working_copy(db.session, form_spec)
    default_new = WORKING if copy.exists else str(form_spec.version)
    default_old = str(form_spec.version if copy.exists else max(form_spec.version - 1, 1))
    old_key = request.args.get("tu", default_old)
    new_key = request.args.get("den", default_new)
    old, new = _version_spec(form_spec, old_key), _version_spec(form_spec, new_key)
    general, sections, fields = form_display.compare(old, new)
    return render("admin/forms/diff.html", form_spec=form_spec, copy=copy,
                  versions=revisions.history(db.session, form_versions.KIND, form_id),
                  old_key=old_key, new_key=new_key, general=general, sections=sections,
                  fields=fields, display=form_display)


def _version_spec(form_spec: FormSpec, key: str) -> dict:
    if key == WORKING:
        return form_working.working_copy(db.session, form_spec).spec
    if parse_int(key) == form_spec.version:
        return form_spec.spec
    revision = revisions.get(db.session, form_versions.KIND, form_spec.id, parse_int(key, 0))
    return revision.data if revision is not None else abort(404)


@bp.post("/bieu-mau/<int:form_id>/lich-su/<int:number>/khoi-phuc")
@editor_required
def restore_form(form_id: int, number: int):
    """Make an earlier version the working copy (it is used once published)."""
    form_spec = _form_or_404(form_id)
    try:
        form_working.restore(db.session, form_spec, number, current_user, client_address())
    except LookupError:
        abort(404)
    except eforms.SpecError:
        db.session.rollback()
        flash(_("Phiên bản %(n)d không còn hợp với quy tắc biểu mẫu hiện nay nên không khôi "
                "phục được.", n=number), "error")
        return redirect(url_for(".form_history", form_id=form_id), code=303)
    db.session.commit()
    flash(_("Đã đưa phiên bản %(n)d vào bản làm việc. Kiểm tra lại rồi bấm “Lưu và xuất "
            "bản” để người dân dùng.", n=number), "success")
    return redirect(url_for(".edit_form", form_id=form_id), code=303)
