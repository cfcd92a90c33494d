"""The catalogue (/thu-tuc) and procedure pages, as full pages and as htmx fragments."""
from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import select, update

from portal.extensions import db
from portal.models import Procedure
from portal.services.catalog_io import import_procedures
from tests.conftest import htmx_headers
from tests.test_catalog_io import GOOD

DEMO_FILE = Path(__file__).resolve().parent.parent / "portal" / "data" / "demo" / "procedures.json"
DEMO_CODES = [r["code"] for r in json.loads(DEMO_FILE.read_text("utf-8"))]


def text_of(response) -> str:
    """The visible text of a page, tags removed and spaces collapsed."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def procedure_links(response) -> list[str]:
    return re.findall(r'href="/thu-tuc/([0-9.]+)"', response.get_data(as_text=True))


def test_catalogue_full_page_lists_published_procedures(client, demo):
    response = client.get("/thu-tuc/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" in html and 'id="results"' in html
    assert "Tìm thấy 46 thủ tục" in text_of(response)
    assert len(procedure_links(response)) == 20  # first page
    assert "HX-Request" in response.headers["Vary"]


def test_catalogue_fragment_is_only_the_results_region(client, demo):
    response = client.get("/thu-tuc/?linh-vuc=ho-tich", headers=htmx_headers())
    html = response.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<section id="results"')
    assert 'data-hx-swap-oob="innerHTML"' in html  # the count is announced to screen readers
    assert response.headers["HX-Push-Url"] == "/thu-tuc/?linh-vuc=ho-tich"
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize("headers", [
    {"HX-Request": "true", "HX-Boosted": "true"},
    {"HX-Request": "true", "HX-History-Restore-Request": "true"},
])
def test_boosted_and_history_requests_get_the_whole_page(client, demo, headers):
    html = client.get("/thu-tuc/", headers=headers).get_data(as_text=True)
    assert "<html" in html


def test_push_url_keeps_only_filters_in_use(client, demo):
    response = client.get("/thu-tuc/?tu-khoa=&linh-vuc=ho-tich&co-quan=&muc-do=&doi-tuong="
                          "&sap-xep=&trang=1", headers=htmx_headers())
    assert response.headers["HX-Push-Url"] == "/thu-tuc/?linh-vuc=ho-tich"


@pytest.mark.parametrize(("query", "expected", "excluded"), [
    ("linh-vuc=ho-tich", "1.001193", "2.000815"),
    ("co-quan=000.03.99.H49", "1.001612", "1.001193"),  # Phòng Kinh tế
    ("muc-do=toan-trinh", "1.001193", "1.000689"),
    ("muc-do=mot-phan", "1.000689", "1.001193"),
    ("doi-tuong=to-chuc&linh-vuc=hoa-giai-o-co-so", "1.002211", "1.001193"),
    ("doi-tuong=ca-nhan&linh-vuc=ho-tich", "1.001193", "1.012590"),
])
def test_filters(client, demo, query, expected, excluded):
    codes = procedure_links(client.get(f"/thu-tuc/?{query}"))
    assert expected in codes and excluded not in codes


def test_keyword_puts_name_matches_first(client, demo):
    codes = procedure_links(client.get("/thu-tuc/?tu-khoa=chung+thuc"))
    assert set(codes[:5]) == {"2.000815", "2.000884", "2.001035", "2.001019", "2.000942"}


def test_filters_combine(client, demo):
    codes = procedure_links(client.get("/thu-tuc/?linh-vuc=ho-tich&muc-do=mot-phan"))
    assert codes and "1.001193" not in codes and "1.000689" in codes


def test_sorting_and_pagination(client, demo):
    by_code = procedure_links(client.get("/thu-tuc/?sap-xep=ma"))
    assert by_code == sorted(by_code)
    popular = procedure_links(client.get("/thu-tuc/?sap-xep=pho-bien"))
    assert popular[0] == "1.001193"
    page2 = client.get("/thu-tuc/?trang=2")
    assert len(procedure_links(page2)) == 20
    assert set(procedure_links(page2)).isdisjoint(procedure_links(client.get("/thu-tuc/")))
    page3 = procedure_links(client.get("/thu-tuc/?trang=3"))
    assert len(page3) == 6
    # A page past the end shows the last page rather than nothing.
    assert procedure_links(client.get("/thu-tuc/?trang=99")) == page3


def test_names_sort_in_vietnamese_order(client, demo):
    html = client.get("/thu-tuc/?linh-vuc=ho-tich&sap-xep=ten").get_data(as_text=True)
    names = re.findall(r'<h3 class="portal-result__title"><a href="[^"]+">([^<]+)</a>', html)
    from portal.text import sort_key

    assert names == sorted(names, key=sort_key)


def test_bad_filter_values_are_ignored_not_errors(client, demo):
    response = client.get("/thu-tuc/?trang=abc&muc-do=muc-x&doi-tuong=ai&sap-xep=zzz")
    assert response.status_code == 200
    assert "Tìm thấy 46 thủ tục" in text_of(response)


def test_unpublished_procedures_are_hidden(client, demo, app):
    with app.app_context():
        db.session.execute(update(Procedure).where(Procedure.code == "1.001193")
                           .values(published=False))
        db.session.commit()
    assert "1.001193" not in procedure_links(client.get("/thu-tuc/"))
    assert client.get("/thu-tuc/1.001193").status_code == 404


@pytest.mark.no_page_cache
def test_list_uses_a_fixed_number_of_queries(client, demo, count_queries, app):
    client.get("/thu-tuc/")  # warm up
    with count_queries() as small:
        client.get("/thu-tuc/?linh-vuc=nuoi-con-nuoi")
    with count_queries() as large:
        client.get("/thu-tuc/")
    # Agencies, levels, fields, count, page, channels; the layout's site settings and
    # maintenance banner; SQLite's BEGIN. None of them grows with the list.
    assert small["n"] == large["n"] <= 9


@pytest.mark.parametrize("code", DEMO_CODES)
def test_every_procedure_page_shows_the_11_items(client, demo, code):
    """TT32-LV1-01 … -11 on every published procedure page."""
    response = client.get(f"/thu-tuc/{code}")
    assert response.status_code == 200
    text = text_of(response)
    for heading in ("Trình tự thực hiện", "Cách thức thực hiện", "Thành phần, số lượng hồ sơ",
                    "Thời hạn giải quyết", "Đối tượng thực hiện", "Cơ quan thực hiện",
                    "Kết quả thực hiện", "Phí, lệ phí", "Mẫu đơn, tờ khai", "Yêu cầu, điều kiện",
                    "Hình thức nộp hồ sơ và nhận kết quả", "Căn cứ pháp lý"):
        assert heading in text, heading
    assert "Chưa có thông tin" not in text  # the demo data is complete
    assert re.search(r"\d+/\d{4}/", text)  # a legal document number


def test_procedure_page_details(client, demo):
    text = text_of(client.get("/thu-tuc/1.001193"))
    assert "Thủ tục đăng ký khai sinh" in text and "Trực tuyến toàn trình" in text
    assert "Trong ngày làm việc" in text  # processing time in working days
    assert "Trực tiếp" in text and "Trực tuyến" in text
    assert "Cập nhật" in text
    text = text_of(client.get("/thu-tuc/1.004873"))
    assert "3 ngày làm việc" in text


def test_fees_are_formatted_the_vietnamese_way(client, demo):
    text = text_of(client.get("/thu-tuc/2.000635"))  # copies of civil-status extracts
    assert "8.000 đồng" in text


def test_none_is_shown_explicitly(client, session):
    import_procedures(session, [GOOD | {"code": "1.000777", "forms": [], "requirements": None,
                                        "fees": None}], publish=True)
    session.commit()
    text = text_of(client.get("/thu-tuc/1.000777"))
    assert text.count("Không có") >= 3  # fees, forms, requirements


def test_procedure_page_has_structured_data_and_its_own_title(client, demo):
    html = client.get("/thu-tuc/1.001193").get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html,
                                re.S).group(1))
    assert data["@type"] == "GovernmentService" and data["identifier"] == "1.001193"
    assert "<title>Thủ tục đăng ký khai sinh – " in html
    assert '<link rel="canonical" href="http://localhost/thu-tuc/1.001193">' in html


@pytest.mark.no_page_cache
def test_procedure_detail_uses_a_fixed_number_of_queries(client, demo, count_queries):
    client.get("/thu-tuc/1.001193")
    with count_queries() as few:
        client.get("/thu-tuc/1.002211")
    with count_queries() as many:
        client.get("/thu-tuc/1.001193")
    assert few["n"] == many["n"] <= 14


def test_procedure_can_be_saved_as_a_document(client, demo):
    response = client.get("/thu-tuc/1.001193/tai-ve")
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data[:2] == b"PK"  # a .docx is a zip


def test_forms_can_be_downloaded(client, demo, session):
    """TT32-LV2: each listed form has a working download link."""
    procedure = session.scalar(select(Procedure).where(Procedure.code == "1.001193"))
    form = procedure.form_files[0]
    html = client.get("/thu-tuc/1.001193").get_data(as_text=True)
    url = f"/thu-tuc/1.001193/bieu-mau/{form.id}"
    assert url in html
    with client.get(url) as response:
        assert response.status_code == 200
        assert response.mimetype.endswith("wordprocessingml.document")
        assert response.headers["Content-Disposition"].startswith("attachment")
    assert client.get("/thu-tuc/1.001193/bieu-mau/999999").status_code == 404


def test_no_call_to_action_where_the_procedure_has_no_e_form_yet(client, demo):
    """Provided online, but its form is not an e-form here yet: no button to nowhere."""
    assert "Nộp hồ sơ trực tuyến</a>" not in client.get("/thu-tuc/2.000635").get_data(True)


def test_online_call_to_action_appears_where_the_service_allows_it(client, demo):
    html = client.get("/thu-tuc/1.001193").get_data(as_text=True)
    assert 'href="/nop-ho-so/1.001193">Nộp hồ sơ trực tuyến</a>' in html
    # Not offered where the service is not provided online.
    assert "Nộp hồ sơ trực tuyến</a>" not in client.get("/thu-tuc/2.000815").get_data(True)


def test_unknown_procedure_is_404(client, demo):
    assert client.get("/thu-tuc/9.999999").status_code == 404


@pytest.mark.no_page_cache
def test_home_uses_a_fixed_number_of_queries(client, demo, count_queries, session):
    client.get("/")
    with count_queries() as before:
        client.get("/")
    records = [GOOD | {"code": f"1.0009{i:02d}", "name": f"Thủ tục thử {i}",
                       "field": f"Lĩnh vực thử {i % 7}"} for i in range(30)]
    import_procedures(session, records, publish=True)
    for procedure in session.scalars(select(Procedure).where(Procedure.code.like("1.0009%"))):
        procedure.popularity = 10_000
    session.commit()
    with count_queries() as after:
        html = client.get("/").get_data(as_text=True)
    assert "Thủ tục thử" in html and "Lĩnh vực thử 3" in html  # the new rows are shown
    assert before["n"] == after["n"]


@pytest.mark.no_page_cache
@pytest.mark.parametrize("paths", [("/tim-kiem/?q=ho+tich", "/tim-kiem/?q=khai+sinh"),
                                   ("/huong-dan/dang-ky-khai-sinh-truc-tuyen",
                                    "/huong-dan/dang-ky-ho-kinh-doanh")])
def test_other_lists_use_a_fixed_number_of_queries(client, demo, count_queries, paths):
    client.get(paths[0])
    with count_queries() as first:
        client.get(paths[0])
    with count_queries() as second:
        client.get(paths[1])
    assert first["n"] == second["n"] <= 12
