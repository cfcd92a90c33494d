"""Catalogue exchange: import and export procedures in the JSON format of DESIGN.md.

A record is first read into plain data (:func:`read_record`), which either succeeds whole or
raises :class:`RecordError` with every problem found; only then is it written, inside its own
SAVEPOINT. So a record is imported entirely or not at all, and one bad record never stops the
others (unless ``strict``).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from portal.models import (
    Agency,
    Channel,
    DossierComponent,
    FeeItem,
    FeeKind,
    FormFile,
    LegalBasis,
    OnlineLevel,
    Procedure,
    ProcedureApplicant,
    ProcedureChannel,
    ProcedureStep,
    utcnow,
)
from portal.services import parsing, search
from portal.services.fields import get_or_create_field
from portal.text import clean, clean_block, fold

CODE_PATTERN = re.compile(r"^\d\.\d{6}(\.[0-9A-Z.]+)?$")
CHANNEL_NAMES = {
    Channel.IN_PERSON: "Trực tiếp",
    Channel.ONLINE: "Trực tuyến",
    Channel.POSTAL: "Dịch vụ bưu chính",
}
KIND_NAMES = {FeeKind.FEE: "Phí", FeeKind.CHARGE: "Lệ phí"}
LEVEL_NAMES = {OnlineLevel.FULL: "Toàn trình", OnlineLevel.PARTIAL: "Một phần"}


class RecordError(ValueError):
    """A record that cannot be imported, with every reason found."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass
class ProcedureData:
    """A procedure record, validated and normalised, ready to be written."""

    code: str
    name: str
    field_name: str
    scalars: dict[str, Any]
    steps: list[str]
    components: list[dict[str, Any]]
    fees: list[parsing.Fee]
    legal_bases: list[dict[str, Any]]
    channels: dict[Channel, dict[str, str | None]]
    forms: list[str]
    applicant_types: set


