"""E-forms (/nop-ho-so): start a draft, fill it in section by section, check, save, restore.

Every step works without JavaScript: "Lưu nháp" and "Lưu và tiếp tục" save the page, "Chọn
tỉnh" lists the communes, "Thêm"/"Xoá" change groups. With JavaScript, fields are checked
as they are left (htmx, the same rules as on submit), the draft saves itself as one types
(``static/js/autosave.js``) and the commune list follows the province.
"""
from __future__ import annotations

import re

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, user_logged_in
from sqlalchemy import select

from portal import clock
from portal.blueprints.applications import pages
from portal.db import begin_writing
from portal.extensions import config_limit, db, login_manager
from portal.htmx import render, wants_fragment
from portal.links import external_url
from portal.models import Draft, Procedure, utcnow
from portal.services import drafts, eforms, form_documents, form_versions, jobs, messaging
from portal.services.files import DOCX
from portal.services.identity import normalize_email

bp = Blueprint("applications", __name__, url_prefix="/nop-ho-so")

CONFLICT_MESSAGE = _l(
    "Bản nháp vừa được sửa ở một thẻ hoặc thiết bị khác. Những gì bạn vừa nhập vẫn còn trên "
    "màn hình và trên máy này.")
#: Tokens of drafts started in this browser before logging in (attached at login).
SESSION_KEY = "drafts"
MAX_FILE_BYTES = 1024 * 1024


# --- Starting ------------------------------------------------------------------------------


@bp.route("/<code>", methods=["GET", "POST"])
def start(code: str):
    """The start page of a procedure's form; POST starts a new draft."""
    procedure = db.session.scalar(select(Procedure).where(
        Procedure.code == code, Procedure.published.is_(True))) or abort(404)
    form_spec = drafts.form_for(db.session, procedure) or abort(404)
    if request.method == "POST":
        user = current_user if current_user.is_authenticated else None
        draft, token = drafts.start(db.session, form_spec, user)
        db.session.commit()
        if user is None:
            session[SESSION_KEY] = (session.get(SESSION_KEY) or [])[-9:] + [token]
            flash(_("Đã tạo bản nháp. Hãy giữ đường dẫn của trang này (hoặc gửi nó vào thư "
                    "điện tử của bạn) để quay lại khai tiếp."), "info")
        return redirect(url_for(".edit", token=token), code=303)
    mine = []
    if current_user.is_authenticated:
        mine = [d for d in drafts.owned(db.session, current_user)
                if d.form_spec_id == form_spec.id]
    return render("applications/start.html", procedure=procedure, form_spec=form_spec,
                  spec=drafts.spec_of(form_spec), mine=mine)


@bp.get("/<code>/to-khai.<any(pdf, docx):ext>")
def blank_form(code: str, ext: str):
    """The form, blank, to print and fill in by hand (level 2, TT32-LV2)."""
    procedure = db.session.scalar(select(Procedure).where(
        Procedure.code == code, Procedure.published.is_(True))) or abort(404)
    form_spec = drafts.form_for(db.session, procedure) or abort(404)
    return _document(drafts.spec_of(form_spec), ext, f"to-khai-{procedure.code}")


def _document(spec: eforms.Spec, ext: str, name: str, data: dict | None = None):
    authority = current_app.config["AUTHORITY_NAME"]
    options = drafts.options_fn(db.session) if data is not None else None
    if ext == "pdf":
        body, mimetype = form_documents.form_pdf(spec, authority, data, options), "application/pdf"
    else:
        body, mimetype = form_documents.form_docx(spec, authority, data, options), DOCX
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{ext}"'
    return response


@bp.get("/ban-nhap")
@login_required
def my_drafts():
    """The drafts of the logged-in citizen."""
    return render("applications/drafts.html", drafts=drafts.owned(db.session, current_user))


