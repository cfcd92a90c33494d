"""Editors' procedure pages (/quan-tri/thu-tuc; issue 8, TT22-PL2-01, ND42-04.1e): the list,
the editor of the 11 items of TT32 with repeatable rows, publishing, copies, a preview exactly
as citizens will see it, and the revision history with differences and restore.

The rules live in :mod:`portal.services.procedure_editor` (on top of catalog_io); these views
parse, call it, commit and answer. The catalogue import and export are in
:mod:`portal.blueprints.admin.catalogue`.
"""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from portal.auth import client_address
from portal.blueprints.admin import catalogue  # noqa: F401 (registers its routes on bp)
from portal.blueprints.admin.access import editor_required
from portal.blueprints.admin.procedure_forms import (
    FilterForm,
    ProcedureForm,
    change_rows,
    form_data,
)
from portal.blueprints.admin.views import bp
from portal.edge import arg_int, parse_int
from portal.extensions import db
from portal.forms import choices
from portal.htmx import render
from portal.models import Agency, Field, Procedure
from portal.services import catalog, revisions
from portal.services import procedure_editor as editor

#: Names of the items of revision data, for the history pages.
ITEM_LABELS = {
    "code": _l("Mã thủ tục"), "name": _l("Tên thủ tục"), "field": _l("Lĩnh vực"),
    "steps": _l("Trình tự thực hiện"), "method": _l("Cách thức thực hiện"),
    "channels": _l("Chi tiết từng cách nộp"), "method_text": _l("Mô tả cách thức thực hiện"),
    "dossier_components": _l("Thành phần hồ sơ"), "processing_time": _l("Thời hạn giải quyết"),
    "subjects": _l("Đối tượng thực hiện"), "applicant_types": _l("Loại đối tượng"),
    "agency_id": _l("Đơn vị giải quyết trên cổng (mã số)"),
    "agency": _l("Cơ quan thực hiện"), "competent_authority": _l("Cơ quan có thẩm quyền"),
    "agency_level": _l("Cấp thực hiện"), "result": _l("Kết quả thực hiện"),
    "fees": _l("Phí, lệ phí"), "fees_text": _l("Phí, lệ phí theo văn bản công bố"),
    "forms": _l("Mẫu đơn, tờ khai"), "requirements": _l("Yêu cầu, điều kiện"),
    "legal_basis": _l("Căn cứ pháp lý"), "announcing_decision": _l("Quyết định công bố"),
    "procedure_type": _l("Loại thủ tục"), "level": _l("Mức độ dịch vụ công trực tuyến"),
    "online_result": _l("Trả kết quả điện tử"), "process_plan": _l("Quy trình xử lý"),
    "published": _l("Đã xuất bản"),
}


def _procedure_or_404(procedure_id: int) -> Procedure:
    return db.session.get(Procedure, procedure_id) or abort(404)


@bp.get("/thu-tuc")
@editor_required
def procedures():
    """Every procedure, published or not, searchable by name or code (with or without tone
    marks) and filtered by field and state; htmx gets just the results."""
    form = FilterForm(formdata=request.args)
    fields = db.session.execute(select(Field.id, Field.name).order_by(
        Field.sort_order, Field.name)).all()
    form.field.choices = choices([("", _("Tất cả"))] + [(str(i), n) for i, n in fields])
    field_id = parse_int(form.field.data)
    results = editor.find(db.session, q=form.q.data, field_id=field_id,
                          published=form.published(),
                          page=arg_int("trang", 1, minimum=1))
    args = {key: value for key, value in request.args.items() if key != "trang" and value}
    return render("admin/procedures/index.html", fragment="results", form=form,
                  results=results, args=args)


@bp.route("/thu-tuc/moi", methods=["GET", "POST"])
@editor_required
def new_procedure():
    """Create a procedure; it stays unpublished until an editor publishes it."""
    return _edit(None)


@bp.route("/thu-tuc/<int:procedure_id>", methods=["GET", "POST"])
@editor_required
def edit_procedure(procedure_id: int):
    """Change a procedure; the row buttons add, remove and move rows without saving."""
    return _edit(_procedure_or_404(procedure_id))


def _edit(procedure: Procedure | None):
    base = editor.snapshot(procedure) if procedure else {}
    if request.method == "GET":
        return _page(_form(procedure, data=form_data(base)), procedure)
    change = change_rows(MultiDict(request.form), request.form.get("action", ""))
    if change is not None:
        formdata, name = change
        return _page(_form(procedure, formdata=formdata), procedure, fragment=f"rows_{name}")
    form = _form(procedure)
    if form.validate():
        try:
            saved, revision = editor.save(db.session, procedure, form.record(base),
                                          author=current_user, address=client_address())
        except editor.EditorError as error:
            db.session.rollback()
            _show(form, error)
        else:
            db.session.commit()
            flash(_("Đã lưu thủ tục (phiên bản %(n)d).", n=revision.number) if revision
                  else _("Không có thay đổi nào cần lưu."), "success")
            return redirect(url_for(".edit_procedure", procedure_id=saved.id), code=303)
    return _page(form, procedure, status=422)


def _form(procedure: Procedure | None, **kwargs) -> ProcedureForm:
    fields = list(db.session.scalars(select(Field.name).order_by(Field.sort_order, Field.name)))
    agencies = db.session.execute(select(Agency.id, Agency.name).order_by(
        Agency.sort_order, Agency.name)).all()
    return ProcedureForm(**kwargs).setup(fields, [(i, n) for i, n in agencies],
                                         procedure.id if procedure else None)


