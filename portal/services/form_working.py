"""The editors' working copy of a form (issue 8): what they change before publishing.

It is one :class:`Revision` row of kind ``form_spec_working`` per form, rewritten on each save
(``data``: the spec JSON, ``stamp`` counting saves, ``base`` the version it started from).
Kept there rather than in ``FormSpec`` so that citizens, ``flask forms load``, the page cache
and every reader of ``FormSpec.spec`` only ever see published versions, with no schema
change; and in the database rather than in a session or in memory, so that it survives
logging out, is shared by the editors of the authority and by every server process.
:func:`publish` makes it the next version (see ``portal.services.form_versions``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.models import FormSpec, Procedure, Revision, User, utcnow
from portal.services import audit, eforms, revisions
from portal.services.form_versions import KIND, author_label, bare, keep, snapshot

WORKING_KIND = "form_spec_working"
# Audit actions of the form builder.
FORM_SPEC_CREATED = "form_spec_created"
FORM_SPEC_UPDATED = "form_spec_updated"
FORM_SPEC_PUBLISHED = "form_spec_published"
FORM_SPEC_RESTORED = "form_spec_restored"
FORM_SPEC_DISCARDED = "form_spec_discarded"


class StaleWorkingCopy(Exception):
    """Someone saved the working copy after the page being sent was opened."""


class NothingToPublish(Exception):
    """The working copy says what the version in use says."""


@dataclass(frozen=True)
class WorkingCopy:
    """What editors are changing. ``stamp`` counts saves (0: no working copy yet, the spec
    is the published one); ``base`` is the version it was started from."""

    spec: dict
    stamp: int
    base: int
    author: str = ""
    saved_at: datetime | None = None

    @property
    def exists(self) -> bool:
        return self.stamp > 0


def _working_row(session: Session, form_spec: FormSpec) -> Revision | None:
    return revisions.get(session, WORKING_KIND, form_spec.id, 1)


def working_copy(session: Session, form_spec: FormSpec) -> WorkingCopy:
    """The working copy of a form, or the published spec when there is none."""
    row = _working_row(session, form_spec)
    if row is None:
        return WorkingCopy(form_spec.spec, 0, form_spec.version)
    return WorkingCopy(row.data["spec"], row.data["stamp"], row.data["base"],
                       row.author_label, row.created_at)


def save_working(session: Session, form_spec: FormSpec, raw: dict, author: User,
                 stamp: int | None, *, note: str = "", address: str | None = None
                 ) -> WorkingCopy:
    """Store a checked spec as the working copy; :class:`StaleWorkingCopy` when ``stamp``
    (the save the editor's page was based on) is not the latest (None: overwrite)."""
    eforms.parse_spec(raw)  # a working copy is always usable
    current = working_copy(session, form_spec)
    if stamp is not None and stamp != current.stamp:
        raise StaleWorkingCopy()
    row = _working_row(session, form_spec)
    if row is None:
        row = Revision(kind=WORKING_KIND, object_id=form_spec.id, number=1)
        session.add(row)
    row.data = {"spec": raw, "stamp": current.stamp + 1, "base": current.base}
    row.author_id, row.author_label = author.id, author_label(author)
    row.created_at, row.note = utcnow(), note or None
    audit.record(session, FORM_SPEC_UPDATED, actor=author, address=address,
                 object_type="form_spec", object_id=form_spec.id, change=note)
    session.flush()
    return working_copy(session, form_spec)


def discard_working(session: Session, form_spec: FormSpec, author: User,
                    address: str | None = None) -> None:
    """Forget the working copy (the published version stays as it is)."""
    row = _working_row(session, form_spec)
    if row is not None:
        session.delete(row)
        audit.record(session, FORM_SPEC_DISCARDED, actor=author, address=address,
                     object_type="form_spec", object_id=form_spec.id)
        session.flush()


def publish(session: Session, form_spec: FormSpec, author: User,
            address: str | None = None) -> int:
    """Make the working copy the next version (kept as a revision); returns it."""
    raw = working_copy(session, form_spec).spec
    if bare(raw) == bare(form_spec.spec):
        raise NothingToPublish()
    spec = eforms.parse_spec(raw)
    keep(session, form_spec)
    form_spec.spec, form_spec.title = raw, spec.title
    form_spec.version += 1
    snapshot(session, form_spec, author, _("xuất bản"))
    row = _working_row(session, form_spec)
    if row is not None:
        session.delete(row)
    audit.record(session, FORM_SPEC_PUBLISHED, actor=author, address=address,
                 object_type="form_spec", object_id=form_spec.id, version=form_spec.version)
    session.flush()
    return form_spec.version


def restore(session: Session, form_spec: FormSpec, number: int, author: User,
            address: str | None = None) -> WorkingCopy:
    """Make an earlier version the working copy (published with :func:`publish`).

    :raises LookupError: no such version was kept."""
    keep(session, form_spec)
    revision = revisions.get(session, KIND, form_spec.id, number)
    if revision is None:
        raise LookupError(number)
    copy = save_working(session, form_spec, revision.data, author, None,
                        note=_("khôi phục phiên bản %(n)d", n=number), address=address)
    audit.record(session, FORM_SPEC_RESTORED, actor=author, address=address,
                 object_type="form_spec", object_id=form_spec.id, version=number)
    return copy


def create(session: Session, procedure: Procedure, raw: dict, author: User,
           address: str | None = None) -> FormSpec:
    """A new form for a procedure that has none, as version 1 (kept as a revision)."""
    spec = eforms.parse_spec(raw)
    form_spec = FormSpec(procedure=procedure, title=spec.title, spec=raw, version=1)
    session.add(form_spec)
    session.flush()
    snapshot(session, form_spec, author, _("tạo mới"))
    audit.record(session, FORM_SPEC_CREATED, actor=author, address=address,
                 object_type="form_spec", object_id=form_spec.id, procedure=procedure.code)
    return form_spec
