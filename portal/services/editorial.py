"""Editors' work on guides, FAQ entries and notices (TT32-11.1a/b, TT32-11.x-MAINT).

Each object's editable state is a plain dict (``snapshot``): what a form produces, what a
revision keeps and what a restore puts back. Every change re-renders the Markdown through
:func:`~portal.services.content.render_markdown` (pages show only that sanitised HTML), keeps a
revision, writes an audit entry (``guide_created``, ``faq_published``, ``notice_archived``…)
and updates the search index. Functions never commit.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Union

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import (
    ContentStatus, Faq, Field, FormSpec, Guide, Notice, NoticeKind, Procedure, User, utcnow)
from portal.display import receipt_time
from portal.services import audit, maintenance, revisions, search
from portal.services.content import render_markdown
from portal.text import clean, fold, nfc, slugify

Content = Union[Guide, Faq, Notice]
KINDS: dict[type, str] = {Guide: "guide", Faq: "faq", Notice: "notice"}
#: The editable keys of each kind's snapshot (besides ``status``).
KEYS: dict[type, tuple[str, ...]] = {
    Guide: ("title", "slug", "summary", "body", "field", "procedures", "publish_at"),
    Faq: ("question", "slug", "answer", "field", "procedures", "sort_order", "publish_at"),
    Notice: ("title", "body", "kind", "starts_at", "ends_at", "publish_at"),
}
#: Markdown source → stored sanitised HTML.
MARKDOWN: dict[type, tuple[str, str]] = {
    Guide: ("body", "body_html"), Faq: ("answer", "answer_html"), Notice: ("body", "body_html")}
TIMES = ("publish_at", "starts_at", "ends_at")
S = ContentStatus


class EditorialError(ValueError):
    """A change that cannot be made, with the reason and the form field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


# --- Snapshots --------------------------------------------------------------------------------


def snapshot(item: Content) -> dict[str, Any]:
    """The object's editable state as JSON-ready data (procedures by code, field by slug)."""
    data: dict[str, Any] = {}
    for key in KEYS[type(item)]:
        value = getattr(item, key)
        if key == "procedures":
            value = sorted(p.code for p in value)
        elif key == "field":
            value = value.slug if value else None
        elif key in TIMES:
            value = value.isoformat() if value else None
        elif key == "kind":
            value = value.value
        data[key] = value
    data["status"] = item.status.value
    return data


def _apply(session: Session, item: Content, data: dict[str, Any]) -> None:
    """Set the keys of ``data`` on ``item`` (NFC text) and re-render its Markdown."""
    for key in KEYS[type(item)]:
        if key not in data:
            continue
        value = data[key]
        if key == "procedures":
            value = list(session.scalars(select(Procedure).where(
                Procedure.code.in_(value or [])).order_by(Procedure.code)))
        elif key == "field":
            value = session.scalar(select(Field).where(Field.slug == value)) if value else None
        elif key in TIMES:
            value = datetime.fromisoformat(value) if isinstance(value, str) else value
        elif key == "kind":
            value = NoticeKind(value)
        elif isinstance(value, str):
            value = nfc(value) if key in MARKDOWN[type(item)] else clean(value)
        setattr(item, key, value)
    source, target = MARKDOWN[type(item)]
    setattr(item, target, render_markdown(getattr(item, source)))


# --- Rules ------------------------------------------------------------------------------------


def slug_in_use(session: Session, model: type, slug: str, exclude_id: int | None = None) -> bool:
    """True when another guide (or FAQ entry) already has this address."""
    query = select(model.id).where(model.slug == slug)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return session.scalar(query.limit(1)) is not None


def free_slug(session: Session, model: type, text: str, exclude_id: int | None = None) -> str:
    """A slug made from ``text`` that no other object of ``model`` uses (``-2``, ``-3``…)."""
    base = slugify(text, max_length=100)
    slug, number = base, 2
    while slug_in_use(session, model, slug, exclude_id):
        slug, number = f"{base}-{number}", number + 1
    return slug