@bp.get("/ban-nhap/<int:draft_id>")
@login_required
def resume(draft_id: int):
    """Open one of my drafts, on any device, where it was left."""
    draft = db.session.get(Draft, draft_id)
    if draft is None or draft.user_id != current_user.id:
        abort(404)
    return redirect(url_for(".edit", token=drafts.link_token(draft), phan=draft.section),
                    code=303)


@user_logged_in.connect
def _attach_started_drafts(app, user, **extra) -> None:
    """Drafts started in this browser before logging in now belong to the account."""
    for token in session.pop(SESSION_KEY, None) or []:
        draft = drafts.find(db.session, token)
        if draft is not None:
            drafts.attach(db.session, draft, user)
    db.session.commit()


# --- Access ---------------------------------------------------------------------------------


def open_draft(token: str, api: bool = False) -> Draft:
    """The draft of a link, if this visitor may open it; an unowned draft opened by a
    logged-in person becomes theirs."""
    draft = drafts.find(db.session, token)
    if draft is None:
        abort(404)
    if draft.user_id is None and current_user.is_authenticated:
        begin_writing(db.session)  # a GET too: read it again under the write lock
        if draft.user_id is None and drafts.attach(db.session, draft, current_user):
            db.session.commit()
            flash(_("Bản nháp đã được gắn vào tài khoản của bạn."), "info")
    if draft.user_id is None:
        return _up_to_date(draft)
    if not current_user.is_authenticated:
        if api:
            abort(401)
        abort(login_manager.unauthorized())
    if draft.user_id != current_user.id:
        abort(404)
    return _up_to_date(draft)


def _up_to_date(draft: Draft) -> Draft:
    """Issue 8: a draft started on an older version of the form is moved to the current one
    when it is opened (every page of a draft comes through here); what could not be kept
    is told once, as flashed notices."""
    if draft.spec_version == draft.form_spec.version:
        return draft
    begin_writing(db.session)  # a GET too: read it again under the write lock
    notices = drafts.bring_up_to_date(db.session, draft)
    db.session.commit()
    if notices:
        flash(_("Biểu mẫu này vừa được cập nhật. Bản nháp của bạn đã được chuyển sang mẫu mới; "
                "các giá trị còn phù hợp được giữ nguyên."), "info")
        for notice in notices:
            flash(notice, "warning")
    return draft


# --- Filling in -----------------------------------------------------------------------------


@bp.route("/nhap/<token>", methods=["GET", "POST"])
def edit(token: str):
    """One section of the form. POST saves it; "tiep-tuc" also checks it."""
    draft = open_draft(token)
    spec = drafts.spec_of(draft.form_spec)
    section = spec.section(request.values.get("phan") or draft.section)
    options = drafts.options_fn(db.session)
    if request.method == "GET":
        return _page(draft, token, spec, section, draft.data, {}, options)

    action = request.form.get("action", "luu-nhap")
    values = _posted(spec, section, draft.data)
    values.update(_group_change(section, {**draft.data, **values}, action))
    data = {**draft.data, **values}
    errors = eforms.overlong(spec, section, data)
    if action == "tiep-tuc":
        errors, normalised = eforms.check_section(spec, section, data, options)
        values.update(normalised)
    try:
        drafts.save(db.session, draft, _storable(values), _revision(), section.key,
                    force=request.form.get("ghi-de") == "1")
    except drafts.Conflict as conflict:
        db.session.rollback()
        theirs = form_versions.field_values(spec, draft.data, conflict.fields, options)
        return _page(draft, token, spec, section, data, {}, options, status=409,
                     conflict=theirs)
    db.session.commit()
    if errors:
        return _page(draft, token, spec, section, {**draft.data, **values}, errors, options,
                     status=422)
    return _after_save(draft, token, spec, section, action)


def _storable(values: dict) -> dict:
    """The values to keep: not those too long to store (they stay on the page, with why)."""
    return {key: value for key, value in values.items() if not eforms.too_long(value)}


