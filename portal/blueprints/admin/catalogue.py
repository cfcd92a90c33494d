"""The catalogue's import and export for editors (/quan-tri/danh-muc; issue 8, TT22-PL2-01).

Export answers at once (a JSON file in the exchange format, or an XLSX workbook). Import
checks the uploaded file, then runs as the background job ``catalog.import``: the page shows
its progress (``components/_job_status.html``) and, when it is done, links to the report of
what was created, updated and refused (TT32-11.x-PROG).
"""
from __future__ import annotations

from flask import abort, current_app, redirect, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from portal.auth import client_address
from portal.blueprints.admin.access import editor_required
from portal.blueprints.admin.procedure_forms import ImportForm
from portal.db import begin_writing
from portal.blueprints.admin.views import bp
from portal.extensions import db
from portal.htmx import render, wants_fragment
from portal.models import Job
from portal.services import audit, jobs
from portal.services import catalogue_transfer as transfer


@bp.get("/danh-muc")
@editor_required
def catalogue():
    """Download the catalogue, or upload a file to import."""
    return _page(ImportForm(formdata=None))


def _page(form: ImportForm, *, job: Job | None = None, status: int = 200):
    return render("admin/procedures/catalogue.html", fragment="import", status=status,
                  form=form, job=job, recent=transfer.recent_imports(db.session, current_user))


@bp.get("/danh-muc/xuat")
@editor_required
def export_catalogue():
    """The catalogue as ``?dinh-dang=json`` or ``xlsx`` (``?da-xuat-ban=1``: published only)."""
    kind = request.args.get("dinh-dang", "")
    if kind not in transfer.MEDIA_TYPES:
        abort(404)
    published_only = request.args.get("da-xuat-ban") == "1"
    body, filename, count = transfer.export(db.session, kind, published_only=published_only)
    begin_writing(db.session)  # a GET that writes: the export's read ends first
    audit.record(db.session, "catalogue_exported", actor=current_user,
                 address=client_address(), format=kind, published_only=published_only,
                 procedures=count)
    db.session.commit()
    response = current_app.response_class(body, content_type=transfer.MEDIA_TYPES[kind])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/danh-muc/nhap")
@editor_required
def import_catalogue():
    """Check the uploaded file and queue its import; htmx gets the form back with the job's
    progress below it, others go to the import's report page (which shows the progress)."""
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.stream.read(transfer.MAX_IMPORT_BYTES + 1)
        try:
            transfer.read_json(data)
        except transfer.ImportFileError as error:
            form.file.errors = [*form.file.errors, str(error)]
        else:
            job = transfer.queue_import(
                db.session, data, owner=current_user, publish=form.publish.data,
                strict=form.strict.data, filename=upload.filename,
                locale=str(get_locale() or "vi"))
            db.session.flush()  # the job's id, for the report's address
            job.payload = {**job.payload, "url": url_for(".import_report", job_id=job.id)}
            db.session.commit()
            jobs.kick()
            if not wants_fragment():
                return redirect(url_for(".import_report", job_id=job.id), code=303)
            job = db.session.get(Job, job.id, populate_existing=True)
            return _page(ImportForm(formdata=None), job=job)
    return _page(form, status=422)


@bp.get("/danh-muc/bao-cao/<int:job_id>")
@editor_required
def import_report(job_id: int):
    """An import's progress, then its report: counts and the refused records with reasons.

    :raise 404: no such import, or it is someone else's.
    """
    job = db.session.get(Job, job_id)
    if job is None or job.kind != transfer.IMPORT_JOB or job.owner_id != current_user.id:
        abort(404)
    return render("admin/procedures/report.html", job=job)
