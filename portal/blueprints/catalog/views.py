"""Catalogue views: the filtered list, a procedure's page, its downloads."""
from __future__ import annotations

from flask import Blueprint, abort, request, url_for
from flask_login import current_user

from portal.blueprints.catalog.forms import CatalogueFilterForm
from portal.extensions import db
from portal.htmx import render, wants_fragment
from portal.models import Procedure, Role
from portal.services import catalog, documents, files

bp = Blueprint("catalog", __name__, url_prefix="/thu-tuc")


@bp.get("/")
def index():
    """List published procedures with filters; htmx gets just the results region."""
    form = CatalogueFilterForm(formdata=request.args)
    form.set_choices(catalog.filter_options(db.session))
    filters = form.filters()
    results = catalog.list_procedures(db.session, filters)
    response = render("catalog/index.html", fragment="results", form=form, filters=filters,
                      results=results)
    if wants_fragment():
        # The address bar shows only the filters in use: bookmarkable and readable.
        response.headers["HX-Push-Url"] = url_for("catalog.index", **filters.url_args())
    return response


@bp.get("/<code>")
def detail(code: str):
    """A procedure's page with its 11 basic items (TT32-LV1-01 … -11)."""
    procedure = catalog.get_procedure(db.session, code) or abort(404)
    guides, faqs = catalog.related_content(db.session, procedure)
    return render("catalog/detail.html", procedure=procedure, guides=guides, faqs=faqs)


@bp.get("/<code>/tai-ve")
def download(code: str):
    """The procedure's information as a Word document, to keep or print (ND42-07.1c)."""
    procedure = _downloadable(code)
    return _private_if_unpublished(procedure, documents.procedure_docx_response(procedure))


@bp.get("/<code>/bieu-mau/<int:form_id>")
def form_file(code: str, form_id: int):
    """Download one of the procedure's forms (TT32-LV2)."""
    procedure = _downloadable(code)
    form = next((f for f in procedure.form_files if f.id == form_id and f.sha256), None)
    if form is None:
        abort(404)
    return _private_if_unpublished(
        procedure, files.download_response(form.sha256, form.filename, form.media_type))


def _downloadable(code: str) -> Procedure:
    """A published procedure; for editors an unpublished one too, whose preview links here."""
    editor = current_user.is_authenticated and current_user.has_role(Role.EDITOR, Role.ADMIN)
    return catalog.get_procedure(db.session, code, unpublished=editor) or abort(404)


def _private_if_unpublished(procedure: Procedure, response):
    if not procedure.published:
        response.headers["Cache-Control"] = "private, no-store"
    return response