@dataclass
class ImportReport:
    """What an import did: codes created and updated, and (index, code, reasons) failures."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    failed: list[tuple[int, str | None, list[str]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def import_procedures(
    session: Session,
    records: Sequence[Any],
    *,
    agency: Agency | None = None,
    publish: bool = False,
    strict: bool = False,
) -> ImportReport:
    """Import procedure records, creating or replacing each by its national code.

    :param agency: the agency of this deployment that resolves the imported procedures.
    :param publish: publish the procedures (otherwise new ones stay unpublished and updated
        ones keep their state).
    :param strict: import nothing unless every record is valid.
    """
    report = ImportReport()
    readable: list[tuple[int, ProcedureData]] = []
    seen: set[str] = set()
    for index, record in enumerate(records, start=1):
        try:
            data = read_record(record)
            if data.code in seen:
                raise RecordError([_("Mã thủ tục %(code)s lặp lại trong tệp.", code=data.code)])
            seen.add(data.code)
            readable.append((index, data))
        except RecordError as error:
            code = record.get("code") if isinstance(record, dict) else None
            report.failed.append((index, code, error.reasons))
    if strict and report.failed:
        return report
    for index, data in readable:
        try:
            with session.begin_nested():
                created = write_procedure(session, data, agency=agency, publish=publish)
        except SQLAlchemyError as error:  # a database constraint we did not foresee
            report.failed.append((index, data.code, [str(getattr(error, "orig", error))]))
            continue
        (report.created if created else report.updated).append(data.code)
    return report


def read_record(record: Any) -> ProcedureData:
    """Validate and normalise one record; raise :class:`RecordError` with all problems."""
    if not isinstance(record, dict):
        raise RecordError([_("Bản ghi không phải là một đối tượng JSON.")])
    problems: list[str] = []
    reader = _Reader(record, problems)
    code = reader.text("code", required=True)
    if code and not CODE_PATTERN.fullmatch(code):
        problems.append(_("Mã thủ tục \"%(code)s\" không đúng định dạng (ví dụ 1.001193).",
                          code=code))
    name = reader.text("name", required=True)
    field_name = reader.text("field", required=True)
    scalars = _read_scalars(reader)
    steps = reader.text_list("steps")
    components = _read_components(reader)
    fees, scalars["fee_free"], scalars["fees_text"] = _read_fees(reader)
    legal_bases = _read_legal_bases(reader)
    channels = _read_channels(reader)
    forms = reader.text_list("forms")
    if problems:
        raise RecordError(problems)
    return ProcedureData(
        code=code, name=name, field_name=field_name, scalars=scalars, steps=steps,
        components=components, fees=fees, legal_bases=legal_bases, channels=channels,
        forms=forms, applicant_types=parsing.parse_applicant_types(scalars["subjects_text"]),
    )


def write_procedure(
    session: Session, data: ProcedureData, *, agency: Agency | None, publish: bool
) -> bool:
    """Create or replace the procedure ``data.code``; return True if it was created."""
    field = get_or_create_field(session, data.field_name)
    procedure = session.scalar(select(Procedure).where(Procedure.code == data.code))
    created = procedure is None
    if created:
        procedure = Procedure(code=data.code, published=False)
        session.add(procedure)
    with session.no_autoflush:
        procedure.name = data.name
        procedure.field = field
        for key, value in data.scalars.items():
            setattr(procedure, key, value)
        if agency is not None:
            procedure.agency = agency
        if publish and not procedure.published:
            procedure.published = True
            procedure.published_at = utcnow()
        # Files already attached to a form survive a re-import of the same form title.
        kept_files = {form.title: _file_of(form) for form in procedure.form_files if form.sha256}
        # Replace the child rows; flush the removals first so positions can be reused.
        for collection in ("steps", "components", "fees", "legal_bases", "channels",
                           "form_files", "applicant_types"):
            getattr(procedure, collection).clear()
    session.flush()
    _fill_children(procedure, data, kept_files)
    session.flush()
    search.index_procedure(session, procedure)
    return created


def _fill_children(procedure: Procedure, data: ProcedureData,
                   kept_files: dict[str, dict[str, Any]]) -> None:
    procedure.steps = [ProcedureStep(position=i, text=t) for i, t in enumerate(data.steps, 1)]
    procedure.components = [
        DossierComponent(position=i, **item) for i, item in enumerate(data.components, 1)
    ]
    procedure.fees = [
        FeeItem(position=i, kind=f.kind, amount=f.amount, currency=f.currency,
                description=f.description)
        for i, f in enumerate(data.fees, 1)
    ]
    procedure.legal_bases = [
        LegalBasis(position=i, **item) for i, item in enumerate(data.legal_bases, 1)
    ]
    procedure.channels = [
        ProcedureChannel(channel=channel, **details)
        for channel, details in sorted(data.channels.items())
    ]
    procedure.form_files = [
        FormFile(position=i, title=t, **kept_files.get(t, {}))
        for i, t in enumerate(data.forms, 1)
    ]
    procedure.applicant_types = [
        ProcedureApplicant(applicant_type=kind) for kind in sorted(data.applicant_types)
    ]


def _file_of(form: FormFile) -> dict[str, Any]:
    return {"sha256": form.sha256, "filename": form.filename, "media_type": form.media_type,
            "size": form.size}


# --- Reading the parts of a record ----------------------------------------------------------


class _Reader:
    """Typed access to a record's keys that collects problems instead of raising."""

    def __init__(self, record: dict, problems: list[str]) -> None:
        self.record = record
        self.problems = problems

    def text(self, key: str, *, required: bool = False, block: bool = False) -> str | None:
        value = self.record.get(key)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = "\n".join(value) if block else "; ".join(value)
        if value is not None and not isinstance(value, (str, int, float)):
            self.problems.append(_("Trường \"%(key)s\" phải là chuỗi ký tự.", key=key))
            return None
        result = (clean_block if block else clean)(str(value)) if value is not None else None
        if required and not result:
            self.problems.append(_("Thiếu trường bắt buộc \"%(key)s\".", key=key))
        return result

    def text_list(self, key: str) -> list[str]:
        value = self.record.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problems.append(_("Trường \"%(key)s\" phải là danh sách chuỗi.", key=key))
            return []
        return [text for text in (clean_block(v) for v in value) if text]

    def objects(self, key: str) -> list[dict]:
        """A list whose items are objects; bare strings become ``{"name"|"title": …}``."""
        value = self.record.get(key)
        if value is None:
            return []
        if isinstance(value, (str, dict)):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, (str, dict)) for v in value):
            self.problems.append(_("Trường \"%(key)s\" phải là danh sách.", key=key))
            return []
        return value


