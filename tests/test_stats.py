"""Public statistics (/thong-ke; TT32-11.x-STAT, TT22-PL3-08/09, QĐ766): the figures of a
fixture year against a plain count in Python, the year selector, the CSV of every table, the
page and its htmx fragment, charts with their numbers, nothing personal, always current."""
from __future__ import annotations

import csv
import io
import re
import statistics
from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Agency, Channel, Dossier, DossierStatus, Procedure, Rating
from portal.services import stats, stats_queries, stats_tables
from tests.conftest import htmx_headers

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICE, ECONOMY, CULTURE, DESK = ("000.02.99.H49", "000.03.99.H49", "000.04.99.H49",
                                  "000.01.99.H49")
#: The fixture's procedures: four online services in four fields, one that is not online.
PROCEDURES = {"ht1": "1.000656", "ht2": "1.000689", "xd": "1.013225", "btxh": "1.001653",
              "ct": "2.000815"}
TODAY = datetime(2026, 6, 15, 10, 0, tzinfo=HANOI)
ONLINE, DESK_CHANNEL, POST = Channel.ONLINE, Channel.IN_PERSON, Channel.POSTAL
SECRET = "Bí Mật Riêng"
DONE = "Đã giải quyết trực tuyến"


def local(y: int, m: int, d: int, h: int = 9, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=HANOI)


@dataclass
class Spec:
    """One dossier (local times) and, if rated, its levels and when it was rated."""

    procedure: str
    agency: str | None
    channel: Channel
    received: datetime
    resolved: datetime | None = None
    outcome: str | None = None
    rating: tuple | None = None  # (overall, convenience, timeliness, attitude, at)


SPECS = [
    # Received in December 2024, resolved early in January 2025, rated in January.
    Spec("ht1", OFFICE, ONLINE, local(2024, 12, 20), local(2025, 1, 6, 10), "early",
         (1, 1, None, 2, local(2025, 1, 8))),
    # 31 December 2025, 23:30 local: still 2025; resolved in 2026, rated in 2026.
    Spec("ht1", OFFICE, ONLINE, local(2025, 12, 31, 23, 30), local(2026, 1, 5, 14), "on_time",
         (2, None, None, None, local(2026, 1, 6))),
    # 1 January 2026, 00:30 local (31 December in UTC): 2026.
    Spec("ht1", OFFICE, ONLINE, local(2026, 1, 1, 0, 30)),
    # Extended, so late; rated with everything unsatisfied and a personal comment.
    Spec("ht1", OFFICE, ONLINE, local(2025, 3, 3, 8), local(2025, 3, 10, 16, 45), "late",
         (3, 3, 3, 3, local(2025, 3, 12))),
    # At the desk and by post: received offline, never "resolved online".
    Spec("ht2", OFFICE, DESK_CHANNEL, local(2025, 4, 1), local(2025, 4, 4), "early"),
    Spec("ht2", OFFICE, POST, local(2025, 5, 5)),
    # No resolving agency yet.
    Spec("ht2", None, ONLINE, local(2025, 6, 2, 10, 15)),
    # A procedure without a statutory time counts in time.
    Spec("xd", ECONOMY, ONLINE, local(2025, 2, 10), local(2025, 2, 20, 11), "no_deadline",
         (1, 2, 1, None, local(2025, 2, 21))),
    Spec("xd", ECONOMY, ONLINE, local(2025, 7, 7, 13), local(2025, 7, 9, 9, 30), "early",
         (2, 2, 2, 2, local(2025, 7, 10))),
    Spec("xd", ECONOMY, ONLINE, local(2025, 8, 1), local(2025, 8, 29, 15, 20), "late"),
    Spec("btxh", CULTURE, ONLINE, local(2025, 9, 15, 10), local(2025, 9, 16, 15), "on_time",
         (1, None, 1, 1, local(2025, 9, 20))),
    Spec("btxh", CULTURE, DESK_CHANNEL, local(2025, 10, 1)),
    # Not an online service: left out of everything, rating included.
    Spec("ct", OFFICE, ONLINE, local(2025, 5, 5), local(2025, 5, 6), "early",
         (3, 3, 3, 3, local(2025, 5, 7))),
    # Resolved on 30 November, 23:50 local, with no agency; late.
    Spec("btxh", None, ONLINE, local(2025, 11, 11), local(2025, 11, 30, 23, 50), "late"),
    # Resolved in the last minutes of 2025 (local).
    Spec("ht2", OFFICE, ONLINE, local(2025, 1, 15, 14), local(2025, 12, 31, 23, 45), "early"),
    # Resolved 1 January 2026, 00:10 local (still 2025 in UTC): 2026.
    Spec("xd", ECONOMY, ONLINE, local(2025, 12, 20), local(2026, 1, 1, 0, 10), "late"),
    # 2024 only.
    Spec("ht1", OFFICE, ONLINE, local(2024, 5, 5), local(2024, 5, 10), "on_time"),
]


def utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(timezone.utc) if moment else None


@pytest.fixture
def fixture_set(app, demo):
    """The fixture set in the test's database (see :func:`insert_specs`)."""
    return insert_specs(app)


def insert_specs(app) -> list[dict]:
    """Insert :data:`SPECS` (dossiers and ratings, straight into the tables); return each
    spec's group keys ``{"procedure", "field", "agency"}``."""
    with app.app_context():
        agencies = {a.code: a.id for a in db.session.scalars(select(Agency))}
        procedures = {key: db.session.scalar(select(Procedure).where(Procedure.code == code))
                      for key, code in PROCEDURES.items()}
        keys = []
        for number, spec in enumerate(SPECS, 1):
            procedure = procedures[spec.procedure]
            agency_id = agencies[spec.agency] if spec.agency else None
            dossier = Dossier(
                code=f"{DESK}-{spec.received:%y%m%d}-{number:04d}", procedure_id=procedure.id,
                agency_id=agency_id, receiving_agency_id=agencies[DESK], channel=spec.channel,
                status=DossierStatus.RETURNED if spec.resolved else DossierStatus.PROCESSING,
                applicant_name=f"{SECRET} {number}", applicant_email="bimat@example.vn",
                data={}, version=1, result_channel=Channel.ONLINE,
                received_at=utc(spec.received), submitted_at=utc(spec.received),
                resolved_at=utc(spec.resolved), returned_at=utc(spec.resolved),
                closed_at=utc(spec.resolved), outcome=spec.outcome)
            db.session.add(dossier)
            db.session.flush()
            if spec.rating:
                *levels, at = spec.rating
                db.session.add(Rating(
                    dossier_id=dossier.id, procedure_id=procedure.id, agency_id=agency_id,
                    overall=levels[0], convenience=levels[1], timeliness=levels[2],
                    attitude=levels[3], comment=f"Góp ý của {SECRET}", created_at=utc(at),
                    updated_at=utc(at)))
            keys.append({"procedure": procedure.id, "field": procedure.field_id,
                         "agency": agency_id})
        db.session.commit()
        return keys


# --- The plain count --------------------------------------------------------------------------


def _blank() -> dict:
    return {"received_online": 0, "received_offline": 0, "resolved_online": 0,
            "in_time_online": 0, "days": [],
            **{item: [0, 0, 0] for item in stats_tables.ITEM_LABELS}}


