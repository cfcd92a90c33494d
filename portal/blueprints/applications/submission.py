"""Papers, check your answers, submit (/nop-ho-so/nhap/<token>/…): from a finished form to
a dossier with a code (ND45-11.1, TT21-05.1-06).

Each component of the dossier takes files as soon as they are chosen (htmx, with progress;
photos may be shrunk in the browser first) or through a plain "Tải lên" button without
JavaScript. The review page lists every answer and paper with a change link and submits;
the same page sends a supplement back when the office asked for one.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal import clock
from portal.blueprints.applications.views import bp, open_draft
from portal.db import begin_writing, release_write_lock
from portal.edge import parse_int
from portal.extensions import config_limit, db, login_manager
from portal.htmx import render, wants_fragment
from portal.models import Attachment, Channel, Dossier, DossierComponent, Draft
from portal.services import attachments, dossiers, drafts, eforms, jobs, uploads, workflow
from portal.services.files import download_response


@dataclass
class ComponentView:
    """One dossier component on the papers page: its rules, files, offers and errors."""

    component: DossierComponent
    rule: uploads.FileRule
    files: list[Attachment]
    offers: list[Attachment] = field(default_factory=list)
    results: list = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    by_form: bool = False

    @property
    def id(self) -> str:
        return f"tp-{self.component.id}"

    @property
    def needed(self) -> bool:
        return self.component.required and not self.files


def _components(draft: Draft, errors: dict[int, list[str]] | None = None) -> list[ComponentView]:
    spec = drafts.spec_of(draft.form_spec)
    grouped = attachments.by_component(attachments.of_draft(db.session, draft))
    candidates = []
    if current_user.is_authenticated:
        candidates = attachments.reusable(db.session, current_user, clock.today())
    views = []
    for component in draft.form_spec.procedure.components:
        files = grouped.get(component.id, [])
        taken = {f.sha256 for f in files}
        results = [r for r in attachments.result_offers(db.session, current_user, component)
                   if r.sha256 not in taken] if current_user.is_authenticated else []
        views.append(ComponentView(
            component, uploads.rule_for(component), files,
            attachments.offers_for(component, candidates, files), results,
            (errors or {}).get(component.id, []),
            by_form=component.position == spec.component))
    return views


def has_papers(draft: Draft) -> bool:
    """True when the procedure has papers to attach (besides the form itself)."""
    spec = drafts.spec_of(draft.form_spec)
    return any(not c.presentation_only and c.position != spec.component
               for c in draft.form_spec.procedure.components)


# --- Papers ------------------------------------------------------------------------------------


@bp.get("/nhap/<token>/giay-to")
def papers(token: str):
    """The dossier's components and their files."""
    draft = open_draft(token)
    return _papers_page(draft, token, _components(draft))


def _papers_page(draft: Draft, token: str, views: list[ComponentView], status: int = 200,
                 one: ComponentView | None = None, status_text: str = ""):
    return render("applications/papers.html", fragment="component" if one else None,
                  status=status, draft=draft, token=token, spec=drafts.spec_of(draft.form_spec),
                  views=views, view=one, status_text=status_text,
                  shrink_side=current_app.config["IMAGE_SHRINK_MAX_SIDE"])


def _component_of(draft: Draft, component_id: int) -> DossierComponent:
    component = db.session.get(DossierComponent, component_id)
    if component is None or component.procedure_id != draft.form_spec.procedure_id:
        abort(404)
    return component


