"""The public statistics as tables: one definition gives the page's tables and the CSV files,
so what is downloaded is what is shown (plus the codes, which only the files carry).

A cell is a text, a count, a *share* (a count with its percentage: two columns in a file),
a percentage or a number of days; None is "no figure" (a dash on the page, empty in a file).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.models import OnlineLevel
from portal.services.ratings import ITEMS
from portal.services.stats import Counts, Row, YearStats
from portal.text import spreadsheet_text

ITEM_LABELS = {"overall": _l("Hài lòng chung"), "convenience": _l("Mức độ thuận tiện"),
               "timeliness": _l("Mức độ đúng hạn"),
               "attitude": _l("Thái độ hỗ trợ của cán bộ")}
LEVEL_LABELS = (_l("Rất hài lòng"), _l("Hài lòng"), _l("Chưa hài lòng"))
LEVEL_NAMES = {OnlineLevel.FULL: _l("Toàn trình"), OnlineLevel.PARTIAL: _l("Một phần")}
#: The tables, by the name the address gives them (``?bang=…``), in the page's order.
NAMES = ("dich-vu", "hai-long", "hai-long-dich-vu", "linh-vuc", "co-quan")


@dataclass(frozen=True)
class Column:
    heading: str
    kind: str = "count"  # text, count, share, percent, days
    #: A heading over several columns (a rated item), or None.
    group: str | None = None
    #: False: only in the file (codes).
    page: bool = True

    @property
    def label(self) -> str:
        """The heading with its group's, for files and stacked rows."""
        return f"{self.group}: {self.heading}" if self.group else self.heading


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[list]
    #: The totals row, if any.
    foot: list | None = None

    @property
    def shown(self) -> list[int]:
        """Indexes of the columns the page shows."""
        return [i for i, column in enumerate(self.columns) if column.page]

    @property
    def groups(self) -> list[tuple[str | None, list[int]]]:
        """Runs of shown columns under the same group heading (None: no group)."""
        runs: list[tuple[str | None, list[int]]] = []
        for i in self.shown:
            group = self.columns[i].group
            if runs and group is not None and runs[-1][0] == group:
                runs[-1][1].append(i)
            else:
                runs.append((group, [i]))
        return runs


def _figures() -> list[Column]:
    received, resolved = _("Tiếp nhận"), _("Đã giải quyết trực tuyến")
    return [Column(_("Trực tuyến"), group=received),
            Column(_("Trực tiếp, bưu chính"), group=received),
            Column(_("Tổng"), group=received),
            Column(_("Số hồ sơ"), group=resolved),
            Column(_("Đúng hạn, trước hạn"), "share", group=resolved),
            Column(_("Thời gian trung vị (ngày)"), "days", group=resolved),
            Column(_("90% hồ sơ không quá (ngày)"), "days", group=resolved)]


def _figure_cells(row: Row) -> list:
    c, d = row.counts, row.durations
    return [c.received_online, c.received_offline, c.received, c.resolved_online,
            (c.in_time_online, c.pct_in_time), d.median, d.p90]


def _level_columns(item: str, group: bool) -> list[Column]:
    name = str(ITEM_LABELS[item]) if group else None
    return [Column(_("Lượt đánh giá"), group=name),
            *(Column(str(label), "share", group=name) for label in LEVEL_LABELS)]


def _level_cells(counts: Counts, item: str) -> list:
    return [counts.answered(item), *((n, counts.pct_level(item, i))
                                     for i, n in enumerate(counts.levels(item)))]


def services(stats: YearStats) -> Table:
    columns = [Column(_("Mã thủ tục"), "text", page=False),
               Column(_("Dịch vụ công trực tuyến"), "text"),
               Column(_("Lĩnh vực"), "text", page=False), Column(_("Mức độ"), "text"),
               *_figures()]
    rows = [[r.code, r.name, r.field_name, str(LEVEL_NAMES.get(r.level, "")),
             *_figure_cells(r)] for r in stats.services]
    return Table("dich-vu", _("Số liệu theo dịch vụ công trực tuyến"), columns, rows,
                 ["", _("Tổng cộng"), "", "", *_figure_cells(stats.total)])


