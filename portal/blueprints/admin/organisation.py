"""Editors keep the organisation current (/quan-tri/co-quan): the agency tree, contact
officials per agency, the fields of administration, and the shared catalogues' counts.

Deleting asks first, on a page that says why when the item is still in use; moving up or
down is a small POST form that comes back to the item (plain requests, so the browser
scrolls to it).
"""
from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.admin.access import editor_required
from portal.blueprints.admin.settings_forms import (
    LEVEL_LABELS,
    AgencyForm,
    FieldForm,
    OfficialForm,
)
from portal.blueprints.admin.views import bp
from portal.edge import parse_int
from portal.extensions import db
from portal.htmx import render
from portal.models import Agency, AgencyLevel, Field, Official, Role
from portal.services import field_editor, settings_editor
from portal.services import organisation_editor as org

STEPS = {"len": -1, "xuong": 1}


@bp.get("/co-quan")
@editor_required
def agencies():
    """The agency tree with its contact officials, the fields, the shared catalogues."""
    tree = org.agency_tree(db.session)
    children: dict[int | None, list[Agency]] = {}
    for agency, _depth in tree:
        children.setdefault(agency.parent_id, []).append(agency)
    return render("admin/settings/agencies.html", children=children,
                  officials=org.officials_by_agency(db.session),
                  fields=field_editor.fields_with_procedure_counts(db.session),
                  catalogues=settings_editor.catalogue_counts(db.session),
                  reload_job=settings_editor.latest_reload(db.session, current_user),
                  level_labels=LEVEL_LABELS, number=format_decimal)


@bp.route("/co-quan/moi", methods=["GET", "POST"])
@editor_required
def new_agency():
    """Add an agency or unit (``?cap-tren=<id>`` proposes its parent)."""
    parent = request.args.get("cap-tren", "")
    form = AgencyForm(data={"parent": parent if parse_int(parent) is not None else "",
                            "level": AgencyLevel.UNIT.value})
    return _agency_form(form, None)


@bp.route("/co-quan/<int:agency_id>", methods=["GET", "POST"])
@editor_required
def edit_agency(agency_id: int):
    """Change an agency's code, names, place in the tree, contacts and description."""
    agency = db.session.get(Agency, agency_id) or abort(404)
    names = ("code", "name", "name_en", "receives_dossiers", "address", "phone", "email",
             "description", "description_en")
    form = AgencyForm(data={**{name: getattr(agency, name) for name in names},
                            "parent": str(agency.parent_id or ""), "level": agency.level.value})
    return _agency_form(form, agency)


def _agency_form(form: AgencyForm, agency: Agency | None):
    form.set_parents(org.parent_options(db.session, agency), agency)
    if form.validate_on_submit():
        try:
            saved = org.save_agency(db.session, agency, _agency_data(form), current_user,
                                    may_change_scope=current_user.has_role(Role.ADMIN))
        except org.CycleError:
            form.parent.errors = [*form.parent.errors, _(
                "Không thể chọn chính đơn vị này hoặc một đơn vị trực thuộc nó làm cơ quan cấp "
                "trên.")]
        except org.ScopeChangeRefused as refused:
            for name in refused.fields:
                field = form.parent if name == "parent_id" else form.receives_dossiers
                field.errors = [*field.errors, _(
                    "Chỉ quản trị viên được thay đổi mục này: cán bộ xem hồ sơ theo cây tổ "
                    "chức, nên thay đổi ở đây đổi cả phạm vi hồ sơ của họ.")]
        else:
            db.session.commit()
            flash(_("Đã lưu %(name)s.", name=saved.name), "success")
            return redirect(url_for("admin.agencies", _anchor=f"co-quan-{saved.id}"), code=303)
    return render("admin/settings/agency_form.html", form=form, agency=agency,
                  may_change_scope=current_user.has_role(Role.ADMIN),
                  status=422 if form.errors else 200)


def _agency_data(form: AgencyForm) -> org.AgencyData:
    return org.AgencyData(
        code=form.code.data, name=form.name.data, name_en=form.name_en.data,
        level=AgencyLevel(form.level.data), parent=form.chosen_parent(),
        receives_dossiers=form.receives_dossiers.data, address=form.address.data,
        phone=form.phone.data, email=form.email.data, description=form.description.data,
        description_en=form.description_en.data)


@bp.route("/co-quan/<int:agency_id>/xoa", methods=["GET", "POST"])
@editor_required
def delete_agency(agency_id: int):
    """Ask, then delete an agency; one still in use is kept, and the page says why."""
    agency = db.session.get(Agency, agency_id) or abort(404)
    return _confirm_delete(
        agency.name, _("cơ quan, đơn vị"), org.agency_blockers(db.session, agency),
        lambda: org.delete_agency(db.session, agency, current_user),
        url_for("admin.agencies", _anchor="co-quan"),
        note=_("Các đầu mối liên hệ của đơn vị cũng bị xóa."))


@bp.post("/co-quan/<int:agency_id>/di-chuyen")
@editor_required
def move_agency(agency_id: int):
    """Move an agency up or down among its siblings."""
    agency = db.session.get(Agency, agency_id) or abort(404)
    return _move(lambda step: org.move_agency(db.session, agency, step, current_user),
                 f"co-quan-{agency.id}")


