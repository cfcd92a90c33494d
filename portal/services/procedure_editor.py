"""Editing procedures (issue 8; TT22-PL2-01, ND42-04.1e): save, publish, duplicate, restore.

An editor works on a procedure's *revision data*: its record in the catalogue exchange format
(:func:`catalog_io.procedure_record`) plus what that format does not carry (:data:`EXTRA_KEYS`:
the agency of this deployment, explicit applicant types, the published fee text beside fee
items, the one-stop process plan and the publication state). Every save goes through
catalog_io's reader and writer, so the editor, an import and a restore obey one set of rules.
Each change keeps a revision (:mod:`portal.services.revisions`) and an audit entry. Nothing
here commits.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from portal.db import lock_row
from portal.models import (
    Agency,
    ApplicantType,
    Procedure,
    ProcedureApplicant,
    Revision,
    User,
    utcnow,
)
from portal.services import audit, catalog_io, revisions, search
from portal.services.catalog import Page
from portal.text import clean_block, fold

KIND = "procedure"
EXTRA_KEYS = ("agency_id", "applicant_types", "fees_text", "process_plan", "published")
PLAN_ROLES = ("receiver", "processor", "approver")
COPY_SUFFIX = "-ban-sao"
LIST_SIZE = 50


class EditorError(ValueError):
    """A change that cannot be made; ``field`` names the form field at fault, if one is."""

    def __init__(self, reasons: list[str], field: str | None = None) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons
        self.field = field


# --- Reading --------------------------------------------------------------------------------


def find(session: Session, *, q: str | None = None, field_id: int | None = None,
         published: bool | None = None, page: int = 1) -> Page:
    """Procedures for the editors' list, by name order; ``q`` matches the name or code with
    or without tone marks."""
    query = select(Procedure).options(joinedload(Procedure.field)).order_by(
        Procedure.sort_key, Procedure.code)
    if field_id:
        query = query.where(Procedure.field_id == field_id)
    if published is not None:
        query = query.where(Procedure.published.is_(published))
    items = list(session.scalars(query))
    if q and (needle := fold(q)):
        items = [p for p in items if needle in fold(p.name) or needle in p.code.casefold()]
    pages = max(1, -(-len(items) // LIST_SIZE))
    page = min(max(page, 1), pages)
    return Page(items[(page - 1) * LIST_SIZE:page * LIST_SIZE], len(items), page, LIST_SIZE)


def code_in_use(session: Session, code: str, *, exclude_id: int | None = None) -> bool:
    """Whether another procedure already has this code."""
    query = select(Procedure.id).where(Procedure.code == code)
    if exclude_id is not None:
        query = query.where(Procedure.id != exclude_id)
    return session.scalar(query) is not None


def snapshot(procedure: Procedure) -> dict[str, Any]:
    """The procedure as revision data: its exchange record plus :data:`EXTRA_KEYS`."""
    data = catalog_io.procedure_record(procedure)
    data["agency_id"] = procedure.agency_id
    data["applicant_types"] = sorted(row.applicant_type.value
                                     for row in procedure.applicant_types)
    if procedure.fees:  # otherwise the record's "fees" is this very text
        data["fees_text"] = procedure.fees_text
    data["process_plan"] = procedure.process_plan
    data["published"] = procedure.published
    return data


# --- Changing -------------------------------------------------------------------------------


def save(session: Session, procedure: Procedure | None, data: dict[str, Any], *,
         author: User, address: str | None = None) -> tuple[Procedure, Revision | None]:
    """Create (``procedure`` None) or change a procedure from revision data, keeping a
    revision and an audit entry; no revision (None) when nothing changed.

    :raises EditorError: the data is invalid or the code belongs to another procedure.
    """
    created = procedure is None
    if procedure is not None:
        keep_baseline(session, procedure)
    procedure = apply(session, procedure, data)
    state = snapshot(procedure)
    latest = revisions.history(session, KIND, procedure.id)[:1]
    if latest and latest[0].data == state:
        return procedure, None
    revision = revisions.record(session, KIND, procedure.id, state, author,
                                note=_("Tạo mới") if created else _("Sửa nội dung"))
    audit.record(session, "procedure_created" if created else "procedure_updated",
                 actor=author, object_type=KIND, object_id=procedure.id, address=address,
                 code=procedure.code, revision=revision.number)
    return procedure, revision


def apply(session: Session, procedure: Procedure | None,
          data: dict[str, Any]) -> Procedure:
    """Write revision data onto a procedure (a new one when None) through catalog_io.

    The publication state is not changed here: publishing is an action of its own.

    :raises EditorError: as :func:`save`.
    """
    record = {key: value for key, value in data.items() if key not in EXTRA_KEYS}
    try:
        parsed = catalog_io.read_record(record)
    except catalog_io.RecordError as error:
        raise EditorError(error.reasons) from error
    plan = read_plan(data.get("process_plan"))
    if code_in_use(session, parsed.code, exclude_id=procedure.id if procedure else None):
        raise EditorError([_("Mã thủ tục %(code)s đã có thủ tục khác dùng.", code=parsed.code)],
                          field="code")
    if procedure is not None and procedure.code != parsed.code:
        procedure.code = parsed.code
        session.flush()
    catalog_io.write_procedure(session, parsed, agency=None, publish=False)
    procedure = session.scalar(select(Procedure).where(Procedure.code == parsed.code))
    _apply_extras(session, procedure, data, plan)
    return procedure


def _apply_extras(session: Session, procedure: Procedure, data: dict[str, Any],
                  plan: list[dict] | None) -> None:
    """Set what the exchange format does not carry, then index the result."""
    if "agency_id" in data:
        agency_id = data["agency_id"]
        procedure.agency = session.get(Agency, agency_id) if agency_id else None
    chosen = [t for t in data.get("applicant_types") or [] if t in {a.value for a in ApplicantType}]
    if chosen:  # none chosen: catalog_io's reading of "subjects" stands
        procedure.applicant_types = [ProcedureApplicant(applicant_type=ApplicantType(t))
                                     for t in sorted(set(chosen))]
    if procedure.fees and "fees_text" in data:
        procedure.fees_text = clean_block(data["fees_text"])
    if "process_plan" in data:
        procedure.process_plan = plan
    session.flush()
    search.index_procedure(session, procedure)


def read_plan(raw: Any) -> list[dict] | None:
    """A process plan checked and normalised (``None``: the default plan).

    :raises EditorError: a step without a name, an unknown role or a negative length.
    """
    if not raw:
        return None
    if not isinstance(raw, list) or not all(isinstance(step, dict) for step in raw):
        raise EditorError([_("Quy trình xử lý phải là danh sách các bước.")], field="plan")
    plan = []
    for number, step in enumerate(raw, 1):
        name, role = clean_block(str(step.get("name") or "")), step.get("role")
        try:
            days = Decimal(str(step.get("days") or 0))
        except ArithmeticError:
            days = Decimal(-1)
        if not name or role not in PLAN_ROLES or not days.is_finite() or days < 0:
            raise EditorError([_("Bước %(n)d của quy trình xử lý chưa hợp lệ.", n=number)],
                              field="plan")
        plan.append({"name": name, "role": role,
                     "days": int(days) if days == days.to_integral_value() else float(days)})
    return plan


def keep_baseline(session: Session, procedure: Procedure) -> Revision | None:
    """Before the first change of a procedure that has no history (seeded or imported
    before revisions existed), keep its state as revision 1, so it can be restored."""
    if procedure.id is None or revisions.history(session, KIND, procedure.id):
        return None
    return revisions.record(session, KIND, procedure.id, snapshot(procedure), None,
                            note=_("Trạng thái ban đầu"))


def set_published(session: Session, procedure: Procedure, published: bool, *,
                  author: User, address: str | None = None) -> Revision | None:
    """Publish or withdraw a procedure (None when it already is so).

    :raises EditorError: publishing a copy that still has its provisional code.
    """
    if procedure.published == published:
        return None
    if published and not catalog_io.CODE_PATTERN.fullmatch(procedure.code):
        raise EditorError([_("Đặt mã thủ tục chính thức (ví dụ 1.001193) trước khi xuất bản.")],
                          field="code")
    keep_baseline(session, procedure)
    procedure.published = published
    procedure.published_at = utcnow() if published else None
    session.flush()
    search.index_procedure(session, procedure)
    revision = revisions.record(session, KIND, procedure.id, snapshot(procedure), author,
                                note=_("Xuất bản") if published else _("Ngừng xuất bản"))
    audit.record(session, "procedure_published" if published else "procedure_unpublished",
                 actor=author, object_type=KIND, object_id=procedure.id, address=address,
                 code=procedure.code, revision=revision.number)
    return revision


def copy_code(session: Session, code: str) -> str:
    """A free provisional code for a copy: ``<code>-ban-sao``, then ``-ban-sao-2``…"""
    base = re.sub(rf"{COPY_SUFFIX}(-\d+)?$", "", code) + COPY_SUFFIX
    taken = set(session.scalars(select(Procedure.code).where(Procedure.code.startswith(base))))
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def duplicate(session: Session, procedure: Procedure, *, author: User,
              address: str | None = None) -> Procedure:
    """An unpublished copy named "Bản sao của …" under a provisional code (the editor sets
    the real one before publishing)."""
    lock_row(session, procedure)  # two copies at once take different codes
    data = snapshot(procedure)
    data["name"] = _("Bản sao của %(name)s", name=procedure.name)
    try:  # read under the original's valid code; written under the copy's
        parsed = catalog_io.read_record({k: v for k, v in data.items() if k not in EXTRA_KEYS})
    except catalog_io.RecordError as error:
        raise EditorError(error.reasons) from error
    parsed.code = copy_code(session, procedure.code)
    catalog_io.write_procedure(session, parsed, agency=None, publish=False)
    copy = session.scalar(select(Procedure).where(Procedure.code == parsed.code))
    files = {form.title: form for form in procedure.form_files if form.sha256}
    for form in copy.form_files:  # the stored files are shared, never copied
        if (source := files.get(form.title)) is not None:
            form.sha256, form.filename = source.sha256, source.filename
            form.media_type, form.size = source.media_type, source.size
    _apply_extras(session, copy, data, read_plan(data["process_plan"]))
    revisions.record(session, KIND, copy.id, snapshot(copy), author,
                     note=_("Nhân bản từ %(code)s", code=procedure.code))
    audit.record(session, "procedure_duplicated", actor=author, object_type=KIND,
                 object_id=copy.id, address=address, code=copy.code, source=procedure.code)
    return copy


def restore(session: Session, procedure: Procedure, number: int, *, author: User,
            address: str | None = None) -> Revision:
    """Bring back the content of revision ``number`` as a new revision.

    The code and the publication state stay as they are now (they are changed by their own
    actions); everything else is applied through catalog_io, with the same checks as a save.

    :raises LookupError: no such revision.
    :raises EditorError: the old data no longer passes the checks.
    """
    lock_row(session, procedure)  # a second click restores after the first, not beside it
    old = revisions.get(session, KIND, procedure.id, number)
    if old is None:
        raise LookupError(number)
    apply(session, procedure, {**old.data, "code": procedure.code})
    revision = revisions.record(session, KIND, procedure.id, snapshot(procedure), author,
                                note=_("Khôi phục phiên bản %(n)d", n=number))
    audit.record(session, "procedure_restored", actor=author, object_type=KIND,
                 object_id=procedure.id, address=address, code=procedure.code,
                 restored=number, revision=revision.number)
    return revision


def record_imported(session: Session, codes: list[str], author: User | None) -> None:
    """Keep a revision of each procedure an import created or replaced."""
    for procedure in session.scalars(select(Procedure).where(Procedure.code.in_(codes))):
        revisions.record(session, KIND, procedure.id, snapshot(procedure), author,
                         note=_("Nhập từ tệp danh mục"))


def keep_baselines(session: Session, codes: list[str]) -> None:
    """:func:`keep_baseline` for the existing procedures an import is about to replace."""
    for procedure in session.scalars(select(Procedure).where(Procedure.code.in_(codes))):
        keep_baseline(session, procedure)
