"""The papers of a dossier (TT21-05.1-06) and their reuse (once-only, TT22-PL5-e).

Files are checked and stored by :mod:`portal.services.uploads`; this module decides where
they belong. While a dossier is being prepared its files hang on the draft; on submission
they move to the dossier's new version and stay there for good. A paper from an earlier
dossier that the office accepted is offered again for the same component of a new one, and
reusing it adds a row pointing at the same stored content (nothing is copied).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from portal import clock
from portal.models import (
    Attachment,
    Dossier,
    DossierComponent,
    DossierStatus,
    DossierVersion,
    Draft,
    User,
)
from portal.services import uploads
from portal.text import fold

#: Most files a single component may hold (a 30-page document scanned page by page).
MAX_FILES_PER_COMPONENT = 30
#: Dossiers whose papers the office has checked: their documents may be reused.
VERIFIED_STATUSES = (DossierStatus.RECEIVED, DossierStatus.PROCESSING, DossierStatus.FEE,
                     DossierStatus.RESOLVED, DossierStatus.RETURNED)


def of_draft(session: Session, draft: Draft) -> list[Attachment]:
    """The files attached to a draft, oldest first."""
    return list(session.scalars(select(Attachment).where(Attachment.draft_id == draft.id)
                                .order_by(Attachment.id)))


def by_component(attachments: list[Attachment]) -> dict[int | None, list[Attachment]]:
    """Files grouped by the component they are for (None: not tied to one)."""
    grouped: dict[int | None, list[Attachment]] = defaultdict(list)
    for attachment in attachments:
        grouped[attachment.component_id].append(attachment)
    return grouped


def room_for(session: Session, draft: Draft, component: DossierComponent) -> None:
    """:class:`uploads.UploadError` when the component already has its most files."""
    full = session.scalar(select(Attachment.id).where(
        Attachment.draft_id == draft.id, Attachment.component_id == component.id)
        .order_by(Attachment.id.desc()).offset(MAX_FILES_PER_COMPONENT - 1).limit(1))
    if full is not None:
        from flask_babel import gettext as _

        raise uploads.UploadError(_("Mỗi thành phần hồ sơ có tối đa %(n)d tệp. Hãy gộp các "
                                    "trang vào một tệp PDF.", n=MAX_FILES_PER_COMPONENT))


def attach(session: Session, draft: Draft, component: DossierComponent,
           stored: uploads.StoredFile, user: User | None) -> Attachment:
    """Attach a file already checked and stored (:func:`uploads.accept`, run before the
    transaction that writes, so the write lock never waits for a scan); the same file
    chosen twice is attached once. :class:`uploads.UploadError` when there is no room."""
    same = session.scalar(select(Attachment).where(
        Attachment.draft_id == draft.id, Attachment.component_id == component.id,
        Attachment.sha256 == stored.sha256))
    if same is not None:
        return same
    room_for(session, draft, component)
    attachment = Attachment(
        sha256=stored.sha256, filename=stored.filename, media_type=stored.media_type,
        size=stored.size, component_id=component.id, component_name=component.name,
        draft_id=draft.id, uploaded_by_id=user.id if user else None)
    session.add(attachment)
    session.flush()
    return attachment


def remove(session: Session, draft: Draft, attachment_id: int) -> bool:
    """Take a file off a draft (the stored content stays, other rows may use it)."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.draft_id != draft.id:
        return False
    session.delete(attachment)
    session.flush()
    return True


