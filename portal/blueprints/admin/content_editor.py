"""Editors' pages for guides, FAQ entries and notices (/quan-tri/huong-dan, /quan-tri/hoi-dap,
/quan-tri/thong-bao): list, write Markdown with a live preview, publish now or at a set time,
archive and restore, revision history with diff and restore (TT32-11.1a/b, TT32-11.x-MAINT).

The three kinds behave alike, so one set of view functions serves them: each :class:`Kind`
registers them under its own endpoints (the exception to "view name = endpoint"), e.g.
``admin.guides``, ``admin.new_guide``, ``admin.edit_guide``, ``admin.preview_guide``,
``admin.publish_guide``, ``admin.archive_guide``, ``admin.unarchive_guide``,
``admin.guide_history``, ``admin.guide_revision``, ``admin.restore_guide``; the same with
``faq``/``faqs`` and ``notice``/``notices``. ``admin.procedure_links`` serves the link helper.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from flask import Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from portal.auth import client_address
from portal.blueprints.admin.access import editor_required
from portal.blueprints.admin.content_forms import (
    KIND_LABELS, STATUS_LABELS, EditorForm, FaqForm, GuideForm, ListForm, NoticeForm)
from portal.blueprints.admin.views import bp
from portal.display import receipt_time
from portal.edge import arg_int
from portal.extensions import db
from portal.htmx import render
from portal.models import ContentStatus, Faq, Field, Guide, Notice, Procedure
from portal.services import editorial, maintenance, revisions, workdays
from portal.services.content import render_markdown
from portal.services.editorial import Content

KEY_LABELS = {
    "title": _l("Tiêu đề"), "question": _l("Câu hỏi"), "slug": _l("Địa chỉ trang"),
    "summary": _l("Tóm tắt"), "body": _l("Nội dung"), "answer": _l("Câu trả lời"),
    "field": _l("Lĩnh vực"), "procedures": _l("Thủ tục liên quan"),
    "sort_order": _l("Thứ tự hiển thị"), "kind": _l("Loại thông báo"),
    "starts_at": _l("Tạm ngừng từ"), "ends_at": _l("Dự kiến hoạt động trở lại"),
    "publish_at": _l("Hẹn giờ xuất bản"), "status": _l("Trạng thái"),
}


@dataclass(frozen=True)
class Kind:
    """One kind of editable text and the words its pages use."""

    model: type
    form: type[EditorForm]
    name: str
    plural: str
    path: str
    heading: str
    new_label: str
    public: str | None = None

    def endpoint(self, verb: str) -> str:
        """This kind's endpoint (without ``admin.``) for a verb of :data:`ROUTES`."""
        names = {"index": self.plural, "history": f"{self.name}_history",
                 "revision": f"{self.name}_revision"}
        return names.get(verb, f"{verb}_{self.name}")

    def url(self, verb: str, **values) -> str:
        """URL of one of this kind's pages."""
        return url_for(f"admin.{self.endpoint(verb)}", **values)


KINDS = (
    Kind(Guide, GuideForm, "guide", "guides", "huong-dan", _l("Hướng dẫn"),
         _l("Viết hướng dẫn mới"), "guides.detail"),
    Kind(Faq, FaqForm, "faq", "faqs", "hoi-dap", _l("Câu hỏi thường gặp"),
         _l("Thêm câu hỏi"), "faq.detail"),
    Kind(Notice, NoticeForm, "notice", "notices", "thong-bao", _l("Thông báo và bảo trì"),
         _l("Viết thông báo")),
)


def _get(kind: Kind, item_id: int) -> Content:
    """The object, or 404."""
    return db.session.get(kind.model, item_id) or abort(404)


def _render(template: str, kind: Kind, **context) -> Response:
    return render(f"admin/content/{template}.html", kind=kind, status_labels=STATUS_LABELS,
                  kind_labels=KIND_LABELS, **context)


# --- List and editor --------------------------------------------------------------------------