def _read_scalars(reader: _Reader) -> dict[str, Any]:
    level = parsing.parse_level(reader.record.get("level"))
    if level is None:
        reader.problems.append(
            _("Mức độ dịch vụ \"%(level)s\" không nhận biết được.", level=reader.record["level"])
        )
        level = parsing.ServiceLevel()
    processing_text = reader.text("processing_time")
    duration = parsing.parse_processing_time(processing_text)
    note = reader.text("processing_time_note", block=True)
    if note and note != processing_text:
        # The national database sometimes details the deadline per level in a separate note.
        processing_text = f"{processing_text}\n{note}" if processing_text else note
    return {
        "authority_text": reader.text("agency"),
        "competent_authority_text": reader.text("competent_authority"),
        "agency_level_text": reader.text("agency_level"),
        "subjects_text": reader.text("subjects"),
        "method_text": reader.text("method_text", block=True),
        "processing_time_text": processing_text,
        "processing_amount": duration.amount if duration else None,
        "processing_unit": duration.unit if duration else None,
        "result_text": reader.text("result", block=True),
        "requirements_text": reader.text("requirements", block=True),
        "announcing_decision": reader.text("announcing_decision"),
        "procedure_type": reader.text("procedure_type"),
        "tt32_level": level.tt32,
        "online_level": level.online,
        "online_result": bool(reader.record.get("online_result", False)),
    }


def _read_components(reader: _Reader) -> list[dict[str, Any]]:
    components = []
    for position, item in enumerate(reader.objects("dossier_components"), 1):
        item = {"name": item} if isinstance(item, str) else item
        name = clean_block(item.get("name") or "")
        if not name:
            reader.problems.append(
                _("Thành phần hồ sơ số %(n)d không có tên.", n=position)
            )
            continue
        counts = {}
        for key in ("originals", "copies", "max_size_mb"):
            value = item.get(key)
            if value is not None and (not isinstance(value, int) or value < 0):
                reader.problems.append(
                    _("Thành phần hồ sơ số %(n)d: \"%(key)s\" phải là số nguyên không âm.",
                      n=position, key=key)
                )
                value = None
            counts[key] = value
        # "xuất trình" (show at the desk, not handed in), as a submission mode or in the note.
        presentation_only = fold(item.get("submission") or item.get("note") or "").startswith(
            "xuat trinh")
        components.append({
            "name": name,
            "originals": counts["originals"] if counts["originals"] is not None else 1,
            "copies": counts["copies"] or 0,
            "required": bool(item.get("required", True)),
            "presentation_only": bool(item.get("presentation_only", presentation_only)),
            "note": clean_block(item.get("note") or item.get("submission") or ""),
            "accepted_types": clean(item.get("accepted_types") or ""),
            "max_size_mb": counts["max_size_mb"],
        })
    return components


def _read_fees(reader: _Reader) -> tuple[list[parsing.Fee], bool | None, str | None]:
    """Fees as items, whether explicitly free, and the published text (when given as text)."""
    if reader.record.get("fees") is None or isinstance(reader.record.get("fees"), str):
        text = reader.text("fees", block=True)
        fees, free = parsing.parse_fee_text(text)
        return fees, free, text
    fees: list[parsing.Fee] = []
    for position, item in enumerate(reader.objects("fees"), 1):
        if isinstance(item, str):
            parsed, _free = parsing.parse_fee_text(clean(item))
            fees.extend(parsed or [parsing.Fee(FeeKind.CHARGE, None, "VND", clean(item))])
            continue
        currency = (item.get("currency") or "VND").upper()
        amount = _fee_amount(item.get("amount"), currency)
        if amount is False:
            reader.problems.append(_("Khoản phí số %(n)d có số tiền không hợp lệ.", n=position))
            continue
        fees.append(parsing.Fee(parsing.fee_kind(item.get("kind")), amount, currency,
                                clean(item.get("description") or "")))
    if fees and all(fee.amount == 0 for fee in fees):
        return fees, True, None
    return fees, (False if any(fee.amount for fee in fees) else None), None


def _fee_amount(raw: Any, currency: str) -> Decimal | None | bool:
    """The amount of a fee item: a Decimal, None when not stated, False when invalid."""
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        return False
    amount = parsing.parse_amount(raw, currency) if isinstance(raw, str) else Decimal(str(raw))
    if amount is None or amount < 0:
        return False
    return amount


def _read_legal_bases(reader: _Reader) -> list[dict[str, Any]]:
    bases = []
    for position, item in enumerate(reader.objects("legal_basis"), 1):
        item = {"title": item} if isinstance(item, str) else item
        title = clean(item.get("title") or "")
        number = clean(str(item.get("number") or ""))
        # "12" with a title "Quyết định số 12/2021/QĐ-TTg …" means the full number is in the title.
        in_title = parsing.find_document_number(title)
        if in_title and (not number or (in_title.startswith(number) and number != in_title)):
            number = in_title
        issued_raw = item.get("issued")
        issued = parsing.parse_date(str(issued_raw)) if issued_raw else None
        if issued_raw and issued is None:
            reader.problems.append(
                _("Văn bản pháp lý số %(n)d có ngày ban hành không hợp lệ: %(value)s.",
                  n=position, value=issued_raw)
            )
        if not (number or title):
            reader.problems.append(_("Văn bản pháp lý số %(n)d thiếu số hiệu và tên.", n=position))
            continue
        bases.append({
            "number": number, "title": title,
            "issued": issued or parsing.find_document_date(title),
            "issuer": clean(item.get("issuer") or ""),
        })
    return bases


