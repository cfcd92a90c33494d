"""Reports for leaders (TT22-PL2-03): dossiers received, resolved and still pending in a
period, by resolving agency, field or procedure; on screen, as CSV and as XLSX.

Every figure is counted by the database in one aggregate (``SUM(CASE …)`` grouped by the
chosen column), never by a loop over dossiers here, so a year of 100,000 dossiers stays
quick on SQLite and PostgreSQL. A period is a run of local days (``BABEL_DEFAULT_TIMEZONE``):
its first and last day are turned into the UTC instants at which they begin and end before
being compared with the timestamp columns.

* **Received**: ``received_at`` falls in the period; online (channel 2) or not (in person,
  postal).
* **Resolved**: ``resolved_at`` falls in the period; early, on time or late by the
  ``outcome`` stored when it was resolved. ``no_deadline`` (a procedure without a statutory
  time) and a missing outcome count as **on time**: nothing was late.
* **Pending at the end**: received by the end of the period, and neither resolved nor closed
  (refused, withdrawn, stopped, returned) by then.
* **Overdue at the end**: pending at the end, with a due date before the period's last day.

Exports of a large scope are built by the ``report.export`` job (TT32-11.x-PROG).
"""
from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from dataclasses import astuple, dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from portal.models import Agency, Channel, Dossier, Field, Job, Procedure
from portal.services import backoffice, files, jobs
from portal.text import spreadsheet_text

#: Exports reading at least this many dossiers are built by a background job.
REPORT_INLINE_LIMIT = 20_000
#: A job counts its groups in this many steps, so that its progress moves.
JOB_STEPS = 10
GROUPS = ("agency", "field", "procedure")
GROUP_LABELS = {"agency": _l("Cơ quan giải quyết"), "field": _l("Lĩnh vực"),
                "procedure": _l("Thủ tục hành chính")}
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_GROUP_COLUMNS = {"agency": Dossier.agency_id, "field": Procedure.field_id,
                  "procedure": Dossier.procedure_id}
_LABEL_SOURCES = {"agency": (Agency, (Agency.sort_order, Agency.name)),
                  "field": (Field, (Field.sort_order, Field.name)),
                  "procedure": (Procedure, (Procedure.sort_key, Procedure.code))}


def percent(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole``, to one decimal (half up); None when 0."""
    if not whole:
        return None
    share = Decimal(100 * part) / Decimal(whole)
    return float(share.quantize(Decimal("0.1"), ROUND_HALF_UP))


@dataclass(frozen=True)
class Counts:
    """The figures of one group (or of all of them)."""

    received_online: int = 0
    received_offline: int = 0
    early: int = 0
    on_time: int = 0
    late: int = 0
    pending: int = 0
    overdue: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(astuple(self), astuple(other))))

    @property
    def received(self) -> int:
        return self.received_online + self.received_offline

    @property
    def resolved(self) -> int:
        return self.early + self.on_time + self.late

    @property
    def in_time(self) -> int:
        """Resolved early or on time."""
        return self.early + self.on_time

    @property
    def pct_early(self) -> float | None:
        return percent(self.early, self.resolved)

    @property
    def pct_on_time(self) -> float | None:
        return percent(self.on_time, self.resolved)

    @property
    def pct_late(self) -> float | None:
        return percent(self.late, self.resolved)

    @property
    def pct_in_time(self) -> float | None:
        return percent(self.in_time, self.resolved)

    @property
    def pct_online(self) -> float | None:
        """Share of the received dossiers that came online."""
        return percent(self.received_online, self.received)


@dataclass(frozen=True)
class ReportRow:
    """One group: its id (None: no resolving agency yet), code, name and figures."""

    key: int | None
    code: str
    label: str
    counts: Counts


@dataclass(frozen=True)
class Report:
    """The figures of a period, one row per group (in the catalogue's order), and totals."""

    start: date
    end: date
    group_by: str
    rows: list[ReportRow]
    totals: Counts
    #: Dossiers read to count them (decides whether an export is built in the background).
    read: int = 0

    @property
    def group_label(self) -> str:
        return str(GROUP_LABELS[self.group_by])


# --- Counting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Period:
    start: date
    end: date
    begins: datetime  # UTC instant the first day begins
    ends: datetime  # UTC instant the last day ends (excluded)


def _period(start: date, end: date) -> _Period:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])

    def instant(day: date) -> datetime:
        return datetime.combine(day, time.min, zone).astimezone(timezone.utc)

    return _Period(start, end, instant(start), instant(end + timedelta(days=1)))


