"""Catalogue files for editors (issue 8, TT22-PL2-01): export as JSON (the exchange format of
DESIGN.md) or XLSX, and import a JSON file as a background job whose progress the page shows
(TT32-11.x-PROG), ending with a report of the records refused and why.

Records are read and written by :mod:`portal.services.catalog_io`; the import runs it on
batches of :data:`BATCH` records so the progress moves as it goes, and keeps a revision of
every procedure it creates or replaces (:mod:`portal.services.procedure_editor`).
"""
from __future__ import annotations

import io
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import clock
from portal.models import Job, Procedure, User
from portal.services import audit, catalog_io, files, jobs, procedure_editor
from portal.text import clean, spreadsheet_text

IMPORT_JOB = "catalog.import"
MAX_IMPORT_BYTES = 10 * 1024 * 1024
#: Records imported between two progress reports.
BATCH = 10
MEDIA_TYPES = {
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
Failure = tuple[int, "str | None", list[str]]


class ImportFileError(ValueError):
    """A file that cannot be imported at all (its message says why, for the editor)."""


# --- Export ---------------------------------------------------------------------------------


def export(session: Session, kind: str, *, published_only: bool = False
           ) -> tuple[bytes, str, int]:
    """The catalogue as a ``json`` or ``xlsx`` file: ``(content, file name, procedures)``."""
    records = catalog_io.export_procedures(session, published_only=published_only)
    name = f"danh-muc-thu-tuc-{clock.today():%Y%m%d}.{kind}"
    if kind == "json":
        return json.dumps(records, ensure_ascii=False, indent=2).encode("utf-8"), name, len(
            records)
    published = {code: state for code, state in session.execute(
        select(Procedure.code, Procedure.published))}
    return to_xlsx(records, published), name, len(records)


COLUMNS = (
    ("code", _l("Mã thủ tục")), ("name", _l("Tên thủ tục")), ("field", _l("Lĩnh vực")),
    ("steps", _l("Trình tự thực hiện")), ("method", _l("Cách thức thực hiện")),
    ("dossier_components", _l("Thành phần hồ sơ")),
    ("processing_time", _l("Thời hạn giải quyết")), ("subjects", _l("Đối tượng thực hiện")),
    ("agency", _l("Cơ quan thực hiện")), ("result", _l("Kết quả thực hiện")),
    ("fees", _l("Phí, lệ phí")), ("forms", _l("Mẫu đơn, tờ khai")),
    ("requirements", _l("Yêu cầu, điều kiện")), ("legal_basis", _l("Căn cứ pháp lý")),
    ("level", _l("Mức độ dịch vụ công trực tuyến")), ("published", _l("Đã xuất bản")),
)
COMPONENT_COLUMNS = (
    _l("Mã thủ tục"), _l("STT"), _l("Tên giấy tờ"), _l("Bản chính"), _l("Bản sao"),
    _l("Bắt buộc"), _l("Chỉ xuất trình"), _l("Ghi chú"), _l("Loại tệp nhận"),
    _l("Dung lượng tối đa (MB)"),
)


def to_xlsx(records: list[dict], published: dict[str, bool]) -> bytes:
    """One row per procedure with the 11 items as columns (lists one item a line), and the
    dossier components on a second sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Thủ tục")
    sheet.append([str(label) for _key, label in COLUMNS])
    for record in records:
        sheet.append([_cell(_text(key, record, published)) for key, _label in COLUMNS])
    papers = book.create_sheet(_("Thành phần hồ sơ"))
    papers.append([str(label) for label in COMPONENT_COLUMNS])
    for record in records:
        for number, item in enumerate(record.get("dossier_components") or [], 1):
            papers.append([_cell(value) for value in _component_row(record["code"], number,
                                                                    item)])
    for table, widths in ((sheet, (12, 40) + (30,) * 14), (papers, (12, 6, 50) + (12,) * 7)):
        for cell in table[1]:
            cell.font = Font(bold=True)
        for row in table.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        for column, width in zip(table.iter_cols(max_row=1), widths):
            table.column_dimensions[column[0].column_letter].width = width
        table.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text(key: str, record: dict, published: dict[str, bool]) -> str | int | None:
    """What the spreadsheet shows for one item of a record."""
    value = record.get(key)
    if key == "published":
        return _("Có") if published.get(record["code"]) else _("Không")
    if key == "method":
        return "\n".join([", ".join(value or []), record.get("method_text") or ""]).strip()
    if key == "agency":
        parts = (value, record.get("competent_authority"), record.get("agency_level"))
        return "\n".join(part for part in parts if part)
    if key == "dossier_components":
        return "\n".join(f"{n}. {item['name']}" for n, item in enumerate(value or [], 1))
    if key == "fees" and isinstance(value, list):
        return "\n".join(_fee_line(item) for item in value)
    if key == "legal_basis":
        return "\n".join(_legal_line(basis) for basis in value or [])
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return value


def _legal_line(basis: dict) -> str:
    parts = (basis.get("number"), basis.get("title"), basis.get("issued"))
    return " – ".join(part for part in parts if part)


def _fee_line(item: dict) -> str:
    from portal.templating import money

    amount = item.get("amount")
    shown = (money(Decimal(str(amount)), item.get("currency") or "VND") if amount is not None
             else _("theo mức do cơ quan có thẩm quyền quy định"))
    line = f"{item.get('kind')}: {shown}"
    return f"{line} – {item['description']}" if item.get("description") else line


def _component_row(code: str, number: int, item: dict) -> list:
    yes, no = _("Có"), _("Không")
    return [code, number, item.get("name"), item.get("originals"), item.get("copies"),
            yes if item.get("required", True) else no,
            yes if item.get("presentation_only") else no, item.get("note"),
            item.get("accepted_types"), item.get("max_size_mb")]


def _cell(value: Any) -> Any:
    """A value a cell can hold: no control characters, at most Excel's 32,767 characters, never
    a formula (a name starting with "=" is written as text)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        return spreadsheet_text(ILLEGAL_CHARACTERS_RE.sub("", value))[:32767]
    return value


# --- Import ---------------------------------------------------------------------------------


def read_json(data: bytes) -> list:
    """The records of an uploaded file.

    :raises ImportFileError: too large, not UTF-8, not JSON, or not an array of records.
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFileError(_("Tệp lớn hơn %(mb)d MB; hãy chia thành nhiều tệp nhỏ hơn.",
                                mb=max(1, MAX_IMPORT_BYTES // 2**20)))
    try:
        records = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise ImportFileError(_("Tệp không phải văn bản UTF-8.")) from error
    except json.JSONDecodeError as error:
        raise ImportFileError(_(
            "Tệp không phải JSON hợp lệ: lỗi ở dòng %(line)d, cột %(column)d (%(reason)s).",
            line=error.lineno, column=error.colno, reason=error.msg)) from error
    if not isinstance(records, list):
        raise ImportFileError(_("Tệp phải chứa một mảng JSON các thủ tục: [ {…}, {…} ]."))
    if not records:
        raise ImportFileError(_("Tệp không có thủ tục nào."))
    return records


def queue_import(session: Session, data: bytes, *, owner: User, publish: bool, strict: bool,
                 filename: str | None, locale: str) -> Job:
    """Store the file and queue its import (the caller commits, then calls ``jobs.kick``)."""
    sha256 = files.store().put(data)
    return jobs.enqueue(session, IMPORT_JOB, {
        "sha256": sha256, "publish": publish, "strict": strict,
        "filename": clean(filename or "") or "", "locale": locale}, owner=owner)


def recent_imports(session: Session, owner: User, limit: int = 5) -> list[Job]:
    """The person's latest imports, newest first."""
    return list(session.scalars(select(Job).where(
        Job.kind == IMPORT_JOB, Job.owner_id == owner.id).order_by(Job.id.desc()).limit(limit)))


@jobs.handler(IMPORT_JOB)
def import_job(session: Session, job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """Import the stored file; the result counts what was created, updated and refused."""
    payload = job.payload
    with force_locale(payload.get("locale") or current_app.config["LANGUAGES"][0]):
        try:
            records = read_json(files.store().path(payload["sha256"]).read_bytes())
        except (OSError, ImportFileError) as error:
            raise jobs.JobFailed(str(error)) from error
        owner = session.get(User, job.owner_id) if job.owner_id else None
        progress(0, _("Đã đọc tệp: %(n)d bản ghi.", n=len(records)))
        report = import_records(
            session, records, publish=bool(payload.get("publish")),
            strict=bool(payload.get("strict")), author=owner,
            step=lambda done, total: progress(100 * done // total, _(
                "Đã xử lý %(done)d trên %(total)d bản ghi.", done=done, total=total)))
        audit.record(session, "catalogue_imported", actor=owner, object_type="job",
                     object_id=job.id, filename=payload.get("filename"),
                     created=len(report.created), updated=len(report.updated),
                     failed=len(report.failed), strict=bool(payload.get("strict")),
                     publish=bool(payload.get("publish")))
        return _result(report, payload)


def import_records(session: Session, records: list, *, publish: bool, strict: bool,
                   author: User | None, step: Callable[[int, int], None]
                   ) -> catalog_io.ImportReport:
    """Import records in batches, calling ``step(done, total)`` after each batch.

    :param strict: import nothing unless every record is valid.
    """
    report = catalog_io.ImportReport()
    if strict:
        report.failed = invalid_records(records)
        if report.failed:
            return report
    imported: set[str] = set()
    for start in range(0, len(records), BATCH):
        _import_batch(session, records, start, imported, report, publish=publish,
                      author=author)
        step(min(start + BATCH, len(records)), len(records))
    report.failed.sort(key=lambda failure: failure[0])
    return report


def _import_batch(session: Session, records: list, start: int, imported: set[str],
                  report: catalog_io.ImportReport, *, publish: bool,
                  author: User | None) -> None:
    numbers, batch = [], []
    for number, record in enumerate(records[start:start + BATCH], start + 1):
        code = _code(record)
        if code in imported:  # catalog_io sees one batch; repeats across batches are ours
            report.failed.append((number, code, [_duplicate(code)]))
            continue
        numbers.append(number)
        batch.append(record)
    procedure_editor.keep_baselines(session, [c for c in map(_code, batch) if c])
    part = catalog_io.import_procedures(session, batch, publish=publish)
    report.created += part.created
    report.updated += part.updated
    report.failed += [(numbers[n - 1], code, reasons) for n, code, reasons in part.failed]
    imported.update(part.created + part.updated)
    procedure_editor.record_imported(session, part.created + part.updated, author)


def invalid_records(records: list) -> list[Failure]:
    """Every record catalog_io would refuse, with its reasons (nothing is written)."""
    failed: list[Failure] = []
    seen: set[str] = set()
    for number, record in enumerate(records, 1):
        try:
            data = catalog_io.read_record(record)
        except catalog_io.RecordError as error:
            failed.append((number, _code(record), error.reasons))
            continue
        if data.code in seen:
            failed.append((number, data.code, [_duplicate(data.code)]))
        seen.add(data.code)
    return failed


def _code(record: Any) -> str | None:
    if not isinstance(record, dict) or not isinstance(record.get("code"), (str, int, float)):
        return None
    return clean(str(record["code"]))


def _duplicate(code: str | None) -> str:
    return _("Mã thủ tục %(code)s lặp lại trong tệp.", code=code)


def _result(report: catalog_io.ImportReport, payload: dict) -> dict[str, Any]:
    counts = {"created": len(report.created), "updated": len(report.updated),
              "failed": len(report.failed)}
    if payload.get("strict") and report.failed and not (report.created or report.updated):
        message = _("Không nhập thủ tục nào vì %(failed)d bản ghi không hợp lệ.", **counts)
    else:
        message = _("Tạo mới %(created)d, cập nhật %(updated)d, từ chối %(failed)d bản ghi.",
                    **counts)
    return {"message": message, "url": payload.get("url"), **counts,
            "created_codes": report.created, "updated_codes": report.updated,
            "rejected": [{"number": n, "code": code, "reasons": reasons}
                         for n, code, reasons in report.failed],
            "strict": bool(payload.get("strict")), "publish": bool(payload.get("publish")),
            "filename": payload.get("filename")}