def _check(session: Session, item: Content, data: dict[str, Any], now: datetime) -> None:
    """Refuse data that breaks a rule (raise :class:`EditorialError`)."""
    if "slug" in data and slug_in_use(session, type(item), data["slug"], item.id):
        raise EditorialError(_("Địa chỉ này đã được dùng; chọn địa chỉ khác."), "slug")
    publish_at = data.get("publish_at")
    if publish_at is not None and item.status not in (None, S.DRAFT):
        raise EditorialError(_("Chỉ hẹn giờ xuất bản được cho bản nháp."), "publish_date")
    if publish_at is not None and publish_at != item.publish_at and publish_at <= now:
        raise EditorialError(_("Chọn một thời điểm sau lúc này; muốn đăng ngay thì bấm "
                               "“Lưu và xuất bản”."), "publish_date")
    if isinstance(item, Notice):
        _check_notice(item, data, now)


def _check_notice(notice: Notice, data: dict[str, Any], now: datetime) -> None:
    kind = NoticeKind(data.get("kind") or notice.kind or NoticeKind.ANNOUNCEMENT)
    if kind is not NoticeKind.MAINTENANCE:
        return
    starts, ends = data.get("starts_at", notice.starts_at), data.get("ends_at", notice.ends_at)
    if starts is None or ends is None:
        raise EditorialError(_("Nhập thời điểm tạm ngừng và thời điểm dự kiến hoạt động trở "
                               "lại."), "starts_date" if starts is None else "ends_date")
    if ends <= starts:
        raise EditorialError(_("Thời điểm hoạt động trở lại phải sau thời điểm tạm ngừng."),
                             "ends_date")
    scheduled = data.get("publish_at", notice.publish_at)
    if scheduled is not None:
        check_lead_time(scheduled, starts)
    elif notice.status is S.PUBLISHED and notice.starts_at and starts < notice.starts_at:
        check_lead_time(now, starts)  # moving a window earlier announces it anew


def check_lead_time(published: datetime, starts_at: datetime) -> None:
    """Refuse a maintenance window that starts too soon after its announcement."""
    if maintenance.allowed(published, starts_at):
        return
    raise EditorialError(_(
        "Thông báo tạm ngừng phải đăng trước ít nhất %(n)d ngày làm việc. Nếu đăng vào lúc "
        "%(published)s thì thời điểm tạm ngừng sớm nhất là %(earliest)s.",
        n=maintenance.lead_days(), published=receipt_time(published),
        earliest=receipt_time(maintenance.earliest_start(published))), "starts_date")


# --- Changes ----------------------------------------------------------------------------------


def save(session: Session, item: Content, data: dict[str, Any], actor: User | None,
         address: str | None = None, now: datetime | None = None) -> Content:
    """Create or update an object from form data (a snapshot's keys, without ``status``).

    :raises EditorialError: a rule is broken; nothing has been changed.
    """
    now = now or utcnow()
    if item.status is None:  # a new object (column defaults come only at flush)
        item.status = S.DRAFT
    _check(session, item, data, now)
    created = item.id is None
    _apply(session, item, data)
    session.add(item)
    session.flush()
    _record(session, item, actor, address, "created" if created else "updated",
            _("tạo mới") if created else _("sửa"))
    return item


def publish(session: Session, item: Content, actor: User | None, address: str | None = None,
            now: datetime | None = None, *, scheduled: bool = False) -> Content:
    """Publish now (or, ``scheduled``, at the time an editor chose: see publishing.py).

    :raises EditorialError: a maintenance window would start too soon.
    """
    now = now or utcnow()
    if isinstance(item, Notice) and item.kind is NoticeKind.MAINTENANCE and not scheduled:
        _check_notice(item, {}, now)
        check_lead_time(now, item.starts_at)
    item.published_at = item.publish_at if scheduled and item.publish_at else now
    item.status, item.publish_at = S.PUBLISHED, None
    _record(session, item, actor, address, "published",
            _("xuất bản theo lịch") if scheduled else _("xuất bản"))
    return item


