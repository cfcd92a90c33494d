"""What officers do to a dossier (/mot-cua/ho-so/<code>/…): one POST per action, each a
plain form that works without JavaScript. A refused action shows its reason next to its
form with what was typed; a done one goes back to the dossier with a notice."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.blueprints.backoffice.views import bp, dossier_page, find_or_404
from portal.edge import parse_int
from portal.db import release_write_lock
from portal.extensions import db
from portal.models import Agency, Channel, Consultation, Dossier, DossierComponent, User
from portal.services import conversation, counter, jobs, office, results, uploads


def _int(name: str) -> int:
    return parse_int(request.form.get(name), 0)


def _accept(d: Dossier):
    return office.accept(db.session, d, current_user)


def _assign(d: Dossier):
    officer = db.session.get(User, _int("can-bo")) if _int("can-bo") else None
    return office.assign(db.session, d, current_user, officer or current_user)


def _consult(d: Dossier):
    agency = db.session.get(Agency, _int("co-quan")) if _int("co-quan") else None
    return office.consult(db.session, d, current_user, agency, request.form.get("noi-dung"),
                          _int("so-ngay") or 0)


def _approve(d: Dossier):
    signed = request.files.get("ket-qua")
    if signed and signed.filename:  # checked and stored with no lock held
        release_write_lock(db.session)
        signed = uploads.accept(signed, results.RESULT_TYPES)
    return office.approve(db.session, d, current_user, signed)


def _extend(d: Dossier):
    return office.extend(db.session, d, current_user,
                         office.parse_day(request.form.get("ngay-hen")),
                         request.form.get("ly-do"))


def _return(d: Dossier):
    via = next((c for c in Channel if str(int(c)) == request.form.get("hinh-thuc")), None)
    if via is None:
        raise office.OfficeError(_("Chọn hình thức trả kết quả."))
    return office.return_result(db.session, d, current_user, via)


def _text(name: str) -> str:
    return request.form.get(name, "")


#: The scan form's "Giấy tờ nhận là" choices → what :func:`counter.add_scan` keeps.
PAPERS = {"ban-chinh": "original", "ban-sao": "copy"}


#: URL name → (what it does, the notice when done).
ACTIONS = {
    "tiep-nhan": (_accept, _l("Đã tiếp nhận hồ sơ.")),
    "tu-choi": (lambda d: office.refuse(db.session, d, current_user, _text("ly-do")),
                _l("Đã từ chối tiếp nhận hồ sơ.")),
    "yeu-cau-bo-sung": (lambda d: office.request_supplement(
        db.session, d, current_user, _text("noi-dung"), _text("ghi-chu")),
        _l("Đã gửi yêu cầu bổ sung cho người nộp.")),
    "phan-cong": (_assign, _l("Đã phân công xử lý.")),
    "ghi-chu": (lambda d: office.note(db.session, d, current_user, _text("noi-dung")),
                _l("Đã ghi chú.")),
    "xin-y-kien": (_consult, _l("Đã gửi xin ý kiến.")),
    "trinh-duyet": (lambda d: office.propose(db.session, d, current_user, _text("noi-dung")),
                    _l("Đã chuyển bước tiếp theo.")),
    "tra-lai": (lambda d: office.return_for_rework(db.session, d, current_user,
                                                   _text("noi-dung")),
                _l("Đã trả lại để xử lý tiếp.")),
    "phe-duyet": (_approve, _l("Đã phê duyệt, kết quả điện tử đã được ban hành.")),
    "yeu-cau-nop-phi": (lambda d: office.request_fee(db.session, d, current_user,
                                                     _text("so-tien"), _text("noi-dung")),
                        _l("Đã gửi yêu cầu nộp phí, lệ phí.")),
    "da-nop-phi": (lambda d: office.confirm_fee(db.session, d, current_user),
                   _l("Đã ghi nhận nộp phí, lệ phí.")),
    "gia-han": (_extend, _l("Đã gia hạn và gửi phiếu xin lỗi cho người nộp.")),
    "tra-ket-qua": (_return, _l("Đã trả kết quả.")),
    "dung-xu-ly": (lambda d: office.stop(db.session, d, current_user, _text("ly-do")),
                   _l("Đã dừng xử lý hồ sơ.")),
}


@bp.post("/ho-so/<code>/thao-tac/<action>")
def act(code: str, action: str):
    """Take one action on the dossier."""
    dossier = find_or_404(code)
    handler, done = ACTIONS.get(action) or abort(404)
    try:
        handler(dossier)
    except (office.OfficeError, uploads.UploadError) as error:
        db.session.rollback()
        return dossier_page(find_or_404(code), 422, {action: str(error)}, {action: request.form})
    db.session.commit()
    jobs.kick()
    flash(str(done), "success")
    return redirect(url_for(".dossier", code=code), code=303)


@bp.post("/ho-so/<code>/y-kien/<int:consultation_id>")
def answer(code: str, consultation_id: int):
    """The consulted agency gives its opinion."""
    dossier = find_or_404(code)
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or consultation.dossier_id != dossier.id:
        abort(404)
    try:
        office.answer_consultation(db.session, consultation, current_user, _text("tra-loi"))
    except office.OfficeError as error:
        db.session.rollback()
        key = f"y-kien-{consultation_id}"
        return dossier_page(find_or_404(code), 422, {key: str(error)}, {key: request.form})
    db.session.commit()
    flash(_("Đã gửi ý kiến."), "success")
    return redirect(url_for(".dossier", code=code), code=303)


@bp.post("/ho-so/<code>/ban-quet/<int:component_id>")
def scan(code: str, component_id: int):
    """Attach scans of one paper to a dossier filed at the desk (ND61-17.1)."""
    dossier = find_or_404(code)
    component = db.session.get(DossierComponent, component_id) or abort(404)
    chosen = [f for f in request.files.getlist("tep") if f and f.filename]
    errors = [] if chosen else [_("Hãy chọn tệp bản quét.")]
    paper = PAPERS.get(request.form.get("loai-ban", ""))
    rule = uploads.rule_for(component)
    release_write_lock(db.session)  # files are checked and scanned with no lock held
    stored, refused = uploads.accept_all(chosen, rule)
    errors += refused
    dossier = find_or_404(code)
    for item in stored:
        try:
            counter.add_scan(db.session, dossier, component, item, current_user, paper)
        except (office.OfficeError, uploads.UploadError) as error:
            errors.append(str(error))
    db.session.commit()
    if errors:
        return dossier_page(find_or_404(code), 422, {f"ban-quet-{component_id}": " ".join(errors)})
    flash(_("Đã đính kèm bản quét."), "success")
    return redirect(url_for(".dossier", code=code, _anchor=f"tp-{component_id}"), code=303)


@bp.post("/ho-so/<code>/tin-nhan")
def message(code: str):
    """Write to the citizen about the dossier (they are notified)."""
    dossier = find_or_404(code)
    release_write_lock(db.session)  # files are checked and scanned with no lock held
    try:
        files = conversation.checked_files(request.files.getlist("tep"))
        conversation.post(db.session, dossier, current_user, _text("noi-dung"), files)
    except (conversation.MessageError, uploads.UploadError) as error:
        db.session.rollback()
        return dossier_page(find_or_404(code), 422, {"tin-nhan": str(error)},
                            {"tin-nhan": request.form})
    db.session.commit()
    jobs.kick()
    flash(_("Đã gửi tin nhắn cho người nộp."), "success")
    return redirect(url_for(".dossier", code=code, _anchor="tin-nhan"), code=303)