def _read_channels(reader: _Reader) -> dict[Channel, dict[str, str | None]]:
    channels: dict[Channel, dict[str, str | None]] = {}
    for name in reader.text_list("method"):
        channel = parsing.parse_channel(name)
        if channel is None:
            reader.problems.append(_("Hình thức nộp \"%(name)s\" không nhận biết được.", name=name))
            continue
        channels.setdefault(channel, {"processing_time_text": None, "fee_text": None,
                                      "note": None})
    for item in reader.objects("channels"):
        if isinstance(item, str):
            item = {"method": item}
        channel = parsing.parse_channel(item.get("method") or "")
        if channel is None:
            reader.problems.append(
                _("Hình thức nộp \"%(name)s\" không nhận biết được.", name=item.get("method"))
            )
            continue
        channels[channel] = {
            "processing_time_text": clean(item.get("processing_time") or ""),
            "fee_text": clean(item.get("fee") or ""),
            "note": clean_block(item.get("note") or ""),
        }
    return channels


# --- Export --------------------------------------------------------------------------------


def export_procedures(session: Session, *, published_only: bool = False) -> list[dict]:
    """Every procedure as a record of the exchange format, ordered by code."""
    query = select(Procedure).order_by(Procedure.code)
    if published_only:
        query = query.where(Procedure.published.is_(True))
    return [procedure_record(p) for p in session.scalars(query)]


def procedure_record(procedure: Procedure) -> dict[str, Any]:
    """One procedure in the exchange format (the structured form that import reads back)."""
    level = procedure.online_level
    return _without_none({
        "code": procedure.code,
        "name": procedure.name,
        "field": procedure.field.name,
        "agency_level": procedure.agency_level_text,
        "agency": procedure.authority_text,
        "competent_authority": procedure.competent_authority_text,
        "steps": [step.text for step in procedure.steps],
        "method": [CHANNEL_NAMES[row.channel] for row in procedure.channels],
        "channels": [_channel_record(row) for row in procedure.channels
                     if row.processing_time_text or row.fee_text or row.note] or None,
        "method_text": procedure.method_text,
        "dossier_components": [_component_record(c) for c in procedure.components],
        "processing_time": procedure.processing_time_text,
        "subjects": procedure.subjects_text,
        "result": procedure.result_text,
        "fees": [_fee_record(f) for f in procedure.fees] or procedure.fees_text,
        "legal_basis": [_legal_record(b) for b in procedure.legal_bases],
        "announcing_decision": procedure.announcing_decision,
        "procedure_type": procedure.procedure_type,
        "forms": [form.title for form in procedure.form_files],
        "level": LEVEL_NAMES.get(level, procedure.tt32_level),
        "online_result": procedure.online_result or None,
        "requirements": procedure.requirements_text,
    })


def _channel_record(row: ProcedureChannel) -> dict:
    return _without_none({"method": CHANNEL_NAMES[row.channel],
                          "processing_time": row.processing_time_text,
                          "fee": row.fee_text, "note": row.note})


def _component_record(component: DossierComponent) -> dict:
    return _without_none({
        "name": component.name, "originals": component.originals, "copies": component.copies,
        "required": component.required,
        "presentation_only": component.presentation_only or None,
        "note": component.note, "accepted_types": component.accepted_types,
        "max_size_mb": component.max_size_mb,
    })


def _fee_record(fee: FeeItem) -> dict:
    amount = fee.amount
    if amount is not None:
        amount = int(amount) if amount == amount.to_integral_value() else str(amount)
    # "amount": null is kept: it says the amount is set elsewhere, not that it was forgotten.
    return {"kind": KIND_NAMES[fee.kind], "amount": amount} | _without_none({
        "currency": fee.currency if fee.currency != "VND" else None,
        "description": fee.description,
    })


def _legal_record(basis: LegalBasis) -> dict:
    issued: date | None = basis.issued
    return _without_none({
        "number": basis.number, "issued": issued.isoformat() if issued else None,
        "issuer": basis.issuer, "title": basis.title,
    })


def _without_none(mapping: dict) -> dict:
    return {key: value for key, value in mapping.items() if value is not None}
