"""Input is typed at the edge (issue 13, portal/edge.py): form bodies only, integers that fit
the database, no NUL."""
from __future__ import annotations

import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.edge import FILE_PARTS, INT32_MAX, parse_int
from tests.conftest import login
from tests.dossier_support import BIRTH, start_draft

HUGE_IDS = ["2147483648", "99999999999", "9" * 30, "9" * 5000]


# --- integers ------------------------------------------------------------------------------

@given(st.text())
def test_parse_int_never_raises_and_stays_in_bounds(raw):
    value = parse_int(raw)
    assert value is None or 0 <= value <= INT32_MAX


@pytest.mark.parametrize("raw", ["²", "①", "٣", "-1", "1e3", " ", "9" * 5000, "2147483648"])
def test_parse_int_refuses_what_int_or_the_database_cannot_take(raw):
    assert parse_int(raw) is None


def test_parse_int_reads_plain_numbers():
    assert parse_int(" 42 ") == 42 and parse_int("2147483647") == INT32_MAX
    assert parse_int("0", 1, minimum=1) == 1


@pytest.mark.parametrize("number", HUGE_IDS + ["٣"])
def test_ids_beyond_32_bits_in_a_path_are_not_found(client, number):
    """The bounded ``<int:…>`` converter: a clean 404, never the database's overflow."""
    login(client, "quantri@demo.local")
    assert client.get(f"/quan-tri/thu-tuc/{number}").status_code == 404
    assert client.post(f"/quan-tri/thu-tuc/{number}/nhan-ban").status_code == 404
    assert client.get(f"/cong-viec/{number}").status_code == 404


@pytest.mark.parametrize("query", ["kenh=99999999999", "kenh=7", "kenh=²", "trang=²",
                                   "trang=99999999999999999999", "thu-tuc=" + "9" * 5000,
                                   "linh-vuc=-1"])
def test_inbox_filters_out_of_range_are_ignored(client, demo, query):
    """``GET /mot-cua?kenh=99999999999`` answered 500 (issue 13)."""
    login(client, "motcua@demo.local")
    assert client.get(f"/mot-cua?{query}").status_code == 200


@pytest.mark.parametrize("path", ["/quan-tri/nhat-ky?trang=" + "9" * 40,
                                  "/quan-tri/thu-tuc?trang=²&linh-vuc=" + "9" * 40])
def test_admin_lists_ignore_page_numbers_beyond_the_database(client, demo, path):
    """A page number whose offset passed 64 bits overflowed SQLite's INTEGER (500)."""
    login(client, "quantri@demo.local")
    assert client.get(path).status_code == 200


def test_the_calendar_of_a_year_in_other_digits_shows_this_year(client, demo):
    """``?nam=²²²²`` passed ``isdigit()`` and ``len() == 4`` into ``int()``: a 500."""
    login(client, "quantri@demo.local")
    assert client.get("/quan-tri/lich-lam-viec?nam=²²²²").status_code == 200


def test_a_new_form_for_an_impossible_procedure_id_is_refused_with_a_message(client, demo):
    login(client, "quantri@demo.local")
    response = client.post("/quan-tri/bieu-mau/moi", data={"procedure": "9" * 40})
    assert response.status_code == 422


@pytest.mark.parametrize("query", ["nam=²", "nam=" + "9" * 5000, "nam=99999999999"])
def test_statistics_of_an_impossible_year_are_not_found(client, query):
    assert client.get(f"/thong-ke?{query}").status_code == 404


@pytest.mark.parametrize("path", ["/tim-kiem/?q=khai+sinh&trang=99999999999999999999",
                                  "/phan-anh-kien-nghi?trang=²"])
def test_page_numbers_out_of_range_are_ignored(client, path):
    assert client.get(path).status_code == 200


# --- bodies ----------------------------------------------------------------------------------

def test_a_json_body_is_refused_before_any_validator(client):
    response = client.post("/tai-khoan/dang-nhap", json={"identifier": ["x"], "password": 1})
    assert response.status_code == 400
    assert "chỉ nhận dữ liệu gửi từ biểu mẫu" in response.text


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml"])
def test_other_body_types_are_refused(client, content_type):
    response = client.post("/tai-khoan/dang-nhap", data=b"identifier=a",
                           content_type=content_type)
    assert response.status_code == 400


def test_a_file_where_text_is_expected_is_refused(client):
    """A file part under a text field's name reached ``str`` validators (issue 13)."""
    response = client.post("/hoi-dap/dat-cau-hoi", data={
        "email": (io.BytesIO(b"x"), "a.txt"), "question": "Hỏi gì đó?"})
    assert response.status_code == 400 and "không nhận tệp" in response.text


def test_a_part_with_an_unreadable_name_is_refused(client):
    response = client.post("/tai-khoan/dang-nhap", data={"\r": "x"},
                           content_type="multipart/form-data")
    assert response.status_code == 400


def test_the_views_that_take_files_exist(app):
    """A renamed view would lose its files to the edge's refusal: the list must follow."""
    assert set(FILE_PARTS) <= set(app.view_functions)


def test_files_are_still_taken_where_the_form_has_a_file_field(client, demo):
    """``feedback.send`` takes attachments under ``tep``: no refusal at the edge."""
    response = client.post("/phan-anh-kien-nghi/gui", data={
        "tep": (io.BytesIO(b"%PDF-1.4\n"), "a.pdf"), "subject": ""})
    assert response.status_code == 422  # the form's own messages, not the edge's 400


@pytest.mark.parametrize("request_args", [
    {"path": "/tim-kiem/?q=a%00b", "method": "GET"},
    {"path": "/thu-tuc/a%00b", "method": "GET"},
    {"path": "/tra-cuu", "method": "POST", "data": {"ma": "a\x00b", "xac-thuc": "1"}},
])
def test_nul_is_refused_anywhere(client, request_args):
    """PostgreSQL cannot hold or compare text with NUL: it used to answer 500 there."""
    assert client.open(**request_args).status_code == 400


def test_a_draft_whose_province_is_in_other_digits_still_opens(client, demo):
    """A crafted save stores "²" as the province; every page showing the draft then 500s."""
    login(client, "congdan@demo.local")
    token = start_draft(client, BIRTH)
    page = client.get(f"/nop-ho-so/nhap/{token}").get_data(as_text=True)
    revision = re.search(r'name="_revision" value="(\d+)"', page).group(1)
    client.post(f"/nop-ho-so/nhap/{token}",
                data={"_revision": revision, "nyc_noi_cu_tru-tinh": "²"})
    assert client.get(f"/nop-ho-so/nhap/{token}/xem-lai").status_code == 200


@pytest.mark.parametrize("field", ["ket-qua", "tai-lieu"])
@pytest.mark.parametrize("value", ["²", "9" * 30, "-1"])
def test_reusing_a_paper_with_a_number_no_row_has_is_refused_in_words(
        client, demo, field, value):
    from tests.dossier_support import component_ids

    login(client, "congdan@demo.local")
    token = start_draft(client, BIRTH)
    component = component_ids(client.application, BIRTH)[0]
    reply = client.post(f"/nop-ho-so/nhap/{token}/giay-to/{component}/dung-lai",
                        data={field: value})
    assert reply.status_code == 422  # refused in words on the papers page, never a 500