def index(kind: Kind) -> Response:
    """Every object of the kind, newest change first; filters by status and title words."""
    form = ListForm(formdata=request.args)
    form.validate()
    items = editorial.listing(db.session, kind.model, form.chosen_status(), form.q.data or "")
    return _render("index", kind, fragment="results", form=form, items=items)


def new(kind: Kind) -> Response:
    """Write a new object (saved as a draft, or published at once)."""
    return _editor(kind, None)


def edit(kind: Kind, item_id: int) -> Response:
    """Change an object; a published one changes on the portal when saved."""
    return _editor(kind, _get(kind, item_id))


def _editor(kind: Kind, item: Content | None) -> Response:
    form = _form(kind, item)
    if form.validate_on_submit():
        saved = _save(kind, form, item)
        if saved is not None:
            return redirect(kind.url("edit", item_id=saved.id), code=303)
    return _page(kind, form, item, status=422 if form.errors else 200)


def preview(kind: Kind, item_id: int | None = None) -> Response:
    """The text as it will look, saving nothing: the preview block for htmx, else the whole
    editor with what was typed kept (the "Xem trước" button without JavaScript)."""
    item = _get(kind, item_id) if item_id else None
    return _page(kind, _form(kind, item), item, fragment="preview")


def _form(kind: Kind, item: Content | None) -> EditorForm:
    initial = None if item is None or request.method == "POST" else _initial(item)
    form = kind.form(data=initial)
    fields = db.session.scalars(select(Field).order_by(Field.sort_order, Field.name))
    procedures = db.session.scalars(select(Procedure).where(Procedure.published.is_(True))
                                    .order_by(Procedure.sort_key))
    form.set_choices(list(fields), list(procedures))
    return form


def _initial(item: Content) -> dict:
    """Form data of a saved object: its snapshot with times split into date and time."""
    data = editorial.snapshot(item)
    zone = workdays.calendar().zone
    for name in ("publish", "starts", "ends"):
        moment = getattr(item, f"{name}_at", None)
        if moment is not None:
            local = moment.astimezone(zone)
            data[f"{name}_date"], data[f"{name}_time"] = local.date(), local.strftime("%H:%M")
    return data


def _save(kind: Kind, form: EditorForm, item: Content | None) -> Content | None:
    """Save (and publish, for "Lưu và xuất bản"); on a broken rule, put the reason beside
    its field and return None."""
    data = form.values()
    if "slug" in data and not data["slug"]:
        data["slug"] = editorial.free_slug(db.session, kind.model, data.get("title")
                                           or data.get("question") or "",
                                           item.id if item else None)
    target = item or kind.model()
    try:
        editorial.save(db.session, target, data, current_user, client_address())
        if request.form.get("action") == "publish":
            editorial.publish(db.session, target, current_user, client_address())
    except editorial.EditorialError as error:
        db.session.rollback()
        _show_error(form, error)
        return None
    db.session.commit()
    flash(_saved_message(target), "success")
    return target


def _show_error(form: EditorForm, error: editorial.EditorialError) -> None:
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, error.message]
    else:
        form.form_errors.append(error.message)


def _saved_message(item: Content) -> str:
    if item.status is ContentStatus.PUBLISHED:
        return _("Đã lưu và xuất bản.")
    if item.publish_at is not None:
        return _("Đã lưu bản nháp; sẽ tự động xuất bản lúc %(time)s.",
                 time=receipt_time(item.publish_at))
    return _("Đã lưu.")


def _page(kind: Kind, form: EditorForm, item: Content | None, *, status: int = 200,
          fragment: str | None = None) -> Response:
    preview_url = (kind.url("preview", item_id=item.id) if item else kind.url("preview"))
    return _render("edit", kind, fragment=fragment, status=status, form=form, item=item,
                   preview=render_markdown(form[form.markdown].data),
                   preview_url=preview_url, lead_days=maintenance.lead_days(),
                   links=editorial.procedure_links(db.session))


# --- Status changes ---------------------------------------------------------------------------


