"""Reports for leaders (/mot-cua/bao-cao, TT22-PL2-03): a period's figures by agency, field
or procedure, a chart with its table, and CSV / XLSX files.

An export that reads fewer than ``reports.REPORT_INLINE_LIMIT`` dossiers is sent at once
(``?dang=csv|xlsx``). A larger one is built by a background job (TT32-11.x-PROG): it is
asked for with a POST (it creates something, and a reload or a prefetch must not start it
again), its progress shows in place, and only the officer who asked downloads the file.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort, current_app, redirect, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.blueprints.backoffice.views import bp, today
from portal.db import begin_writing
from portal.extensions import db
from portal.htmx import render, wants_fragment
from portal.models import Job, JobStatus
from portal.services import backoffice, charts, jobs
from portal.services import reports as reporting
from portal.services.files import download_response
from portal.services.office import parse_day

#: The groupings as the address spells them.
GROUPINGS = {"co-quan": "agency", "linh-vuc": "field", "thu-tuc": "procedure"}
SLUGS = {value: key for key, value in GROUPINGS.items()}
CHART_TITLES = {
    "agency": _l("Hồ sơ tiếp nhận và đã giải quyết theo cơ quan giải quyết"),
    "field": _l("Hồ sơ tiếp nhận và đã giải quyết theo lĩnh vực"),
    "procedure": _l("Hồ sơ tiếp nhận và đã giải quyết theo thủ tục"),
}
#: The chart draws the groups with the most dossiers; the table below has every group.
CHART_GROUPS = 12


@dataclass(frozen=True)
class Period:
    """What the officer asked for: local days ``start``–``end`` and a grouping."""

    start: date
    end: date
    group_by: str

    @property
    def args(self) -> dict[str, str]:
        """The query string that asks for it again."""
        return {"tu": self.start.isoformat(), "den": self.end.isoformat(),
                "theo": SLUGS[self.group_by]}


def _period() -> Period:
    """Read the form (query string or posted); 1 January of this year to today by default."""
    values = request.values
    end = parse_day(values.get("den")) or today()
    start = parse_day(values.get("tu")) or today().replace(month=1, day=1)
    if end < start:
        start, end = end, start
    return Period(start, end, GROUPINGS.get(values.get("theo", ""), "agency"))


def _scope() -> set[int]:
    return backoffice.scope(db.session, current_user)


@bp.get("/bao-cao")
def reports():
    """The period's figures, chart and table; ``?dang=csv|xlsx`` downloads them when the
    report is small enough to build in the request."""
    period = _period()
    report = reporting.summary(db.session, _scope(), period.start, period.end,
                               period.group_by)
    heavy = report.read >= reporting.REPORT_INLINE_LIMIT
    kind = request.args.get("dang")
    if kind in reporting.MEDIA_TYPES and not heavy:
        return _file(report, kind)
    return render("backoffice/reports.html", fragment="results", period=period,
                  report=report, chart=_chart(report), heavy=heavy,
                  asked=kind in reporting.MEDIA_TYPES, groupings=reporting.GROUP_LABELS,
                  slugs=SLUGS, number=format_decimal, pct=_pct)


@bp.post("/bao-cao/xuat")
def report_export():
    """Queue the export of a report; htmx gets the job's progress, others its page."""
    kind = request.form.get("dang")
    if kind not in reporting.MEDIA_TYPES:
        abort(400)
    period = _period()
    begin_writing(db.session)
    job = jobs.enqueue(db.session, "report.export", {
        "start": period.start.isoformat(), "end": period.end.isoformat(),
        "group_by": period.group_by, "format": kind, "agency_ids": sorted(_scope()),
        "locale": str(get_locale() or "vi")}, owner=current_user)
    db.session.flush()  # the job's id, for its download address
    job.payload = {**job.payload, "url": url_for(".report_file", job_id=job.id)}
    db.session.commit()
    jobs.kick()
    if not wants_fragment():
        return redirect(url_for("jobs.status", job_id=job.id), code=303)
    job = db.session.get(Job, job.id, populate_existing=True)
    return render("components/_job_status.html", job=job)


@bp.get("/bao-cao/tai-ve/<int:job_id>")
def report_file(job_id: int):
    """The file a report job built, for the officer who asked for it.

    :raise 404: no such finished report job of this officer's.
    """
    job = jobs.job_for(db.session, job_id, current_user)
    if job is None or job.kind != "report.export" or job.status is not JobStatus.DONE:
        abort(404)
    result = job.result or {}
    if not result.get("sha256"):
        abort(404)
    return download_response(result["sha256"], result.get("filename"),
                             result.get("media_type"))


def _file(report: reporting.Report, kind: str):
    response = current_app.response_class(reporting.export(report, kind),
                                          content_type=reporting.MEDIA_TYPES[kind])
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{reporting.filename(report, kind)}"')
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _chart(report: reporting.Report) -> charts.BarChart:
    """Received against resolved for the groups that received the most dossiers."""
    rows = sorted(report.rows, key=lambda r: (-r.counts.received, -r.counts.resolved))
    shown = rows[:CHART_GROUPS]
    note = None
    if len(rows) > len(shown):
        note = _("Biểu đồ vẽ %(shown)d trong %(total)d nhóm, những nhóm tiếp nhận nhiều hồ "
                 "sơ nhất; bảng chi tiết bên dưới có đủ các nhóm.",
                 shown=len(shown), total=len(rows))
    return charts.bar_chart(
        CHART_TITLES[report.group_by], [row.label for row in shown],
        [(_("Tiếp nhận"), [row.counts.received for row in shown]),
         (_("Đã giải quyết"), [row.counts.resolved for row in shown])],
        id="bieu-do", category_heading=report.group_label, note=note)


def _pct(value: float | None) -> str:
    """``25,0%`` (in the page's language); a dash when nothing was resolved."""
    return "—" if value is None else format_decimal(value, format="#,##0.0") + "%"