@bp.post("/nhap/<token>/giay-to/<int:component_id>")
@config_limit("RATELIMIT_EFORM")
def upload(token: str, component_id: int):
    """Attach the chosen files to one component; each bad file is named with the reason,
    the good ones are kept."""
    draft = open_draft(token)
    component = _component_of(draft, component_id)
    chosen = [f for f in request.files.getlist("tep") if f and f.filename]
    errors = [_("Hãy chọn tệp cần tải lên.")] if not chosen else []
    stored, refused = _checked(db.session, draft, component, chosen)
    draft = open_draft(token)  # read again, under the write lock, after the slow part
    component = _component_of(draft, component_id)
    done = 0
    for item in stored:
        try:
            attachments.attach(db.session, draft, component, item, _user())
            done += 1
        except uploads.UploadError as error:
            refused.append(str(error))
    db.session.commit()
    errors += list(dict.fromkeys(refused))  # "no room" once, not once per file
    message = ngettext("Đã tải lên %(num)d tệp.", "Đã tải lên %(num)d tệp.", done) if done else ""
    return _after_change(draft, token, component, errors, message)


def _checked(session, draft: Draft, component: DossierComponent,
             chosen: list) -> tuple[list[uploads.StoredFile], list[str]]:
    """Check, scan and store the chosen files with no transaction open (the write lock is
    not held while a file is read, scanned and written); their messages when refused."""
    rule = uploads.rule_for(component)
    try:
        attachments.room_for(session, draft, component)
    except uploads.UploadError as error:
        return [], [str(error)]
    release_write_lock(session)
    return uploads.accept_all(chosen, rule)


def _user():
    return current_user if current_user.is_authenticated else None


def _after_change(draft: Draft, token: str, component: DossierComponent, errors: list[str],
                  message: str = ""):
    """The component re-rendered with what happened (htmx), else back to the papers page:
    with a notice when all went well, re-rendered with the errors (422) when not."""
    views = _components(draft, {component.id: errors})
    status = 422 if errors else 200
    if wants_fragment():
        one = next(v for v in views if v.component.id == component.id)
        return _papers_page(draft, token, views, status, one,
                            status_text=" ".join([message, *errors]))
    if errors:
        if message:
            flash(message, "success")
        return _papers_page(draft, token, views, status)
    if message:
        flash(message, "success")
    return redirect(url_for(".papers", token=token, _anchor=f"tp-{component.id}"), code=303)


@bp.post("/nhap/<token>/giay-to/xoa/<int:attachment_id>")
def remove_paper(token: str, attachment_id: int):
    """Take one file off the draft."""
    draft = open_draft(token)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.draft_id != draft.id or attachment.component is None:
        abort(404)
    component = attachment.component
    attachments.remove(db.session, draft, attachment_id)
    db.session.commit()
    return _after_change(draft, token, component, [],
                         _("Đã bỏ tệp %(name)s.", name=attachment.filename))


@bp.post("/nhap/<token>/giay-to/<int:component_id>/dung-lai")
def reuse_paper(token: str, component_id: int):
    """Attach a paper the office accepted in an earlier dossier (once-only)."""
    draft = open_draft(token)
    component = _component_of(draft, component_id)
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    source = parse_int(request.form.get("tai-lieu"))
    result = parse_int(request.form.get("ket-qua"))
    if result is not None:
        reused = attachments.reuse_result(db.session, draft, component, result, current_user)
    else:
        reused = source is not None and attachments.reuse(db.session, draft, component,
                                                          source, current_user)
    db.session.commit()
    if not reused:
        return _after_change(draft, token, component, [
            _("Không dùng lại được giấy tờ này (có thể đã hết hiệu lực).")])
    return _after_change(draft, token, component, [],
                         _("Đã dùng lại %(name)s.", name=reused.filename))


@bp.get("/nhap/<token>/tep/<int:attachment_id>")
def paper_file(token: str, attachment_id: int):
    """Download a file attached to the draft (always as a download, never shown inline)."""
    draft = open_draft(token)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.draft_id != draft.id:
        abort(404)
    return download_response(attachment.sha256, attachment.filename, attachment.media_type)


# --- Check your answers and submit ---------------------------------------------------------


@bp.get("/nhap/<token>/xem-lai")
def review(token: str):
    """Every answer and paper with change links, what is still missing, and "Nộp hồ sơ"."""
    draft = open_draft(token)
    return _review_page(draft, token)