def _after_save(draft: Draft, token: str, spec: eforms.Spec, section: eforms.Section,
                action: str):
    """Where a saved section goes next: the next section, the previous one, or back."""
    if action == "tiep-tuc":
        following = spec.next_section(section)
        if following is None:
            from portal.blueprints.applications.submission import has_papers

            target = ".papers" if has_papers(draft) else ".review"
            return redirect(url_for(target, token=token), code=303)
        return redirect(url_for(".edit", token=token, phan=following.key), code=303)
    if action == "quay-lai":
        previous = spec.previous_section(section) or section
        return redirect(url_for(".edit", token=token, phan=previous.key), code=303)
    anchor = _anchor_for(action)
    if action == "luu-nhap":
        flash(_("Đã lưu bản nháp lúc %(time)s.", time=_now_text()), "success")
    return redirect(url_for(".edit", token=token, phan=section.key, _anchor=anchor), code=303)


def _page(draft, token, spec, section, data, errors, options, conflict=False, status=200,
          fragment=None, **extra):
    views = pages.section_views(spec, section, data, errors, options)
    return render("applications/form.html", fragment=fragment, status=status, draft=draft,
                  token=token, spec=spec, section=section, views=views, errors=errors,
                  conflict=conflict, step=spec.sections.index(section) + 1,
                  steps=len(spec.sections), communes_of=_communes_of(options), **extra)


def _communes_of(options: eforms.OptionsFn):
    return lambda province: options("commune", province or "")


def _revision() -> int | None:
    """The revision the page last saw (None when the page sent none, or nonsense)."""
    raw = request.form.get("_revision", "")
    return int(raw) if re.fullmatch(r"[0-9]{1,9}", raw) else None


def _posted(spec: eforms.Spec, section: eforms.Section, data: dict) -> dict:
    """The values of this section's inputs in the request (unchecked boxes included)."""
    values: dict = {}
    for inst in eforms.instances(section, data):
        f = inst.field
        for name in inst.input_names():
            if f.type == "checkboxes":
                values[name] = [v for v in request.form.getlist(name) if v]
            elif f.type == "declaration":
                values[name] = "y" if request.form.get(name) == "y" else ""
            elif name in request.form:
                values[name] = request.form.get(name, "")
    return values


_GROUP_ACTION = re.compile(r"(them|xoa):([a-z0-9_]+)(?::(\d+))?")


def _group_change(section: eforms.Section, data: dict, action: str) -> dict:
    """Add an item to a group, or remove one (later items move up)."""
    match = _GROUP_ACTION.fullmatch(action)
    if not match:
        return {}
    verb, name, number = match.groups()
    group = next((f for f in section.fields if f.type == "group" and f.name == name), None)
    if group is None:
        return {}
    count = eforms.group_count(data, group)
    if verb == "them":
        if count >= int(group.max or eforms.MAX_GROUP_ITEMS):
            return {}
        return {f"{name}.count": str(count + 1)}
    index = int(number or 0)
    if count <= int(group.min or 0) or index >= count:
        return {}
    changes: dict = {f"{name}.count": str(count - 1)}
    for n in range(index, count):
        for child in group.fields:
            for suffix in [f"-{p}" for p in child.parts] or [""]:
                later = data.get(f"{name}.{n + 1}.{child.name}{suffix}", "")
                changes[f"{name}.{n}.{child.name}{suffix}"] = later if n + 1 < count else (
                    [] if child.type == "checkboxes" else "")
    return changes


def _anchor_for(action: str) -> str | None:
    match = _GROUP_ACTION.fullmatch(action)
    if match:
        return f"nhom-{match.group(2)}"
    if action.startswith("chon-tinh:"):  # the no-JS province step: on to the communes
        return "f-" + action.split(":", 1)[1].replace(".", "-").replace("_", "-") + "-xa"
    return None


def _now_text() -> str:
    return format_datetime(utcnow(), "HH:mm")


# --- htmx: check one field, communes of a province ------------------------------------------