def archive(session: Session, item: Content, actor: User | None,
            address: str | None = None) -> Content:
    """Take an object off the public pages (kept, and restorable as a draft)."""
    item.status, item.publish_at = S.ARCHIVED, None
    _record(session, item, actor, address, "archived", _("lưu trữ"))
    return item


def unarchive(session: Session, item: Content, actor: User | None,
              address: str | None = None) -> Content:
    """Bring an archived object back as a draft."""
    if item.status is not S.ARCHIVED:
        raise EditorialError(_("Chỉ khôi phục được bài đã lưu trữ."))
    item.status = S.DRAFT
    _record(session, item, actor, address, "restored", _("khôi phục thành bản nháp"))
    return item


def restore(session: Session, item: Content, number: int, actor: User | None,
            address: str | None = None) -> Content:
    """Put back the text of revision ``number`` (the status stays; the HTML is re-rendered).

    :raises LookupError: there is no such revision.
    :raises EditorialError: its data breaks a rule now (e.g. its address was taken since).
    """
    revision = revisions.get(session, KINDS[type(item)], item.id, number)
    if revision is None:
        raise LookupError(number)
    # The text comes back; the status and the schedule stay as they are now.
    data = {key: value for key, value in revision.data.items()
            if key in KEYS[type(item)] and key != "publish_at"}
    for key in TIMES:
        if isinstance(data.get(key), str):
            data[key] = datetime.fromisoformat(data[key])
    _check(session, item, data, utcnow())
    _apply(session, item, data)
    _record(session, item, actor, address, "restored",
            _("khôi phục phiên bản %(n)d", n=number), revision=number)
    return item


def _record(session: Session, item: Content, actor: User | None, address: str | None,
            verb: str, note: str, **details: Any) -> None:
    """Revision, audit entry and search index after a change."""
    session.flush()
    kind = KINDS[type(item)]
    revisions.record(session, kind, item.id, snapshot(item), actor, note)
    audit.record(session, f"{kind}_{verb}", actor=actor,
                 actor_label=None if actor else _("Hệ thống"), object_type=kind,
                 object_id=item.id, address=address, **details)
    if isinstance(item, Guide):
        search.index_guide(session, item)
    elif isinstance(item, Faq):
        search.index_faq(session, item)


# --- Reading ----------------------------------------------------------------------------------


def title_of(item: Content) -> str:
    """What an editor calls the object: a title, or an FAQ entry's question."""
    return item.question if isinstance(item, Faq) else item.title


def listing(session: Session, model: type, status: ContentStatus | None = None,
            q: str = "") -> list[Content]:
    """Every object of a kind for the editors' list (newest change first), filtered by status
    and by words of the title (accents and case ignored)."""
    query = select(model).order_by(model.updated_at.desc(), model.id.desc())
    if status is not None:
        query = query.where(model.status == status)
    items = list(session.scalars(query))
    words = fold(q).split()
    return [item for item in items if all(w in fold(title_of(item)) for w in words)]


def procedure_links(session: Session, q: str = "",
                    limit: int = 30) -> list[tuple[Procedure, bool]]:
    """Published procedures whose name or code matches ``q``, each with whether it has an
    e-form (for the editors' link helper)."""
    procedures = session.scalars(select(Procedure).where(Procedure.published.is_(True))
                                 .order_by(Procedure.sort_key))
    words = fold(q).split()
    found = [p for p in procedures if all(w in fold(f"{p.name} {p.code}") for w in words)]
    with_forms = set(session.scalars(select(FormSpec.procedure_id).distinct()))
    return [(p, p.id in with_forms) for p in found[:limit]]
