"""Feedback and petitions on the staff side (/mot-cua/phan-anh-kien-nghi, TT22-PL3-18,
QĐ31-43.2): the list by status, feedback received by phone, letter, e-mail or in person,
and one petition's triage, answer, publication and closing. Every action is audited.

Who sees which petition: see :mod:`portal.services.petition_office` (untriaged ones: every
officer; then the agency's tree and the assignee); others get a 404.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.blueprints.backoffice.views import bp
from portal.blueprints.feedback.forms import CHANNEL_LABELS, RecordForm
from portal.blueprints.feedback.views import page_number, published_procedures
from portal.edge import parse_int
from portal.db import release_write_lock
from portal.extensions import db
from portal.htmx import render
from portal.models import Agency, Petition, PetitionChannel, PetitionStatus, User
from portal.services import backoffice, jobs, petition_office, petitions, uploads
from portal.services.files import download_response

#: List tabs: URL key → status, in the order they are worked through.
TABS = {"moi": PetitionStatus.NEW, "dang-xu-ly": PetitionStatus.ASSIGNED,
        "da-tra-loi": PetitionStatus.ANSWERED, "da-dong": PetitionStatus.CLOSED}


@bp.get("/phan-anh-kien-nghi")
def petitions_index():
    """The officer's petitions in one status, with the count of each."""
    tab = request.args.get("tab", "moi")
    tab = tab if tab in TABS else "moi"
    results, counts = petition_office.inbox(db.session, current_user, TABS[tab], page_number())
    return render("feedback/office_list.html", tab=tab, tabs=TABS, results=results,
                  counts=counts, channels=CHANNEL_LABELS)


@bp.route("/phan-anh-kien-nghi/ghi-nhan", methods=["GET", "POST"])
def petition_record():
    """Enter feedback received by phone, letter, e-mail or in person (QĐ31-43.2)."""
    form = RecordForm()
    form.set_procedures(published_procedures())
    if not form.validate_on_submit():
        return render("feedback/office_record.html", form=form, rule=uploads.rule_for(None),
                      status=422 if form.errors else 200, max_files=petitions.MAX_FILES)
    release_write_lock(db.session)  # files are checked and scanned with no lock held
    try:
        stored = petitions.store_files(request.files.getlist(form.tep.name))
    except uploads.UploadError as error:
        form.tep.errors = [str(error)]
        return render("feedback/office_record.html", form=form, rule=uploads.rule_for(None),
                      status=422, max_files=petitions.MAX_FILES)
    petition = petitions.create(
        db.session, form.submission(PetitionChannel(form.channel.data)), stored,
        recorded_by=current_user)
    db.session.commit()
    jobs.kick()
    flash(_("Đã ghi nhận phản ánh, kiến nghị %(code)s.", code=petition.code), "success")
    return redirect(url_for(".petition", code=petition.code), code=303)


def _find_or_404(code: str) -> Petition:
    return petition_office.find(db.session, code, current_user) or abort(404)


@bp.get("/phan-anh-kien-nghi/<code>")
def petition(code: str):
    """One petition: what it says, who sent it, and what the officer can do."""
    return _petition_page(_find_or_404(code))


def _petition_page(petition: Petition, status: int = 200, errors: dict | None = None,
                   values=None):
    agencies = db.session.scalars(select(Agency).order_by(Agency.sort_order, Agency.name))
    dossier = None
    if petition.dossier_code:
        dossier = backoffice.find(db.session, petition.dossier_code, current_user)
    suggested = petition.agency_id or (petition.procedure.agency_id if petition.procedure
                                       else None)
    return render("feedback/office_petition.html", status=status, petition=petition,
                  errors=errors or {}, values=values or {}, agencies=list(agencies),
                  officers=petition_office.officers(db.session), suggested_agency=suggested,
                  dossier=dossier, channels=CHANNEL_LABELS,
                  assignee=db.session.get(User, petition.assignee_id)
                  if petition.assignee_id else None)


@bp.get("/phan-anh-kien-nghi/<code>/tep/<int:number>")
def petition_file(code: str, number: int):
    """A file sent with the petition, always as a download."""
    petition = _find_or_404(code)
    if not 1 <= number <= len(petition.files or []):
        abort(404)
    item = petition.files[number - 1]
    return download_response(item["sha256"], item["filename"], item["media_type"])


def _triage(petition: Petition) -> str:
    agency = _get(Agency, request.form.get("don-vi", ""))
    assignee = _get(User, request.form.get("can-bo", ""))
    petition_office.triage(db.session, petition, current_user, agency, assignee)
    return _("Đã phân loại, giao xử lý.")


def _answer(petition: Petition) -> str:
    petition_office.answer(db.session, petition, current_user, request.form.get("noi-dung", ""))
    if petition.email:
        return _("Đã trả lời; người gửi nhận câu trả lời qua thư điện tử.")
    return _("Đã lưu câu trả lời.")


def _publish(petition: Petition) -> str:
    petition_office.set_published(db.session, petition, current_user, True)
    return _("Đã công khai trên Cổng (không kèm thông tin cá nhân).")


def _unpublish(petition: Petition) -> str:
    petition_office.set_published(db.session, petition, current_user, False)
    return _("Đã thôi công khai.")


def _close(petition: Petition) -> str:
    petition_office.close(db.session, petition, current_user)
    return _("Đã đóng phản ánh, kiến nghị.")


ACTIONS: dict[str, Callable[[Petition], str]] = {
    "phan-loai": _triage, "tra-loi": _answer, "cong-khai": _publish,
    "thoi-cong-khai": _unpublish, "dong": _close}


@bp.post("/phan-anh-kien-nghi/<code>/<action>")
def petition_act(code: str, action: str):
    """Do one action on the petition; a refused one is shown again with its reason."""
    petition = _find_or_404(code)
    handler = ACTIONS.get(action) or abort(404)
    try:
        done = handler(petition)
    except petition_office.PetitionError as error:
        db.session.rollback()
        return _petition_page(_find_or_404(code), 422, {action: str(error)},
                              {action: request.form})
    db.session.commit()
    jobs.kick()
    flash(done, "success")
    visible = petition_office.find(db.session, petition.code, current_user)
    if visible is None:  # handed over to another agency: back to the list
        return redirect(url_for(".petitions_index"), code=303)
    return redirect(url_for(".petition", code=petition.code), code=303)


def _get(model, raw: str):
    number = parse_int(raw)
    return db.session.get(model, number) if number is not None else None