@bp.post("/nhap/<token>/kiem-tra")
@config_limit("RATELIMIT_EFORM")
def check_field(token: str):
    """Check the field ``truong`` with the page's values; the field group re-rendered (a
    full page without htmx)."""
    draft = open_draft(token, api=True)
    spec = drafts.spec_of(draft.form_spec)
    section = spec.section(request.args.get("phan"))
    options = drafts.options_fn(db.session)
    data = {**draft.data, **_posted(spec, section, draft.data)}
    key = request.args.get("truong", "")
    inst = next((i for i in eforms.instances(section, data) if i.key == key), None)
    if inst is None:
        abort(404)
    result = eforms.check(spec, inst, data, options)
    shown = {**data, **result.values}
    errors = {key: result.error} if result.error else {}
    if not wants_fragment():  # without htmx: the whole page, that field checked
        return _page(draft, token, spec, section, shown, errors, options,
                     status=422 if errors else 200)
    views = pages.section_views(spec, section, shown, errors, options)
    return render("applications/_field.html", view=pages.find_view(views, key),
                  token=token, section=section, communes_of=_communes_of(options))


@bp.get("/nhap/<token>/xa")
def communes(token: str):
    """The commune choices of the province picked for the address field ``truong``."""
    draft = open_draft(token, api=True)
    spec = drafts.spec_of(draft.form_spec)
    section = spec.section(request.args.get("phan"))
    key = request.args.get("truong", "")
    data = {**draft.data, **{k: v for k, v in request.args.items() if k.startswith(key)}}
    inst = next((i for i in eforms.instances(section, data)
                 if i.key == key and i.field.type == "address"), None)
    if inst is None:
        abort(404)
    options = drafts.options_fn(db.session)
    if not wants_fragment():  # without htmx: the page, with this province's communes
        return _page(draft, token, spec, section, data, {}, options)
    view = pages.field_view(spec, inst, data, {}, options)
    return render("applications/_communes.html", view=view,
                  communes=options("commune", view.part("tinh")))


# --- Autosave --------------------------------------------------------------------------------


@bp.post("/nhap/<token>/luu")
@config_limit("RATELIMIT_EFORM")
def autosave(token: str):
    """Save the inputs sent (any section) as typed, merged by field.

    JSON ``{"revision", "saved_at", "changes", "refused"}``: ``changes`` are the fields other
    tabs or devices saved since ``_revision`` (the page shows them), ``refused`` the inputs
    too long to keep. 409 with ``fields`` (their values now) and ``changes`` when a field
    sent was changed elsewhere since ``_revision``; 401 when the login ended."""
    draft = drafts.find(db.session, token)
    if draft is None:
        return jsonify(error="not-found", message=_("Không tìm thấy bản nháp.")), 404
    if draft.user_id is not None and (not current_user.is_authenticated
                                      or draft.user_id != current_user.id):
        return jsonify(error="login", message=_(
            "Phiên đăng nhập đã hết. Những gì bạn nhập được giữ trên máy này; hãy đăng nhập "
            "lại để lưu lên hệ thống."), login_url=url_for(
            "account.login", next=url_for(".edit", token=token))), 401
    values = _normalise_lists(draft, _sent())
    refused = {key: _("Quá dài để lưu (tối đa %(n)d ký tự): hãy rút gọn.",
                      n=eforms.MAX_VALUE_CHARS) for key, value in values.items()
               if eforms.too_long(value)}
    try:
        saved = drafts.save(db.session, draft, _storable(values), _revision(),
                            force=request.form.get("_force") == "1")
    except drafts.Conflict as conflict:
        revision = conflict.draft.revision
        db.session.rollback()
        return jsonify(error="conflict", revision=revision, fields=conflict.fields,
                       changes=conflict.elsewhere, message=str(CONFLICT_MESSAGE)), 409
    db.session.commit()
    return jsonify(revision=saved.revision, saved_at=_now_text(), changes=saved.elsewhere,
                   refused=refused)