def _groups(name: str, title: str, heading: str, rows: list[Row], total: Row) -> Table:
    columns = [Column(_("Mã"), "text", page=False), Column(heading, "text"), *_figures(),
               *_level_columns("overall", True)]
    return Table(name, title, columns,
                 [[r.code, r.name, *_figure_cells(r), *_level_cells(r.counts, "overall")]
                  for r in rows],
                 ["", _("Tổng cộng"), *_figure_cells(total),
                  *_level_cells(total.counts, "overall")])


def fields(stats: YearStats) -> Table:
    return _groups("linh-vuc", _("Tổng hợp theo lĩnh vực"), _("Lĩnh vực"), stats.fields,
                   stats.total)


def agencies(stats: YearStats) -> Table:
    return _groups("co-quan", _("Tổng hợp theo cơ quan giải quyết"),
                   _("Cơ quan giải quyết"), stats.agencies, stats.total)


def satisfaction(stats: YearStats) -> Table:
    columns = [Column(_("Tiêu chí"), "text"), *_level_columns("overall", False)]
    rows = [[str(ITEM_LABELS[item]), *_level_cells(stats.total.counts, item)]
            for item in ITEMS]
    return Table("hai-long", _("Mức độ hài lòng theo tiêu chí"), columns, rows)


def satisfaction_by_service(stats: YearStats) -> Table:
    columns = [Column(_("Mã thủ tục"), "text", page=False),
               Column(_("Dịch vụ công trực tuyến"), "text"),
               *(column for item in ITEMS for column in _level_columns(item, True))]
    cells = [[r.code, r.name, *(c for item in ITEMS for c in _level_cells(r.counts, item))]
             for r in stats.services]
    foot = ["", _("Tổng cộng"),
            *(c for item in ITEMS for c in _level_cells(stats.total.counts, item))]
    return Table("hai-long-dich-vu", _("Mức độ hài lòng theo dịch vụ công trực tuyến"),
                 columns, cells, foot)


BUILDERS = {"dich-vu": services, "hai-long": satisfaction,
            "hai-long-dich-vu": satisfaction_by_service, "linh-vuc": fields,
            "co-quan": agencies}


def tables(stats: YearStats) -> dict[str, Table]:
    """Every table of the page, by name, in order."""
    return {name: BUILDERS[name](stats) for name in NAMES}


# --- Files --------------------------------------------------------------------------------


def one_decimal(value: float) -> Decimal:
    """``value`` to one decimal, half up (the page and the files round alike)."""
    return Decimal(repr(value)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _number(value: float | None) -> str:
    return "" if value is None else str(one_decimal(value))


def _file_cells(column: Column, value) -> list:
    if column.kind == "share":
        count, share = value
        return [count, "" if share is None else share]
    if column.kind == "text":
        return [spreadsheet_text(str(value))]
    if column.kind in ("days", "percent"):
        return [_number(value)]
    return [value]


def to_csv(table: Table) -> str:
    """The table as CSV for Excel: a UTF-8 byte order mark, Vietnamese headings (a share is
    two columns, the count and its percentage), the rows, then the totals; decimals with a
    point, empty where there is no figure."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([heading for c in table.columns for heading in (
        [c.label, f"{c.label} (%)"] if c.kind == "share" else [c.label])])
    for cells in table.rows + ([table.foot] if table.foot else []):
        writer.writerow([v for c, cell in zip(table.columns, cells)
                         for v in _file_cells(c, cell)])
    return "\ufeff" + out.getvalue()


def filename(table: Table, year: int) -> str:
    return f"thong-ke-{table.name}-{year}.csv"