def _show(form: ProcedureForm, error: editor.EditorError) -> None:
    """Put a service's refusal beside its field, or in the summary."""
    if error.field == "code":
        form.code.errors = [*form.code.errors, *error.reasons]
    else:
        form.form_errors.extend(error.reasons)


def _page(form: ProcedureForm, procedure: Procedure | None, *, status: int = 200,
          fragment: str | None = None):
    return render("admin/procedures/form.html", fragment=fragment, status=status, form=form,
                  procedure=procedure, action_url=request.path)


@bp.post("/thu-tuc/<int:procedure_id>/xuat-ban")
@editor_required
def publish_procedure(procedure_id: int):
    """Publish a procedure: it appears in the public catalogue."""
    return _set_published(procedure_id, True)


@bp.post("/thu-tuc/<int:procedure_id>/ngung-xuat-ban")
@editor_required
def unpublish_procedure(procedure_id: int):
    """Withdraw a procedure from the public catalogue (it is kept, with its history)."""
    return _set_published(procedure_id, False)


def _set_published(procedure_id: int, published: bool):
    procedure = _procedure_or_404(procedure_id)
    try:
        editor.set_published(db.session, procedure, published, author=current_user,
                             address=client_address())
    except editor.EditorError as error:
        db.session.rollback()
        flash(error.reasons[0], "error")
    else:
        db.session.commit()
        flash(_("Đã xuất bản thủ tục; người dân đã thấy thủ tục này.") if published
              else _("Đã ngừng xuất bản; người dân không còn thấy thủ tục này."), "success")
    return redirect(url_for(".edit_procedure", procedure_id=procedure_id), code=303)


@bp.post("/thu-tuc/<int:procedure_id>/nhan-ban")
@editor_required
def duplicate_procedure(procedure_id: int):
    """Copy a procedure (unpublished, provisional code) and open the copy."""
    procedure = _procedure_or_404(procedure_id)
    try:
        copy = editor.duplicate(db.session, procedure, author=current_user,
                                address=client_address())
    except editor.EditorError as error:
        db.session.rollback()
        flash(error.reasons[0], "error")
        return redirect(url_for(".edit_procedure", procedure_id=procedure_id), code=303)
    db.session.commit()
    flash(_("Đã tạo bản sao, chưa xuất bản. Hãy đặt mã thủ tục chính thức cho bản sao rồi "
            "lưu."), "success")
    return redirect(url_for(".edit_procedure", procedure_id=copy.id), code=303)


@bp.get("/thu-tuc/<int:procedure_id>/xem-truoc")
@editor_required
def preview_procedure(procedure_id: int):
    """The procedure's public page exactly as citizens will see it, published or not."""
    procedure = _procedure_or_404(procedure_id)
    guides, faqs = catalog.related_content(db.session, procedure)
    response = render("admin/procedures/preview.html", procedure=procedure, guides=guides,
                      faqs=faqs)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.get("/thu-tuc/<int:procedure_id>/lich-su")
@editor_required
def procedure_history(procedure_id: int):
    """Every saved version: number, when, who, what."""
    procedure = _procedure_or_404(procedure_id)
    return render("admin/procedures/history.html", procedure=procedure,
                  history=revisions.history(db.session, editor.KIND, procedure.id))


@bp.get("/thu-tuc/<int:procedure_id>/lich-su/<int:number>")
@editor_required
def procedure_revision(procedure_id: int, number: int):
    """One saved version in full, with the button that restores it."""
    procedure = _procedure_or_404(procedure_id)
    revision = revisions.get(db.session, editor.KIND, procedure.id, number) or abort(404)
    return render("admin/procedures/revision.html", procedure=procedure, revision=revision,
                  labels=ITEM_LABELS)


@bp.get("/thu-tuc/<int:procedure_id>/so-sanh")
@editor_required
def procedure_diff(procedure_id: int):
    """What changed between two versions (``?tu=&den=``; by default the last two)."""
    procedure = _procedure_or_404(procedure_id)
    history = revisions.history(db.session, editor.KIND, procedure.id) or abort(404)
    new_number = arg_int("den", history[0].number)
    old_number = arg_int("tu", new_number - 1)
    old = revisions.get(db.session, editor.KIND, procedure.id, old_number) or abort(404)
    new = revisions.get(db.session, editor.KIND, procedure.id, new_number) or abort(404)
    return render("admin/procedures/diff.html", procedure=procedure, history=history,
                  old=old, new=new, changes=revisions.diff(old.data, new.data),
                  labels=ITEM_LABELS)


@bp.post("/thu-tuc/<int:procedure_id>/lich-su/<int:number>/khoi-phuc")
@editor_required
def restore_procedure(procedure_id: int, number: int):
    """Bring back an old version's content as a new version (code and state unchanged)."""
    procedure = _procedure_or_404(procedure_id)
    try:
        revision = editor.restore(db.session, procedure, number, author=current_user,
                                  address=client_address())
    except LookupError:
        abort(404)
    except editor.EditorError as error:
        db.session.rollback()
        flash(_("Không khôi phục được phiên bản %(n)d: %(reason)s", n=number,
                reason="; ".join(error.reasons)), "error")
        return redirect(url_for(".procedure_revision", procedure_id=procedure_id,
                                number=number), code=303)
    db.session.commit()
    flash(_("Đã khôi phục nội dung phiên bản %(old)d (lưu thành phiên bản %(new)d).",
            old=number, new=revision.number), "success")
    return redirect(url_for(".procedure_history", procedure_id=procedure_id), code=303)