def _sent() -> dict:
    """The inputs an autosave sent (a name sent twice is a list: a checkbox group)."""
    values = {}
    for key in request.form:
        if key.startswith("_") or key == "csrf_token":
            continue
        items = request.form.getlist(key)
        values[key] = items if len(items) > 1 else items[0]
    return values


def _normalise_lists(draft: Draft, values: dict) -> dict:
    """Checkbox groups are lists even with one box ticked (or none: "")."""
    spec = drafts.spec_of(draft.form_spec)
    multi = {f.name for f in spec.all_fields() if f.type == "checkboxes"}
    for key, value in values.items():
        if key.rsplit(".", 1)[-1] in multi:
            items = value if isinstance(value, list) else [value]
            values[key] = [v for v in items if v]
    return values


# --- Print, file, link, delete ---------------------------------------------------------


@bp.get("/nhap/<token>/ban-in")
def printable(token: str):
    """The filled form laid out like the paper one, for printing (TT32-EF-4)."""
    draft = open_draft(token)
    spec = drafts.spec_of(draft.form_spec)
    options = drafts.options_fn(db.session)
    return render("applications/print.html", draft=draft, token=token, spec=spec,
                  answers=eforms.answers(spec, draft.data, options))


@bp.get("/nhap/<token>/tai-ve.json")
def download(token: str):
    """The values entered, as a file the portal reads back (TT32-EF-4)."""
    draft = open_draft(token)
    response = current_app.response_class(drafts.to_file(draft), mimetype="application/json")
    name = f"ho-so-nhap-{draft.form_spec.procedure.code}-{clock.now():%Y%m%d-%H%M}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/nhap/<token>/ban-in.pdf")
def printable_pdf(token: str):
    """The filled form as a PDF (TT32-EF-4)."""
    draft = open_draft(token)
    response = _document(drafts.spec_of(draft.form_spec), "pdf",
                         f"to-khai-{draft.form_spec.procedure.code}", data=draft.data)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/nhap/<token>/mo-tu-tep")
def restore(token: str):
    """Replace the draft's values by those of a downloaded file; a bad file changes nothing."""
    draft = open_draft(token)
    upload = request.files.get("tep")
    raw = upload.read(MAX_FILE_BYTES + 1) if upload else b""
    try:
        if not raw:
            raise drafts.FileError(_("Hãy chọn tệp hồ sơ nháp (.json) đã tải về trước đó."))
        if len(raw) > MAX_FILE_BYTES:
            raise drafts.FileError(_("Tệp quá lớn để là một hồ sơ nháp (tối đa 1 MB)."))
        values = drafts.from_file(raw, draft.form_spec)
    except drafts.FileError as error:
        flash(str(error), "error")
        return redirect(url_for(".review", token=token), code=303)
    drafts.replace(db.session, draft, values)
    db.session.commit()
    flash(_("Đã mở bản nháp từ tệp."), "success")
    return redirect(url_for(".review", token=token), code=303)


@bp.post("/nhap/<token>/gui-lien-ket")
@config_limit("RATELIMIT_DRAFT_LINK")
def email_link(token: str):
    """E-mail the draft's secret link to the address given."""
    draft = open_draft(token)
    address = normalize_email(request.form.get("email"))
    if address is None:
        flash(_("Nhập địa chỉ thư điện tử đúng dạng, ví dụ ten@example.com."), "error")
    else:
        messaging.queue_email(db.session, address, "draft_link", title=draft.form_spec.title,
                              link=external_url("applications.edit", token=token))
        db.session.commit()
        jobs.kick()
        flash(_("Đã gửi đường dẫn tới %(email)s.", email=address), "success")
    return redirect(url_for(".review", token=token), code=303)


@bp.post("/nhap/<token>/xoa")
def delete(token: str):
    draft = open_draft(token)
    drafts.discard(db.session, draft)
    db.session.commit()
    flash(_("Đã xoá bản nháp."), "info")
    if current_user.is_authenticated:
        return redirect(url_for(".my_drafts"), code=303)
    return redirect(url_for("home.index"), code=303)