def _measures(p: _Period) -> dict[str, Any]:
    """The condition of each :class:`Counts` field, in order."""
    received = and_(Dossier.received_at >= p.begins, Dossier.received_at < p.ends)
    resolved = and_(Dossier.resolved_at >= p.begins, Dossier.resolved_at < p.ends)
    pending = and_(Dossier.received_at < p.ends,
                   or_(Dossier.resolved_at.is_(None), Dossier.resolved_at >= p.ends),
                   or_(Dossier.closed_at.is_(None), Dossier.closed_at >= p.ends))
    return {
        "received_online": and_(received, Dossier.channel == Channel.ONLINE),
        "received_offline": and_(received, Dossier.channel != Channel.ONLINE),
        "early": and_(resolved, Dossier.outcome == "early"),
        "on_time": and_(resolved, or_(Dossier.outcome.is_(None),
                                      Dossier.outcome.not_in(("early", "late")))),
        "late": and_(resolved, Dossier.outcome == "late"),
        "pending": pending,
        "overdue": and_(pending, Dossier.due_date < p.end),
    }


def _query(columns: list, group_by: str, agency_ids: set[int] | None, p: _Period) -> Select:
    """``columns`` over the dossiers that may count in the period (a superset: received
    before its end and either received in it or not resolved before it)."""
    query = select(*columns).select_from(Dossier)
    if group_by == "field":
        query = query.join(Procedure, Procedure.id == Dossier.procedure_id)
    query = query.where(Dossier.received_at < p.ends,
                        or_(Dossier.received_at >= p.begins, Dossier.resolved_at.is_(None),
                            Dossier.resolved_at >= p.begins))
    if agency_ids is not None:
        query = query.where(backoffice.visible_clause(agency_ids))
    return query


def _aggregate(session: Session, group_by: str, agency_ids: set[int] | None, p: _Period,
               keys: list[int | None] | None = None) -> dict[int | None, tuple[Counts, int]]:
    """Each group's figures, and how many dossiers were read for it."""
    column = _GROUP_COLUMNS[group_by]
    measures = _measures(p)
    sums = [func.coalesce(func.sum(case((condition, 1), else_=0)), 0).label(name)
            for name, condition in measures.items()]
    query = _query([column.label("key"), func.count().label("read"), *sums], group_by,
                   agency_ids, p).group_by(column)
    if keys is not None:
        known = [key for key in keys if key is not None]
        query = query.where(or_(column.in_(known), column.is_(None)) if None in keys
                            else column.in_(known))
    return {row.key: (Counts(**{name: int(row._mapping[name]) for name in measures}),
                      int(row.read))
            for row in session.execute(query)}


def summary(session: Session, agency_ids: set[int] | None, start: date, end: date,
            group_by: str, *, step: Callable[[int, int], None] | None = None) -> Report:
    """The figures of the period ``start``–``end`` (local days, both included) by
    ``group_by`` (``agency``, ``field`` or ``procedure``), for the dossiers concerning
    ``agency_ids`` (None: all). Groups with nothing to show are left out.

    ``step(done, total)``, if given, is called as the groups are counted in
    :data:`JOB_STEPS` parts (a job's progress); without it one query counts them all.

    :raises ValueError: ``group_by`` is not one of :data:`GROUPS`.
    """
    if group_by not in GROUPS:
        raise ValueError(f"unknown grouping {group_by!r}")
    p = _period(start, end)
    if step is None:
        found = _aggregate(session, group_by, agency_ids, p)
    else:
        column = _GROUP_COLUMNS[group_by]
        keys = list(session.scalars(_query([column], group_by, agency_ids, p).distinct()))
        size = max(1, math.ceil(len(keys) / JOB_STEPS))
        parts = [keys[i:i + size] for i in range(0, len(keys), size)]
        found = {}
        for done, part in enumerate(parts, 1):
            found.update(_aggregate(session, group_by, agency_ids, p, part))
            step(done, len(parts))
    counts = {key: value for key, (value, _read) in found.items() if value != Counts()}
    rows = [ReportRow(key, code, label, counts[key])
            for key, code, label in _labels(session, group_by, counts)]
    return Report(start, end, group_by, rows, sum((row.counts for row in rows), Counts()),
                  sum(read for _counts, read in found.values()))


def _labels(session: Session, group_by: str, keys) -> list[tuple[int | None, str, str]]:
    """``(key, code, name)`` of each group, in the catalogue's order; no agency comes last."""
    model, order = _LABEL_SOURCES[group_by]
    ids = [key for key in keys if key is not None]
    found = [tuple(row) for row in session.execute(
        select(model.id, model.code, model.name).where(model.id.in_(ids)).order_by(*order))]
    if None in keys:
        found.append((None, "", _("Chưa xác định")))
    return found