def expected(keys: list[dict], year: int, today: date = TODAY.date()) -> dict:
    """Per grouping (``procedure``, ``field``, ``agency``, ``total``): group key → figures,
    counted one spec at a time in local dates."""
    start, end = date(year, 1, 1), min(date(year, 12, 31), today)

    def within(moment: datetime | None) -> bool:
        return moment is not None and start <= moment.date() <= end

    found: dict = {"procedure": {}, "field": {}, "agency": {}, "total": {}}
    for spec, key in zip(SPECS, keys):
        if spec.procedure == "ct":
            continue
        online = spec.channel == Channel.ONLINE
        resolved = online and within(spec.resolved)
        rated = spec.rating is not None and within(spec.rating[-1])
        if not (within(spec.received) or resolved or rated):
            continue
        for grouping, group in (*key.items(), ("total", None)):
            f = found[grouping].setdefault(group, _blank())
            f["received_online"] += within(spec.received) and online
            f["received_offline"] += within(spec.received) and not online
            if resolved:
                f["resolved_online"] += 1
                f["in_time_online"] += spec.outcome in ("early", "on_time", "no_deadline")
                f["days"].append((spec.resolved - spec.received).total_seconds() / 86400)
            if rated:
                for item, level in zip(stats_tables.ITEM_LABELS, spec.rating[:4]):
                    if level:
                        f[item][level - 1] += 1
    return found