def _review_page(draft: Draft, token: str, problems=None, status: int = 200, **extra):
    spec = drafts.spec_of(draft.form_spec)
    options = drafts.options_fn(db.session)
    section_errors = {s.key: len(eforms.check_section(spec, s, draft.data, options)[0])
                      for s in spec.sections}
    if problems is None:
        problems = dossiers.completeness(db.session, draft, options)
    dossier = db.session.get(Dossier, draft.dossier_id) if draft.dossier_id else None
    return render("applications/review.html", status=status, draft=draft, token=token,
                  spec=spec, answers=eforms.answers(spec, draft.data, options),
                  problems=section_errors, missing=problems, views=_components(draft),
                  has_papers=has_papers(draft), dossier=dossier,
                  channels=dossiers.result_channels(draft.form_spec.procedure),
                  **{"attempted": False, "chosen": {}, **extra})


@bp.post("/nhap/<token>/nop")
@config_limit("RATELIMIT_EFORM")
def submit(token: str):
    """Submit the dossier (or send the supplement back); problems are listed, nothing lost."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    begin_writing(db.session)  # the code's sequence and the draft are read under the lock
    draft = open_draft(token)
    if draft.dossier_id:
        return _send_supplement(draft, token)
    channel, address, choice_error = _result_choice(draft)
    if choice_error:
        return _review_page(draft, token, status=422, choice_error=choice_error,
                            chosen=request.form, attempted=True)
    try:
        dossier = dossiers.submit(db.session, draft, current_user, result_channel=channel,
                                  result_address=address)
    except dossiers.Incomplete as incomplete:
        db.session.rollback()
        draft = open_draft(token)
        return _review_page(draft, token, incomplete.problems, status=422, chosen=request.form,
                            attempted=True)
    db.session.commit()
    jobs.kick()
    return redirect(url_for("dossiers.receipt", code=dossier.code, moi=1), code=303)


#: The longest postal address for the result (the column holds 500 characters).
RETURN_ADDRESS_LIMIT = 500


def _result_choice(draft: Draft) -> tuple[Channel, str | None, str | None]:
    allowed = dossiers.result_channels(draft.form_spec.procedure)
    raw = request.form.get("nhan-ket-qua", "")
    channel = next((c for c in allowed if str(int(c)) == raw), None)
    if channel is None:
        return Channel.IN_PERSON, None, _("Chọn cách nhận kết quả.")
    address = (request.form.get("dia-chi-nhan") or "").strip()
    if len(address) > RETURN_ADDRESS_LIMIT:  # said, never cut
        return channel, address, _("Địa chỉ nhận kết quả dài tối đa %(n)d ký tự (đã nhập "
                                   "%(m)d).", n=RETURN_ADDRESS_LIMIT, m=len(address))
    if channel is Channel.POSTAL and len(address) < 10:
        return channel, address, _("Nhập địa chỉ nhận kết quả qua bưu điện (số nhà, đường, "
                                   "xã/phường, tỉnh/thành phố).")
    return channel, address or None, None


def _send_supplement(draft: Draft, token: str):
    dossier = db.session.get(Dossier, draft.dossier_id)
    if dossier is None or dossier.user_id != current_user.id:
        abort(404)
    problems = dossiers.completeness(db.session, draft, drafts.options_fn(db.session))
    if problems:
        return _review_page(draft, token, problems, status=422, attempted=True)
    try:
        workflow.answer_supplement(db.session, dossier, draft, current_user)
    except workflow.IllegalTransition:
        db.session.rollback()
        flash(_("Hồ sơ này không còn chờ bổ sung."), "error")
        return redirect(url_for("dossiers.detail", code=dossier.code), code=303)
    db.session.commit()
    jobs.kick()
    flash(_("Đã gửi bổ sung hồ sơ %(code)s. Mã hồ sơ không thay đổi.", code=dossier.code),
          "success")
    return redirect(url_for("dossiers.detail", code=dossier.code), code=303)