def reusable(session: Session, user: User, today: date) -> list[Attachment]:
    """Papers of ``user``'s earlier dossiers that the office accepted and that are still
    valid, newest first, one per stored content and component name."""
    latest = (select(DossierVersion.id)
              .join(Dossier, Dossier.id == DossierVersion.dossier_id)
              .where(Dossier.user_id == user.id, Dossier.status.in_(VERIFIED_STATUSES),
                     DossierVersion.number == Dossier.version))
    rows = session.scalars(select(Attachment).where(
        Attachment.version_id.in_(latest),
        or_(Attachment.valid_until.is_(None), Attachment.valid_until >= today))
        .order_by(Attachment.id.desc()))
    seen: set[tuple[str, str]] = set()
    offers = []
    for attachment in rows:
        key = (attachment.sha256, fold(attachment.component_name or ""))
        if key not in seen:
            seen.add(key)
            offers.append(attachment)
    return offers


def offers_for(component: DossierComponent, candidates: list[Attachment],
               attached: list[Attachment]) -> list[Attachment]:
    """The reusable papers that fit ``component`` (same component, or one of the same name)
    and are not attached to it already."""
    name = fold(component.name)
    taken = {a.sha256 for a in attached}
    return [a for a in candidates
            if (a.component_id == component.id or fold(a.component_name or "") == name)
            and a.sha256 not in taken]


def reuse(session: Session, draft: Draft, component: DossierComponent,
          source_id: int, user: User) -> Attachment | None:
    """Attach an earlier accepted paper to the draft; None if it is not one of ``user``'s
    reusable papers (or its content is no longer stored)."""
    from portal.services.files import store

    source = next((a for a in reusable(session, user, clock.today()) if a.id == source_id),
                  None)
    if source is None or not store().exists(source.sha256):
        return None
    attachment = Attachment(
        sha256=source.sha256, filename=source.filename, media_type=source.media_type,
        size=source.size, component_id=component.id, component_name=component.name,
        draft_id=draft.id, uploaded_by_id=user.id, reused_from_id=source.id,
        valid_until=source.valid_until)
    session.add(attachment)
    session.flush()
    return attachment


def result_offers(session: Session, user: User, component: DossierComponent) -> list:
    """E-results ``user`` received that are the paper ``component`` asks for (its name
    contains the result's name, e.g. "Giấy chứng nhận kết hôn của cha, mẹ")."""
    from portal.models import DossierResult

    name = fold(component.name)
    rows = session.scalars(select(DossierResult).join(Dossier).where(
        Dossier.user_id == user.id,
        Dossier.status.in_((DossierStatus.RESOLVED, DossierStatus.RETURNED)))
        .order_by(DossierResult.id.desc()))
    return [r for r in rows if fold(r.title) and fold(r.title) in name]


def reuse_result(session: Session, draft: Draft, component: DossierComponent, result_id: int,
                 user: User) -> Attachment | None:
    """Attach one of ``user``'s e-results as the paper ``component`` asks for."""
    result = next((r for r in result_offers(session, user, component) if r.id == result_id),
                  None)
    if result is None:
        return None
    attachment = Attachment(
        sha256=result.sha256, filename=result.filename, media_type=result.media_type,
        size=result.size, component_id=component.id, component_name=component.name,
        draft_id=draft.id, uploaded_by_id=user.id)
    session.add(attachment)
    session.flush()
    return attachment


def copy_to_draft(session: Session, version: DossierVersion, draft: Draft) -> None:
    """Start a supplement draft with the files of the version it amends."""
    for source in version.attachments:
        session.add(Attachment(
            sha256=source.sha256, filename=source.filename, media_type=source.media_type,
            size=source.size, component_id=source.component_id,
            component_name=source.component_name, draft_id=draft.id,
            uploaded_by_id=source.uploaded_by_id, reused_from_id=source.id,
            valid_until=source.valid_until, created_at=source.created_at))
    session.flush()


def move_to_version(session: Session, draft: Draft, version: DossierVersion) -> None:
    """Hand a draft's files over to the dossier version made from it (in one statement)."""
    session.execute(update(Attachment).where(Attachment.draft_id == draft.id)
                    .values(draft_id=None, version_id=version.id)
                    .execution_options(synchronize_session="fetch"))
    session.expire(version, ["attachments"])