def _median_p90(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    if len(values) == 1:
        return values[0], values[0]
    return (statistics.median(values),
            statistics.quantiles(values, n=10, method="inclusive")[8])


def _as_plain(row: stats.Row) -> dict:
    c, d = row.counts, row.durations
    return {"received_online": c.received_online, "received_offline": c.received_offline,
            "resolved_online": c.resolved_online, "in_time_online": c.in_time_online,
            "days": (d.count, d.median, d.p90),
            **{item: list(c.levels(item)) for item in stats_tables.ITEM_LABELS}}


def _plain_expected(figures: dict) -> dict:
    return {**figures, "days": (len(figures["days"]), *_median_p90(figures["days"]))}


def _compare(rows: list[stats.Row], wanted: dict) -> None:
    got = {row.key: _as_plain(row) for row in rows if not row.counts.empty
           or row.durations.count}
    assert set(got) == set(wanted)
    for key, figures in wanted.items():
        plain = _plain_expected(figures)
        days, want_days = got[key].pop("days"), plain.pop("days")
        assert got[key] == plain, key
        assert days[0] == want_days[0]
        assert days[1:] == pytest.approx(want_days[1:], abs=1e-4), key


def _year_stats(app, year: int) -> stats.YearStats:
    with time_machine.travel(TODAY, tick=False), app.test_request_context():
        return stats.year_stats(db.session, year, TODAY.date())


# --- The figures ------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_figures_match_a_plain_count(app, fixture_set, year):
    figures = _year_stats(app, year)
    wanted = expected(fixture_set, year)
    _compare(figures.services, wanted["procedure"])
    _compare(figures.fields, wanted["field"])
    _compare(figures.agencies, wanted["agency"])
    _compare([figures.total], wanted["total"])
    last = min(date(year, 12, 31), TODAY.date())
    assert (figures.start, figures.end) == (date(year, 1, 1), last)


def test_2025_in_figures(app, fixture_set):
    """The boundaries are local days; offline dossiers are received, never resolved online;
    a procedure that is not online is left out; ratings count in the year they were given."""
    t = _year_stats(app, 2025).total
    c = t.counts
    assert (c.received_online, c.received_offline) == (10, 3)
    assert (c.resolved_online, c.in_time_online, c.pct_in_time) == (8, 5, 62.5)
    assert c.overall == (3, 1, 1) and c.ratings == 5 and c.pct_satisfied == 80.0
    assert c.convenience == (1, 2, 1) and c.timeliness == (2, 1, 1)
    assert c.attitude == (1, 2, 1) and c.pct_level("attitude", 1) == 50.0
    assert t.durations.count == 8


def test_every_online_service_is_listed(app, fixture_set):
    figures = _year_stats(app, 2025)
    with app.app_context():
        online = db.session.scalar(select(func.count()).select_from(Procedure).where(
            Procedure.online_level.is_not(None), Procedure.published.is_(True)))
    assert len(figures.services) == online
    assert PROCEDURES["ct"] not in {row.code for row in figures.services}
    nobody = next(row for row in figures.agencies if row.key is None)
    assert nobody.name == "Chưa phân công cơ quan giải quyết"


def test_percentiles_interpolate_like_percentile_cont():
    values = [1.0, 2.0, 4.0, 10.0]
    assert stats_queries.percentile(values, stats_queries.MEDIAN) == 3.0
    assert stats_queries.percentile(values, stats_queries.P90) == pytest.approx(8.2)
    assert stats_queries.summary([5.0]) == (1, 5.0, 5.0)
    assert stats_queries.percentile(values, stats_queries.P90) == pytest.approx(
        statistics.quantiles(values, n=10, method="inclusive")[8])


def test_years_with_dossiers(app, fixture_set):
    with app.test_request_context():
        assert stats.years(db.session, TODAY.date()) == [2026, 2025, 2024]
        assert stats.years(db.session, date(2028, 3, 1)) == [2028, 2026, 2025, 2024]


# --- The page ---------------------------------------------------------------------------------


def _get(client, path: str = "/thong-ke", **kwargs):
    with time_machine.travel(TODAY, tick=False):
        return client.get(path, **kwargs)


def test_the_page_shows_the_year_with_a_selector(app, client, fixture_set):
    page = _get(client)
    assert page.status_code == 200
    text = page.text
    assert "<h1>Thống kê dịch vụ công trực tuyến</h1>" in text
    assert "từ ngày 01/01/2026 đến ngày 15/06/2026" in text
    options = re.findall(r'<option value="(\d+)"( selected)?>', text)
    assert options == [("2026", " selected"), ("2025", ""), ("2024", "")]
    past = _get(client, "/thong-ke?nam=2025").text
    assert "từ ngày 01/01/2025 đến ngày 31/12/2025" in past
    assert '<option value="2025" selected>' in past
    for wrong in ("2023", "abc", "2027"):
        assert _get(client, f"/thong-ke?nam={wrong}").status_code == 404


def test_the_year_selector_swaps_a_fragment(app, client, fixture_set):
    fragment = _get(client, "/thong-ke?nam=2025", headers=htmx_headers())
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    assert fragment.text.lstrip().startswith('<div id="ket-qua"')
    assert "<html" not in fragment.text and "31/12/2025" in fragment.text
    boosted = _get(client, "/thong-ke?nam=2025", headers=htmx_headers(**{"HX-Boosted": "true"}))
    assert boosted.text.lstrip().startswith("<!doctype html>")
    assert "HX-Request" in _get(client).headers["Vary"]


def test_charts_are_images_with_titles_and_the_same_numbers_in_tables(
        app, client, fixture_set):
    text = _get(client, "/thong-ke?nam=2025").text
    svgs = re.findall(r'<svg [^>]*role="img" aria-labelledby="([\w-]+)-title [\w-]+-desc"',
                      text)
    assert set(svgs) == {"bieu-do-dich-vu", "bieu-do-hai-long", "bieu-do-thoi-gian",
                         "bieu-do-linh-vuc", "bieu-do-co-quan"}
    for chart in svgs:
        assert re.search(rf'<title id="{chart}-title">[^<]+</title>', text)
    figure = re.search(r'<figure class="portal-chart" id="bieu-do-hai-long">.*?</figure>',
                       text, re.S).group(0)
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', figure)
    shown = {name: re.findall(r">([^<]+)</td>", cells) for name, cells in rows}
    assert shown["Hài lòng chung"] == ["60,0%", "20,0%", "20,0%"]
    assert shown["Mức độ thuận tiện"] == ["25,0%", "50,0%", "25,0%"]
    desc = re.search(r'<desc id="bieu-do-hai-long-desc">([^<]+)</desc>', figure).group(1)
    assert "Hài lòng chung: Rất hài lòng 60,0%, Hài lòng 20,0%, Chưa hài lòng 20,0%." in desc
    table = re.search(r'<table [^>]*id="bang-hai-long">.*?</table>', text, re.S).group(0)
    assert re.search(r'<th scope="row">Hài lòng chung</th>\s*<td[^>]*>5</td>\s*'
                     r'<td[^>]*>3 \(60,0%\)</td>', table)


def test_nothing_personal_appears(app, client, fixture_set):
    documents = [_get(client, f"/thong-ke?nam={year}").text for year in (2024, 2025, 2026)]
    documents += [_get(client, f"/thong-ke?nam=2025&bang={name}&dang=csv").data.decode()
                  for name in stats_tables.NAMES]
    for document in documents:
        assert SECRET not in document and "bimat@example.vn" not in document
        assert "Góp ý của" not in document and f"{DESK}-2" not in document


def test_the_figures_are_current_at_any_moment(app, client, fixture_set):
    """Not cached: a dossier received a moment ago is counted at once."""
    before = _get(client)
    assert before.status_code == 200 and "Cache-Control" in before.headers
    with app.app_context():
        procedure = db.session.scalar(select(Procedure).where(Procedure.code == "1.000656"))
        desk = db.session.scalar(select(Agency.id).where(Agency.code == DESK))
        db.session.add(Dossier(
            code=f"{DESK}-260615-0999", procedure_id=procedure.id, receiving_agency_id=desk,
            channel=Channel.ONLINE, status=DossierStatus.SUBMITTED, applicant_name="A",
            data={}, version=1, result_channel=Channel.ONLINE,
            received_at=utc(local(2026, 6, 15, 9, 30)), submitted_at=utc(local(2026, 6, 15))))
        db.session.commit()
    after = _get(client)
    count = r'Hồ sơ tiếp nhận</span>\s*<span class="[^"]*">(\d+)</span>'
    assert int(re.search(count, after.text).group(1)) == \
        int(re.search(count, before.text).group(1)) + 1


# --- The files --------------------------------------------------------------------------------


def _csv(client, name: str, year: int = 2025) -> list[list[str]]:
    response = _get(client, f"/thong-ke?nam={year}&bang={name}&dang=csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="thong-ke-{name}-{year}.csv"' in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def _number(text: str) -> float | None:
    return float(text) if text else None


def _check_figures(line: dict, figures: dict) -> None:
    plain = _plain_expected(figures)
    assert int(line["Tiếp nhận: Trực tuyến"]) == plain["received_online"]
    assert int(line["Tiếp nhận: Trực tiếp, bưu chính"]) == plain["received_offline"]
    assert int(line["Tiếp nhận: Tổng"]) == plain["received_online"] + \
        plain["received_offline"]
    assert int(line[f"{DONE}: Số hồ sơ"]) == plain["resolved_online"]
    assert int(line[f"{DONE}: Đúng hạn, trước hạn"]) == plain["in_time_online"]
    share = stats.percent(plain["in_time_online"], plain["resolved_online"])
    assert _number(line[f"{DONE}: Đúng hạn, trước hạn (%)"]) == share
    _count, median, p90 = plain["days"]
    for heading, value in ((f"{DONE}: Thời gian trung vị (ngày)", median),
                           (f"{DONE}: 90% hồ sơ không quá (ngày)", p90)):
        got = _number(line[heading])
        assert got == (None if value is None else pytest.approx(value, abs=0.051)), heading


def test_the_services_file(app, client, fixture_set):
    rows = _csv(client, "dich-vu")
    head, body = rows[0], rows[1:]
    assert head[:4] == ["Mã thủ tục", "Dịch vụ công trực tuyến", "Lĩnh vực", "Mức độ"]
    lines = {row[0]: dict(zip(head, row)) for row in body}
    wanted = expected(fixture_set, 2025)
    with app.app_context():
        codes = dict(db.session.execute(select(Procedure.id, Procedure.code)).all())
    for key, figures in wanted["procedure"].items():
        _check_figures(lines[codes[key]], figures)
    total = dict(zip(head, body[-1]))
    assert total["Dịch vụ công trực tuyến"] == "Tổng cộng"
    _check_figures(total, wanted["total"][None])
    assert lines["1.000689"]["Mức độ"] == "Một phần"


@pytest.mark.parametrize("name, grouping, model", [("linh-vuc", "field", "Field"),
                                                   ("co-quan", "agency", "Agency")])
def test_the_field_and_agency_files(app, client, fixture_set, name, grouping, model):
    from portal import models

    rows = _csv(client, name)
    head, body = rows[0], rows[1:]
    lines = {row[1]: dict(zip(head, row)) for row in body}
    wanted = expected(fixture_set, 2025)[grouping]
    table = getattr(models, model)
    with app.app_context():
        names = dict(db.session.execute(select(table.id, table.name)).all())
    names[None] = "Chưa phân công cơ quan giải quyết"
    assert len(body) == len(wanted) + 1
    for key, figures in wanted.items():
        line = lines[names[key]]
        _check_figures(line, figures)
        assert int(line["Hài lòng chung: Lượt đánh giá"]) == sum(figures["overall"])
        assert int(line["Hài lòng chung: Rất hài lòng"]) == figures["overall"][0]


def test_the_satisfaction_files(app, client, fixture_set):
    rows = _csv(client, "hai-long")
    assert rows[0] == ["Tiêu chí", "Lượt đánh giá", "Rất hài lòng", "Rất hài lòng (%)",
                       "Hài lòng", "Hài lòng (%)", "Chưa hài lòng", "Chưa hài lòng (%)"]
    assert rows[1] == ["Hài lòng chung", "5", "3", "60.0", "1", "20.0", "1", "20.0"]
    assert rows[2] == ["Mức độ thuận tiện", "4", "1", "25.0", "2", "50.0", "1", "25.0"]
    assert rows[4] == ["Thái độ hỗ trợ của cán bộ", "4", "1", "25.0", "2", "50.0", "1",
                       "25.0"]
    by_service = _csv(client, "hai-long-dich-vu")
    head = by_service[0]
    assert head[2:6] == ["Hài lòng chung: Lượt đánh giá", "Hài lòng chung: Rất hài lòng",
                         "Hài lòng chung: Rất hài lòng (%)", "Hài lòng chung: Hài lòng"]
    lines = {row[0]: dict(zip(head, row)) for row in by_service[1:]}
    xd = lines["1.013225"]
    assert xd["Hài lòng chung: Lượt đánh giá"] == "2"
    assert xd["Mức độ đúng hạn: Rất hài lòng (%)"] == "50.0"
    assert xd["Thái độ hỗ trợ của cán bộ: Lượt đánh giá"] == "1"
    assert lines["1.004873"]["Hài lòng chung: Rất hài lòng (%)"] == ""  # nothing rated


@pytest.mark.parametrize("query", ["bang=khong-co&dang=csv", "bang=dich-vu&dang=xlsx",
                                   "bang=dich-vu"])
def test_unknown_tables_and_formats(app, client, fixture_set, query):
    assert _get(client, f"/thong-ke?nam=2025&{query}").status_code == 404


def test_an_empty_year_still_renders(app, client, demo):
    page = _get(client)
    assert page.status_code == 200
    assert "Chưa có lượt đánh giá nào trong năm này." in page.text
    assert _csv(client, "hai-long", 2026)[1] == ["Hài lòng chung", "0", "0", "", "0", "",
                                                 "0", ""]


def test_the_page_is_valid_html(app, client, fixture_set, tmp_path):
    from tests.test_html_valid import validate

    documents = {"stats": _get(client, "/thong-ke?nam=2025").text,
                 "empty": _get(client, "/thong-ke?nam=2024").text}
    assert validate(documents, tmp_path) == {}