@bp.route("/co-quan/<int:agency_id>/dau-moi/moi", methods=["GET", "POST"])
@editor_required
def new_official(agency_id: int):
    """Add a contact official to an agency."""
    agency = db.session.get(Agency, agency_id) or abort(404)
    return _official_form(OfficialForm(data={"agency": str(agency.id)}), None)


@bp.route("/dau-moi/<int:official_id>", methods=["GET", "POST"])
@editor_required
def edit_official(official_id: int):
    """Change a contact official's name, title, unit or contacts."""
    official = db.session.get(Official, official_id) or abort(404)
    names = ("name", "title", "title_en", "phone", "email")
    form = OfficialForm(data={**{name: getattr(official, name) for name in names},
                              "agency": str(official.agency_id)})
    return _official_form(form, official)


def _official_form(form: OfficialForm, official: Official | None):
    form.set_agencies(org.agency_tree(db.session))
    if form.validate_on_submit():
        saved = org.save_official(db.session, official, org.OfficialData(
            name=form.name.data, title=form.title.data, title_en=form.title_en.data,
            agency=form.chosen_agency(), phone=form.phone.data,  # type: ignore[arg-type]
            email=form.email.data), current_user)
        db.session.commit()
        flash(_("Đã lưu đầu mối liên hệ %(name)s.", name=saved.name), "success")
        return redirect(url_for("admin.agencies", _anchor=f"dau-moi-{saved.id}"), code=303)
    return render("admin/settings/official_form.html", form=form, official=official,
                  status=422 if form.errors else 200)


@bp.route("/dau-moi/<int:official_id>/xoa", methods=["GET", "POST"])
@editor_required
def delete_official(official_id: int):
    """Ask, then delete a contact official."""
    official = db.session.get(Official, official_id) or abort(404)
    return _confirm_delete(
        official.name, _("đầu mối liên hệ"), [],
        lambda: org.delete_official(db.session, official, current_user),
        url_for("admin.agencies", _anchor=f"co-quan-{official.agency_id}"))


@bp.post("/dau-moi/<int:official_id>/di-chuyen")
@editor_required
def move_official(official_id: int):
    """Move a contact official up or down within their agency."""
    official = db.session.get(Official, official_id) or abort(404)
    return _move(lambda step: org.move_official(db.session, official, step, current_user),
                 f"dau-moi-{official.id}")


@bp.route("/linh-vuc/moi", methods=["GET", "POST"])
@editor_required
def new_field():
    """Add a field of administration."""
    return _field_form(FieldForm(), None)


@bp.route("/linh-vuc/<int:field_id>", methods=["GET", "POST"])
@editor_required
def edit_field(field_id: int):
    """Change a field's code, name or description (its address stays)."""
    field = db.session.get(Field, field_id) or abort(404)
    return _field_form(FieldForm(obj=field, field=field), field)


def _field_form(form: FieldForm, field: Field | None):
    if form.validate_on_submit():
        saved = field_editor.save_field(db.session, field, field_editor.FieldData(
            code=form.code.data, name=form.name.data, description=form.description.data),
            current_user)
        db.session.commit()
        flash(_("Đã lưu lĩnh vực %(name)s.", name=saved.name), "success")
        return redirect(url_for("admin.agencies", _anchor=f"linh-vuc-{saved.id}"), code=303)
    return render("admin/settings/field_form.html", form=form, field=field,
                  status=422 if form.errors else 200)


@bp.route("/linh-vuc/<int:field_id>/xoa", methods=["GET", "POST"])
@editor_required
def delete_field(field_id: int):
    """Ask, then delete a field; one that procedures belong to is kept, and the page says
    why."""
    field = db.session.get(Field, field_id) or abort(404)
    return _confirm_delete(
        field.name, _("lĩnh vực"), field_editor.field_blockers(db.session, field),
        lambda: field_editor.delete_field(db.session, field, current_user),
        url_for("admin.agencies", _anchor="linh-vuc"))


@bp.post("/linh-vuc/<int:field_id>/di-chuyen")
@editor_required
def move_field(field_id: int):
    """Move a field up or down."""
    field = db.session.get(Field, field_id) or abort(404)
    return _move(lambda step: field_editor.move_field(db.session, field, step, current_user),
                 f"linh-vuc-{field.id}")


def _confirm_delete(name: str, kind: str, reasons: list[str], delete: Callable[[], None],
                    back: str, note: str | None = None):
    """The delete question (GET), or the deletion (POST); 409 with the reasons when the
    item is still in use."""
    if request.method == "POST" and not reasons:
        try:
            delete()
        except org.InUse as error:  # it came into use since the page was shown
            reasons = error.reasons
        else:
            db.session.commit()
            flash(_("Đã xóa %(name)s.", name=name), "success")
            return redirect(back, code=303)
    return render("admin/settings/delete.html", name=name, kind=kind, reasons=reasons,
                  back=back, note=note, status=409 if request.method == "POST" else 200)


def _move(move: Callable[[int], bool], anchor: str):
    """Apply a move (``huong`` = len | xuong) and come back to the item.

    :raise 400: no direction given.
    """
    step = STEPS.get(request.form.get("huong", ""))
    if step is None:
        abort(400)
    if move(step):
        db.session.commit()
    return redirect(url_for("admin.agencies", _anchor=anchor), code=303)
