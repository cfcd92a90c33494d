"""The access report (/quan-tri/truy-cap, TT22-PL3-14): a period's page views in all, per day
(an accessible chart with its table) and for the most viewed pages, from the anonymous
counts of :mod:`portal.services.access_stats`; ``?dinh-dang=csv`` downloads them per day and
page.

Inspectors read statistics and access reports (DESIGN.md); until they have a role of their
own, administrators do.
"""
from __future__ import annotations

import csv
import io
from datetime import date

from flask import Response, current_app, request
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _

from portal.auth import roles_required
from portal.blueprints.admin.views import bp
from portal.extensions import db
from portal.htmx import render
from portal.models import Role
from portal.services import access_stats, charts, workdays
from portal.services.office import parse_day

#: The period shown when none is asked for: the last 30 days, today included.
DEFAULT_DAYS = 30
#: Longer periods are charted per month (the CSV file stays per day).
DAILY_CHART_DAYS = 62
#: The longest period shown at once (ten years).
MAX_DAYS = 3653
TOP_PAGES = 20


def _period() -> tuple[date, date]:
    """The days asked for (``tu``, ``den``: a date input or dd/mm/yyyy), in order, at most
    :data:`MAX_DAYS` long (the last ones)."""
    end = parse_day(request.args.get("den")) or workdays.calendar().today()
    start = parse_day(request.args.get("tu")) or _days_before(end, DEFAULT_DAYS - 1)
    start, end = sorted((start, end))
    return max(start, _days_before(end, MAX_DAYS - 1)), end


def _days_before(day: date, days: int) -> date:
    return date.fromordinal(max(1, day.toordinal() - days))


@bp.get("/truy-cap")
@roles_required(Role.ADMIN)
def traffic():
    """Page views of a period: in all, per day, and the most viewed pages; or the CSV."""
    start, end = _period()
    access_stats.flush_for_report(current_app, db.session)
    if request.args.get("dinh-dang") == "csv":
        return _csv(start, end)
    report = access_stats.report(db.session, start, end, TOP_PAGES)
    return render("admin/traffic.html", fragment="results", report=report, chart=_chart(report),
                  args={"tu": start.isoformat(), "den": end.isoformat()},
                  average=report.total / len(report.days), number=format_decimal)


def _chart(report: access_stats.Report) -> charts.BarChart:
    """Views per day, or per month for a long period."""
    if len(report.days) <= DAILY_CHART_DAYS:
        labels = [format_date(day, "EEE dd/MM/yyyy") for day, _views in report.days]
        return charts.bar_chart(
            _("Lượt xem trang theo ngày"), labels,
            [(_("Lượt xem"), [views for _day, views in report.days])],
            id="bieu-do-truy-cap", category_heading=_("Ngày"))
    months: dict[tuple[int, int], int] = {}
    for day, views in report.days:
        months[day.year, day.month] = months.get((day.year, day.month), 0) + views
    return charts.bar_chart(
        _("Lượt xem trang theo tháng"),
        [_("Tháng %(month)d/%(year)d", month=month, year=year) for year, month in months],
        [(_("Lượt xem"), list(months.values()))],
        id="bieu-do-truy-cap", category_heading=_("Tháng"))


def _csv(start: date, end: date) -> Response:
    """Views per day and page (UTF-8 with a BOM, so that Excel reads the accents)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["day", "path", "views"])
    writer.writerows((day.isoformat(), path, views)
                     for day, path, views in access_stats.rows(db.session, start, end))
    response = Response("\ufeff" + buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="truy-cap-{start:%Y%m%d}-{end:%Y%m%d}.csv"')
    response.headers["Cache-Control"] = "private, no-store"
    return response
