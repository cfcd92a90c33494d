"""Public statistics (/thong-ke; TT32-11.x-STAT, TT22-PL3-08/09, QĐ766): for a year, each
online service's dossiers, results in time, processing time and satisfaction, totals by
field and by agency; charts with their numbers as tables, each table as a CSV file.

The figures are counted from the dossiers and ratings when asked, so they are right at any
moment: this page is deliberately not in the anonymous page cache (``portal.cache``), whose
entries change only with the catalogue. Browsers still revalidate it with its ETag.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache

from babel.numbers import format_decimal as babel_format_decimal
from flask import Blueprint, abort, current_app, request
from flask_babel import get_locale
from flask_babel import gettext as _

from portal.edge import parse_int
from portal.extensions import config_limit, db
from portal.htmx import render
from portal.services import charts, stats, stats_tables, workdays
from portal.services.ratings import ITEMS

bp = Blueprint("stats", __name__, url_prefix="/thong-ke")
#: Charts draw this many groups at most (the busiest); the tables have them all.
CHART_ROWS = 10


@bp.get("")
@config_limit("RATELIMIT_STATS", methods=("GET",))
def index():
    """The year's figures (``?nam=``, this year by default); ``?bang=<table>&dang=csv``
    downloads one table.

    :raise 404: a year without dossiers, or an unknown table or format.
    """
    name, kind = request.args.get("bang"), request.args.get("dang")
    if (name, kind) != (None, None) and (name not in stats_tables.NAMES or kind != "csv"):
        abort(404)
    today = workdays.calendar().today()
    years = stats.years(db.session, today)
    year = _year(years, today)
    figures = stats.year_stats(db.session, year, today)
    if name:
        return _csv(stats_tables.BUILDERS[name](figures), year)
    return render("stats/index.html", fragment="results", stats=figures, years=years,
                  tables=stats_tables.tables(figures), charts=_charts(figures), cell=cell,
                  number=number, pct=pct, days=days, this_year=year == today.year)


def _year(years: list[int], today: date) -> int:
    asked = request.args.get("nam", "")
    if not asked:
        return today.year
    year = parse_int(asked)
    if year not in years:
        abort(404)
    return year


def _csv(table: stats_tables.Table, year: int):
    response = current_app.response_class(stats_tables.to_csv(table).encode("utf-8"),
                                          content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{stats_tables.filename(table, year)}"')
    response.headers["Cache-Control"] = "no-cache"
    return response


# --- Formatting -----------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _decimal(value, pattern: str | None, locale: str) -> str:
    # A page formats a few thousand cells, most of them the same small numbers.
    return babel_format_decimal(value, format=pattern, locale=locale)


def number(value: float) -> str:
    """``1.234`` in the page's language."""
    return _decimal(value, None, str(get_locale()))


def pct(value: float | None) -> str:
    """``25,0%`` in the page's language; a dash when there is nothing to divide by."""
    return "—" if value is None else _decimal(value, "#,##0.0", str(get_locale())) + "%"


def days(value: float | None) -> str:
    """A number of days to one decimal (rounded as in the files); a dash for none."""
    if value is None:
        return "—"
    return _decimal(stats_tables.one_decimal(value), "#,##0.0", str(get_locale()))


def cell(column: stats_tables.Column, value) -> str:
    """A table cell as the page shows it."""
    if column.kind == "text":
        return str(value)
    if column.kind == "share":
        count, share = value
        return f"{number(count)} ({pct(share)})" if share is not None else number(count)
    if column.kind == "percent":
        return pct(value)
    if column.kind == "days":
        return days(value)
    return number(value)


# --- Charts ---------------------------------------------------------------------------------


def _busiest(rows: Sequence[stats.Row]) -> tuple[list[stats.Row], str | None]:
    """The rows with the most dossiers (at most :data:`CHART_ROWS`), and a note if cut."""
    active = [r for r in rows if r.counts.received or r.counts.resolved_online]
    shown = sorted(active, key=lambda r: (-r.counts.received, -r.counts.resolved_online))
    shown = shown[:CHART_ROWS]
    note = None
    if len(active) > len(shown):
        note = _("Biểu đồ vẽ %(shown)d trong %(total)d nhóm có hồ sơ, những nhóm tiếp nhận "
                 "nhiều hồ sơ nhất; bảng bên dưới có đủ các nhóm.",
                 shown=len(shown), total=len(active))
    return shown, note


def _dossier_chart(id: str, title: str, heading: str,
                   rows: Sequence[stats.Row]) -> charts.BarChart | None:
    shown, note = _busiest(rows)
    if not shown:
        return None
    return charts.bar_chart(
        title, [r.name for r in shown],
        [(_("Tiếp nhận trực tuyến"), [r.counts.received_online for r in shown]),
         (_("Tiếp nhận trực tiếp, bưu chính"), [r.counts.received_offline for r in shown]),
         (_("Đã giải quyết trực tuyến"), [r.counts.resolved_online for r in shown])],
        id=id, category_heading=heading, note=note, number=number)


def _satisfaction_chart(total: stats.Counts) -> charts.BarChart | None:
    items = [item for item in ITEMS if total.answered(item)]
    if not items:
        return None
    return charts.bar_chart(
        _("Tỷ lệ mức độ hài lòng theo tiêu chí (%)"),
        [str(stats_tables.ITEM_LABELS[item]) for item in items],
        [(str(label), [total.pct_level(item, index) or 0.0 for item in items])
         for index, label in enumerate(stats_tables.LEVEL_LABELS)],
        id="bieu-do-hai-long", category_heading=_("Tiêu chí"), number=pct)


def _time_chart(rows: Sequence[stats.Row]) -> charts.BarChart | None:
    timed = [r for r in rows if r.durations.count]
    if not timed:
        return None
    return charts.bar_chart(
        _("Thời gian giải quyết hồ sơ trực tuyến theo lĩnh vực (ngày)"),
        [r.name for r in timed],
        [(_("Trung vị"), [r.durations.median for r in timed]),
         (_("90% hồ sơ không quá"), [r.durations.p90 for r in timed])],
        id="bieu-do-thoi-gian", category_heading=_("Lĩnh vực"), number=days)


def _charts(figures: stats.YearStats) -> dict[str, charts.BarChart | None]:
    return {
        "services": _dossier_chart("bieu-do-dich-vu", _(
            "Hồ sơ của các dịch vụ công trực tuyến có nhiều hồ sơ nhất"),
            _("Dịch vụ công trực tuyến"), figures.services),
        "satisfaction": _satisfaction_chart(figures.total.counts),
        "time": _time_chart(figures.fields),
        "fields": _dossier_chart("bieu-do-linh-vuc", _("Hồ sơ theo lĩnh vực"),
                                 _("Lĩnh vực"), figures.fields),
        "agencies": _dossier_chart("bieu-do-co-quan", _("Hồ sơ theo cơ quan giải quyết"),
                                   _("Cơ quan giải quyết"), figures.agencies),
    }