def publish(kind: Kind, item_id: int) -> Response:
    """Publish now (a maintenance notice only with enough working days' notice)."""
    return _act(kind, item_id, editorial.publish, _("Đã xuất bản."))


def archive(kind: Kind, item_id: int) -> Response:
    """Take off the portal (kept; can be restored as a draft)."""
    return _act(kind, item_id, editorial.archive, _("Đã lưu trữ; nội dung không còn hiển thị."))


def unarchive(kind: Kind, item_id: int) -> Response:
    """Bring an archived object back as a draft."""
    return _act(kind, item_id, editorial.unarchive, _("Đã khôi phục thành bản nháp."))


def _act(kind: Kind, item_id: int, action: Callable, done: str) -> Response:
    item = _get(kind, item_id)
    try:
        action(db.session, item, current_user, client_address())
    except editorial.EditorialError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(kind.url("edit", item_id=item_id), code=303)


# --- History ----------------------------------------------------------------------------------


def history(kind: Kind, item_id: int) -> Response:
    """Every saved state of an object, newest first."""
    item = _get(kind, item_id)
    return _render("history", kind, item=item,
                   revisions=revisions.history(db.session, kind.name, item.id))


def revision(kind: Kind, item_id: int, number: int) -> Response:
    """One saved state, and what changed from the one before (or from ``?so-voi=<n>``)."""
    item = _get(kind, item_id)
    shown = revisions.get(db.session, kind.name, item.id, number) or abort(404)
    base_number = arg_int("so-voi", number - 1)
    base = revisions.get(db.session, kind.name, item.id, base_number)
    changes = revisions.diff(base.data if base else {}, shown.data)
    return _render("revision", kind, item=item, revision=shown, base=base, changes=changes,
                   key_labels=KEY_LABELS)


def restore(kind: Kind, item_id: int, number: int) -> Response:
    """Put back the text of an earlier revision (a new revision records the restore)."""
    item = _get(kind, item_id)
    try:
        editorial.restore(db.session, item, number, current_user, client_address())
    except LookupError:
        abort(404)
    except editorial.EditorialError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Đã khôi phục phiên bản %(n)d.", n=number), "success")
    return redirect(kind.url("edit", item_id=item_id), code=303)


# --- Routes -----------------------------------------------------------------------------------

#: (verb, view, rules, methods) registered for each kind under ``/quan-tri/<kind.path>``.
ROUTES = (
    ("index", index, ("/",), ("GET",)),
    ("new", new, ("/moi",), ("GET", "POST")),
    ("edit", edit, ("/<int:item_id>",), ("GET", "POST")),
    ("preview", preview, ("/moi/xem-truoc", "/<int:item_id>/xem-truoc"), ("POST",)),
    ("publish", publish, ("/<int:item_id>/xuat-ban",), ("POST",)),
    ("archive", archive, ("/<int:item_id>/luu-tru",), ("POST",)),
    ("unarchive", unarchive, ("/<int:item_id>/khoi-phuc",), ("POST",)),
    ("history", history, ("/<int:item_id>/lich-su",), ("GET",)),
    ("revision", revision, ("/<int:item_id>/lich-su/<int:number>",), ("GET",)),
    ("restore", restore, ("/<int:item_id>/lich-su/<int:number>/khoi-phuc",), ("POST",)),
)


def _register() -> None:
    for kind in KINDS:
        for verb, view, rules, methods in ROUTES:
            handler = editor_required(partial(view, kind))
            for rule in rules:
                bp.add_url_rule(f"/{kind.path}{rule}", endpoint=kind.endpoint(verb),
                                view_func=handler, methods=list(methods))


_register()


@bp.get("/lien-ket-thu-tuc")
@editor_required
def procedure_links() -> Response:
    """The link helper: published procedures matching ``q``, with the Markdown to paste."""
    q = request.args.get("q", "").strip()[:200]
    return render("admin/content/links.html", fragment="links", q=q,
                  links=editorial.procedure_links(db.session, q))
