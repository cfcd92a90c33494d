"""Reports for leaders (TT22-PL2-03): the figures against a plain count of a fixture set,
scope, exports, the page and its chart, and the background export (TT32-11.x-PROG)."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Agency, Channel, Dossier, DossierStatus, Field, Job, Procedure, User
from portal.services import backoffice, charts, reports
from tests.conftest import htmx_headers, login

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
S = DossierStatus
DESK, OFFICE, ECONOMY, CULTURE = ("000.01.99.H49", "000.02.99.H49", "000.03.99.H49",
                                  "000.04.99.H49")
JANUARY = (date(2026, 1, 1), date(2026, 1, 31))
DECEMBER = (date(2025, 12, 1), date(2025, 12, 31))
WINTER = (date(2025, 12, 1), date(2026, 2, 28))
LEADER, RECEIVER, PROCESSOR = "lanhdao@demo.local", "motcua@demo.local", "chuyenvien@demo.local"


def local(y: int, m: int, d: int, h: int = 9, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=HANOI)


@dataclass
class Spec:
    """One dossier of the fixture set, in local time. ``agency`` None: not assigned yet."""

    procedure: str  # a key of the procedures fixture
    agency: str | None
    channel: Channel
    received: datetime
    status: DossierStatus
    resolved: datetime | None = None
    outcome: str | None = None
    closed: datetime | None = None
    due: date | None = None
    extended: datetime | None = None
    desk: str = DESK


SPECS = [
    # Received in December, resolved early in January, returned.
    Spec("ht1", OFFICE, Channel.ONLINE, local(2025, 12, 29), S.RETURNED,
         local(2026, 1, 5, 10), "early", local(2026, 1, 6), date(2026, 1, 7)),
    # 31 December, 23:30 local (still December); open and overdue at the end of January.
    Spec("ht1", OFFICE, Channel.IN_PERSON, local(2025, 12, 31, 23, 30), S.PROCESSING,
         due=date(2026, 1, 10)),
    # 1 January, 00:30 local (31 December in UTC); resolved late on 31 January, 23:50 local.
    Spec("ht2", OFFICE, Channel.ONLINE, local(2026, 1, 1, 0, 30), S.RESOLVED,
         local(2026, 1, 31, 23, 50), "late", due=date(2026, 1, 20)),
    # Resolved 1 February, 00:10 local (31 January in UTC): still pending at the end of January.
    Spec("ct", OFFICE, Channel.POSTAL, local(2026, 1, 10), S.RESOLVED,
         local(2026, 2, 1, 0, 10), "on_time", due=date(2026, 2, 3)),
    # Extended (so late although resolved before its new due date), returned.
    Spec("ct", OFFICE, Channel.IN_PERSON, local(2026, 1, 12), S.RETURNED,
         local(2026, 1, 28), "late", local(2026, 1, 29), date(2026, 1, 30),
         extended=local(2026, 1, 20)),
    # A procedure without a statutory time: counts as on time.
    Spec("dd", ECONOMY, Channel.ONLINE, local(2026, 1, 5), S.RESOLVED,
         local(2026, 1, 15), "no_deadline"),
    # Refused on the day: received, never pending.
    Spec("dd", ECONOMY, Channel.IN_PERSON, local(2026, 1, 6), S.REFUSED,
         closed=local(2026, 1, 6, 10), due=date(2026, 1, 16)),
    # Withdrawn in January.
    Spec("btxh", CULTURE, Channel.ONLINE, local(2026, 1, 7), S.WITHDRAWN,
         closed=local(2026, 1, 25), due=date(2026, 1, 21)),
    # Stopped in February: pending and overdue at the end of January.
    Spec("btxh", CULTURE, Channel.IN_PERSON, local(2026, 1, 8), S.STOPPED,
         closed=local(2026, 2, 5), due=date(2026, 1, 22)),
    # Submitted online, not accepted yet, no due date.
    Spec("btxh", CULTURE, Channel.ONLINE, local(2026, 1, 20), S.SUBMITTED),
    # No resolving agency yet; overdue.
    Spec("ht1", None, Channel.IN_PERSON, local(2026, 1, 15), S.RECEIVED,
         due=date(2026, 1, 25)),
    # February only.
    Spec("ht2", OFFICE, Channel.ONLINE, local(2026, 2, 3), S.PROCESSING,
         due=date(2026, 2, 20)),
    # Received by the office itself; done in December.
    Spec("ht1", OFFICE, Channel.ONLINE, local(2025, 11, 20), S.RETURNED,
         local(2025, 12, 10), "early", local(2025, 12, 15), date(2025, 12, 12), desk=OFFICE),
    # Resolved early, waiting to be returned.
    Spec("ct", OFFICE, Channel.ONLINE, local(2026, 1, 2), S.RESOLVED,
         local(2026, 1, 9), "early", due=date(2026, 1, 14)),
    # Waiting for a supplement since before the period; its due date has passed.
    Spec("dd", ECONOMY, Channel.ONLINE, local(2025, 12, 15), S.SUPPLEMENT,
         due=date(2026, 1, 5)),
    # 31 January, 23:59 local: the last minute of the period.
    Spec("ht2", OFFICE, Channel.ONLINE, local(2026, 1, 31, 23, 59), S.PROCESSING,
         due=date(2026, 2, 10)),
    # Resolved on its due date.
    Spec("btxh", CULTURE, Channel.IN_PERSON, local(2026, 1, 3), S.RETURNED,
         local(2026, 1, 19), "on_time", local(2026, 1, 20), date(2026, 1, 19)),
]


@pytest.fixture
def fixture_set(app, demo):
    """Insert :data:`SPECS` as dossier rows (no forms, no versions); return, for each spec,
    its group keys: ``{"agency": id|None, "field": id, "procedure": id}``."""
    with app.app_context():
        agencies = {a.code: a.id for a in db.session.scalars(select(Agency))}
        procedures = {}
        for key, field_code, index in (("ht1", "H49-HT", 0), ("ht2", "H49-HT", 1),
                                       ("ct", "H49-CT", 0), ("dd", "H49-DD", 0),
                                       ("btxh", "H49-BTXH", 0)):
            procedures[key] = db.session.scalars(
                select(Procedure).join(Field).where(Field.code == field_code)
                .order_by(Procedure.code)).all()[index]
        keys = []
        for number, spec in enumerate(SPECS, 1):
            procedure = procedures[spec.procedure]
            agency_id = agencies[spec.agency] if spec.agency else None
            db.session.add(Dossier(
                code=f"{spec.desk}-{spec.received:%y%m%d}-{number:04d}",
                procedure_id=procedure.id, agency_id=agency_id,
                receiving_agency_id=agencies[spec.desk], channel=spec.channel,
                status=spec.status, applicant_name=f"Người nộp {number}", data={}, version=1,
                result_channel=Channel.IN_PERSON, received_at=utc(spec.received),
                submitted_at=utc(spec.received), resolved_at=utc(spec.resolved),
                closed_at=utc(spec.closed), extended_at=utc(spec.extended),
                due_date=spec.due, outcome=spec.outcome))
            keys.append({"agency": agency_id, "field": procedure.field_id,
                         "procedure": procedure.id})
        db.session.commit()
        return keys


def utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(timezone.utc) if moment else None


def expected(keys: list[dict], start: date, end: date, group_by: str,
             agencies: set[str] | None = None) -> dict:
    """The figures counted the plain way, one spec at a time, in local dates."""
    found: dict = {}
    for spec, key in zip(SPECS, keys):
        if agencies is not None and spec.agency not in agencies and spec.desk not in agencies:
            continue
        received = spec.received.date()
        resolved = spec.resolved.date() if spec.resolved else None
        closed = spec.closed.date() if spec.closed else None
        in_period = start <= received <= end
        done_in_period = resolved is not None and start <= resolved <= end
        pending = (received <= end and (resolved is None or resolved > end)
                   and (closed is None or closed > end))
        outcome = spec.outcome if spec.outcome in ("early", "late") else "on_time"
        figures = {
            "received_online": int(in_period and spec.channel == Channel.ONLINE),
            "received_offline": int(in_period and spec.channel != Channel.ONLINE),
            "early": int(done_in_period and outcome == "early"),
            "on_time": int(done_in_period and outcome == "on_time"),
            "late": int(done_in_period and outcome == "late"),
            "pending": int(pending),
            "overdue": int(pending and spec.due is not None and spec.due < end),
        }
        if any(figures.values()):
            total = found.setdefault(key[group_by], dict.fromkeys(figures, 0))
            for name, value in figures.items():
                total[name] += value
    return found


# --- The figures --------------------------------------------------------------------------


@pytest.mark.parametrize("group_by", reports.GROUPS)
@pytest.mark.parametrize("period", [JANUARY, DECEMBER, WINTER], ids=["jan", "dec", "winter"])
def test_summary_matches_a_plain_count(app, fixture_set, group_by, period):
    with app.test_request_context():
        report = reports.summary(db.session, None, *period, group_by)
    got = {row.key: asdict(row.counts) for row in report.rows}
    assert got == expected(fixture_set, *period, group_by)
    totals = {name: sum(row[name] for row in got.values()) for name in asdict(report.totals)}
    assert asdict(report.totals) == totals


def test_january_in_figures(app, fixture_set):
    """The boundaries: local days, not UTC ones; extensions are late; no deadline on time."""
    with app.test_request_context():
        report = reports.summary(db.session, None, *JANUARY, "agency")
    t = report.totals
    assert (t.received_online, t.received_offline) == (6, 6)
    assert (t.early, t.on_time, t.late) == (2, 2, 2)
    assert (t.pct_early, t.pct_on_time, t.pct_late, t.pct_in_time) == (33.3, 33.3, 33.3, 66.7)
    assert (t.pending, t.overdue) == (7, 4)
    assert t.pct_online == 50.0
    start, end = JANUARY  # read: received by the end, and not resolved before the start
    assert report.read == sum(
        1 for s in SPECS if s.received.date() <= end and (
            s.received.date() >= start or s.resolved is None or s.resolved.date() >= start))


def test_rows_are_labelled_and_unassigned_dossiers_have_a_group(app, fixture_set):
    with app.test_request_context():
        report = reports.summary(db.session, None, *JANUARY, "agency")
        names = {a.id: a.name for a in db.session.scalars(select(Agency))}
    labels = [(row.key, row.label) for row in report.rows]
    assert labels[-1] == (None, "Chưa xác định")
    assert all(label == names[key] for key, label in labels[:-1])
    assert reports.percent(1, 3) == 33.3 and reports.percent(0, 0) is None
    assert reports.percent(1, 8) == 12.5 and reports.percent(1, 16) == 6.3  # half up


def test_stepped_counting_gives_the_same_report(app, fixture_set):
    steps = []
    with app.test_request_context():
        whole = reports.summary(db.session, None, *WINTER, "procedure")
        stepped = reports.summary(db.session, None, *WINTER, "procedure",
                                  step=lambda done, total: steps.append((done, total)))
    assert stepped == whole
    assert steps and steps[-1][0] == steps[-1][1]


def test_a_processor_sees_only_the_dossiers_of_their_unit(app, fixture_set):
    with app.test_request_context():
        officer = db.session.scalar(select(User).where(User.email == PROCESSOR))
        scope = backoffice.scope(db.session, officer)
        report = reports.summary(db.session, scope, *WINTER, "field")
        leader = db.session.scalar(select(User).where(User.email == LEADER))
        everything = reports.summary(db.session, backoffice.scope(db.session, leader),
                                     *WINTER, "field")
    got = {row.key: asdict(row.counts) for row in report.rows}
    assert got == expected(fixture_set, *WINTER, "field", agencies={OFFICE})
    assert report.totals.received < everything.totals.received
    assert {row.key: asdict(row.counts) for row in everything.rows} == \
        expected(fixture_set, *WINTER, "field")


def test_unknown_grouping_is_refused(app):
    with app.test_request_context(), pytest.raises(ValueError):
        reports.summary(db.session, None, *JANUARY, "colour")


# --- Files --------------------------------------------------------------------------------


def test_csv_has_a_bom_and_vietnamese_headings(app, fixture_set):
    with app.test_request_context():
        report = reports.summary(db.session, None, *JANUARY, "field")
        text = reports.to_csv(report)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][:5] == ["Mã", "Lĩnh vực", "Tiếp nhận trực tuyến",
                           "Tiếp nhận trực tiếp, bưu chính", "Tổng số tiếp nhận"]
    assert "Tỷ lệ đúng hạn và trước hạn (%)" in rows[0]
    assert rows[-1][1] == "Tổng cộng" and rows[-1][4] == "12" and rows[-1][12] == "66.7"
    assert len(rows) == len(report.rows) + 2


def test_csv_never_starts_a_cell_with_a_formula(app):
    row = reports.ReportRow(1, "X", "=HYPERLINK(\"http://evil\")", reports.Counts(1))
    report = reports.Report(*JANUARY, "field", [row], row.counts)
    with app.test_request_context():
        text = reports.to_csv(report)
    assert "'=HYPERLINK" in text


def test_xlsx_opens_with_the_same_figures(app, fixture_set):
    with app.test_request_context():
        report = reports.summary(db.session, None, *JANUARY, "procedure")
        data = reports.to_xlsx(report)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert "THỦ TỤC HÀNH CHÍNH" in sheet["A1"].value
    assert sheet["B4"].value == "Thủ tục hành chính"
    last = [cell.value for cell in sheet[sheet.max_row]]
    assert last[1] == "Tổng cộng" and last[4] == 12 and last[12] == 66.7
    assert sheet.max_row == 4 + len(report.rows) + 1


# --- The page -----------------------------------------------------------------------------

PAGE = "/mot-cua/bao-cao?tu=2026-01-01&den=2026-01-31&theo=linh-vuc"


@pytest.mark.parametrize("email", ["congdan@demo.local", "bientap@demo.local"])
def test_only_officers_see_reports(client, demo, email):
    login(client, email)
    assert client.get("/mot-cua/bao-cao").status_code == 403


def test_page_needs_a_login(client, demo):
    assert client.get("/mot-cua/bao-cao").status_code in (302, 303)


def test_page_defaults_to_this_year(client, demo):
    login(client, LEADER)
    response = client.get("/mot-cua/bao-cao")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    year = re.search(r'name="den" type="date" value="(\d{4})-', page).group(1)
    assert f'name="tu" type="date" value="{year}-01-01"' in page
    assert "Không có hồ sơ nào trong kỳ này." in page


def test_page_and_fragment(client, fixture_set):
    login(client, LEADER)
    page = client.get(PAGE)
    assert page.status_code == 200 and "HX-Request" in page.headers["Vary"]
    html = page.get_data(as_text=True)
    assert "<html" in html and "<h1>Báo cáo, thống kê</h1>" in html
    assert 'selected>Lĩnh vực</option>' in html
    fragment = client.get(PAGE, headers=htmx_headers())
    body = fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]
    assert body.lstrip().startswith('<section id="results"') and "<html" not in body
    assert "Hộ tịch" in body and "66,7%" in body
    boosted = client.get(PAGE, headers=htmx_headers(**{"HX-Boosted": "true"}))
    assert "<html" in boosted.get_data(as_text=True)


def test_chart_is_an_accessible_svg_with_the_same_numbers_as_its_table(client, fixture_set):
    login(client, LEADER)
    html = client.get(PAGE, headers=htmx_headers()).get_data(as_text=True)
    figure = re.search(r'<figure class="portal-chart".*?</figure>', html, re.S).group(0)
    svg = re.search(r"<svg.*?</svg>", figure, re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="bieu-do-title bieu-do-desc"' in svg
    title = re.search(r'<title id="bieu-do-title">(.*?)</title>', svg).group(1)
    assert title == "Hồ sơ tiếp nhận và đã giải quyết theo lĩnh vực"
    assert "style=" not in figure and "<script" not in figure
    bar_numbers = re.findall(r'dominant-baseline="central"[^>]*>([^<]*)</text>', svg)
    table_numbers = re.findall(r'<td class="portal-chart__number">([^<]*)</td>', figure)
    assert bar_numbers == table_numbers and bar_numbers
    assert "<caption" in figure and '<th scope="row">Hộ tịch</th>' in figure
    desc = re.search(r'<desc id="bieu-do-desc">(.*?)</desc>', svg, re.S).group(1)
    with client.application.test_request_context():
        report = reports.summary(db.session, None, *JANUARY, "field")
    civil = next(row for row in report.rows if row.label == "Hộ tịch")
    assert f"Hộ tịch: Tiếp nhận {civil.counts.received}, Đã giải quyết " \
           f"{civil.counts.resolved}." in desc
    assert 'fill="url(#bieu-do-pattern-1)"' in svg  # the second series is patterned


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_small_reports_download_at_once(client, fixture_set, kind):
    login(client, LEADER)
    response = client.get(PAGE + f"&dang={kind}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(
        f'filename="bao-cao-field-20260101-20260131.{kind}"')
    if kind == "csv":
        assert response.data.startswith(b"\xef\xbb\xbf")
        assert response.mimetype == "text/csv"
    else:
        assert openpyxl.load_workbook(io.BytesIO(response.data)).active["B4"].value == \
            "Lĩnh vực"


def test_large_reports_are_exported_by_a_job_for_their_owner_only(client, app, fixture_set,
                                                                  monkeypatch):
    monkeypatch.setattr(reports, "REPORT_INLINE_LIMIT", 0)
    login(client, LEADER)
    page = client.get(PAGE + "&dang=xlsx")
    html = page.get_data(as_text=True)
    assert page.mimetype == "text/html" and 'action="/mot-cua/bao-cao/xuat"' in html
    assert 'class="portal-alert portal-alert--warning"' in html
    form = {"tu": "2026-01-01", "den": "2026-01-31", "theo": "linh-vuc", "dang": "xlsx"}
    response = client.post("/mot-cua/bao-cao/xuat", data=form, headers=htmx_headers())
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert 'class="portal-job portal-job--done"' in fragment
    url = re.search(r'<a href="([^"]+)"[^>]*>Xem kết quả</a>', fragment).group(1)
    with app.app_context():
        job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
        assert job.kind == "report.export" and job.progress == 100
    assert url == f"/mot-cua/bao-cao/tai-ve/{job.id}"
    with client.get(url) as download:  # a stored file: close it
        assert download.status_code == 200
        assert download.headers["Content-Disposition"].startswith("attachment")
        sheet = openpyxl.load_workbook(io.BytesIO(download.data)).active
    assert sheet[sheet.max_row][4].value == 12
    other = app.test_client()
    login(other, RECEIVER)
    assert other.get(url).status_code == 404
    plain = client.post("/mot-cua/bao-cao/xuat", data={**form, "dang": "csv"})
    assert plain.status_code == 303 and plain.headers["Location"].startswith("/cong-viec/")
    assert client.post("/mot-cua/bao-cao/xuat", data={**form, "dang": "pdf"}).status_code == 400


def test_downloads_of_other_jobs_are_not_found(client, demo):
    login(client, LEADER)
    assert client.get("/mot-cua/bao-cao/tai-ve/999").status_code == 404


# --- The chart on its own -----------------------------------------------------------------


def test_bar_chart_layout(app):
    with app.test_request_context():
        chart = charts.bar_chart("Tiêu đề", ["Một", "Hai " * 40], [("A", [1, 2000]),
                                                                   ("B", [0, 1000])],
                                 id="c", category_heading="Nhóm")
        html = charts.render(chart)
    assert chart.series[0].texts == ["1", "2.000"]  # Vietnamese digit grouping
    widest = max(bar.width for group in chart.groups for bar in group.bars)
    assert widest == charts.WIDTH - charts.VALUE_ROOM
    assert len(chart.groups[1].lines) == 2 and chart.groups[1].lines[1][1].endswith("…")
    assert "Một: A 1, B 0." in chart.description
    # Two legend swatches, one pattern tile, three bars (none for the 0).
    assert html.count("<rect") == 2 + 1 + 3
    assert "<th scope=\"col\">Nhóm</th>" in html and "Hai Hai" in html
    with pytest.raises(ValueError):
        charts.bar_chart("x", ["a"], [("A", [1, 2])])


def test_page_is_valid_html(client, fixture_set, tmp_path, monkeypatch):
    from tests.test_html_valid import validate

    login(client, LEADER)
    documents = {"page": client.get(PAGE).get_data(as_text=True)}
    monkeypatch.setattr(reports, "REPORT_INLINE_LIMIT", 0)  # the export buttons instead
    documents["heavy"] = client.get(PAGE.replace("linh-vuc", "thu-tuc")).get_data(as_text=True)
    assert validate(documents, tmp_path) == {}