# --- Files ----------------------------------------------------------------------------------


def headings(report: Report) -> list[str]:
    """Column headings of the exports."""
    return [_("Mã"), report.group_label, _("Tiếp nhận trực tuyến"),
            _("Tiếp nhận trực tiếp, bưu chính"), _("Tổng số tiếp nhận"),
            _("Giải quyết trước hạn"), _("Giải quyết đúng hạn"), _("Giải quyết quá hạn"),
            _("Tổng số đã giải quyết"), _("Tỷ lệ trước hạn (%)"), _("Tỷ lệ đúng hạn (%)"),
            _("Tỷ lệ quá hạn (%)"), _("Tỷ lệ đúng hạn và trước hạn (%)"),
            _("Đang giải quyết cuối kỳ"), _("Quá hạn cuối kỳ")]


def _cells(code: str, label: str, c: Counts) -> list:
    return [code, label, c.received_online, c.received_offline, c.received, c.early,
            c.on_time, c.late, c.resolved, c.pct_early, c.pct_on_time, c.pct_late,
            c.pct_in_time, c.pending, c.overdue]


def table(report: Report) -> list[list]:
    """The rows of the exports: one per group, then the totals."""
    return ([_cells(row.code, row.label, row.counts) for row in report.rows]
            + [_cells("", _("Tổng cộng"), report.totals)])


def to_csv(report: Report) -> str:
    """The report as CSV for Excel: a UTF-8 byte order mark, Vietnamese headings, one row
    per group and the totals; percentages with a decimal point, empty when undefined."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headings(report))
    for cells in table(report):
        writer.writerow([spreadsheet_text(c) if isinstance(c, str) else ("" if c is None else c)
                         for c in cells])
    return "\ufeff" + out.getvalue()


def to_xlsx(report: Report) -> bytes:
    """The report as an .xlsx workbook: a title, the period, bold headings, then the rows
    (percentages as numbers shown with one decimal) and the totals in bold."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Báo cáo")[:31]
    sheet.append([_("BÁO CÁO TÌNH HÌNH TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ THEO %(group)s",
                    group=report.group_label.upper())])
    sheet.append([_("Từ ngày %(start)s đến ngày %(end)s", start=f"{report.start:%d/%m/%Y}",
                    end=f"{report.end:%d/%m/%Y}")])
    sheet.append([])
    sheet.append(headings(report))
    for cells in table(report):
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c
                      for c in cells])
    sheet["A1"].font = Font(bold=True, size=13)
    for cell in sheet[4]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=5, min_col=10, max_col=13):
        for cell in row:
            cell.number_format = "0.0"
    for letter, width in zip("ABCDEFGHIJKLMNO", (16, 48, *([14] * 13))):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "C5"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export(report: Report, kind: str) -> bytes:
    """The report as a ``csv`` or ``xlsx`` file."""
    return to_xlsx(report) if kind == "xlsx" else to_csv(report).encode("utf-8")


def filename(report: Report, kind: str) -> str:
    return f"bao-cao-{report.group_by}-{report.start:%Y%m%d}-{report.end:%Y%m%d}.{kind}"


@jobs.handler("report.export")
def export_job(session: Session, job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """Build an export in the background: count the groups in steps, store the file.

    The payload holds ``start``, ``end`` (ISO dates), ``group_by``, ``format``,
    ``agency_ids`` (None: all), ``locale`` and ``url``, the download address (built by the
    view, which has a request to build it with).
    """
    payload = job.payload
    ids = payload.get("agency_ids")
    with force_locale(payload.get("locale") or current_app.config["LANGUAGES"][0]):
        progress(1, _("Đang tổng hợp số liệu."))
        report = summary(
            session, None if ids is None else set(ids), date.fromisoformat(payload["start"]),
            date.fromisoformat(payload["end"]), payload["group_by"],
            step=lambda done, total: progress(5 + 80 * done // total, _(
                "Đã tổng hợp %(done)d trên %(total)d phần.", done=done, total=total)))
        progress(90, _("Đang tạo tệp."))
        kind = payload["format"]
        sha256 = files.store().put(export(report, kind))
        return {"message": _("Tệp báo cáo đã sẵn sàng."), "url": payload.get("url"),
                "sha256": sha256, "filename": filename(report, kind),
                "media_type": MEDIA_TYPES[kind]}
