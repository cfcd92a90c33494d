"""Vietnamese search: tone marks and case ignored, partial words, ranking, htmx."""
from __future__ import annotations

import re

import pytest

from sqlalchemy import select

from portal.models import Procedure, SearchKind
from portal.services import search
from portal.services.catalog_io import import_procedures
from tests.conftest import htmx_headers
from tests.test_catalog_io import GOOD


def first_procedure(client, q: str) -> str | None:
    html = client.get("/tim-kiem/", query_string={"q": q}).get_data(as_text=True)
    codes = re.findall(r'<h3 class="portal-result__title"><a href="/thu-tuc/([0-9.]+)"', html)
    return codes[0] if codes else None


@pytest.mark.parametrize("q", ["dang ky khai sinh", "Đăng ký khai sinh", "DANG KY KHAI SINH",
                               "  đăng   KÝ khai SINH ", "khai sinh", "sinh khai dang ky"])
def test_the_same_procedure_comes_first_however_it_is_typed(client, demo, q):
    assert first_procedure(client, q) == "1.001193"


def test_d_stroke_folds_to_d(client, demo):
    assert first_procedure(client, "dat dai") in {"1.012812", "1.013978"}
    assert first_procedure(client, "Đất đai") in {"1.012812", "1.013978"}


def test_partial_words_match(client, demo):
    assert first_procedure(client, "ket ho") == "1.000894"  # kết hôn
    assert first_procedure(client, "giay phep xay") is not None


def test_old_and_new_tone_placement_match(client, session):
    import_procedures(session, [GOOD | {"code": "1.000501", "name": "Cấp phép khai thác thuỷ sản"},
                                GOOD | {"code": "1.000502", "name": "Đăng ký hoà giải viên"}],
                      publish=True)
    session.commit()
    assert first_procedure(client, "thủy sản") == "1.000501"
    assert first_procedure(client, "thuỷ sản") == "1.000501"
    assert first_procedure(client, "hòa giải") == "1.000502"


def test_name_matches_rank_above_body_matches(client, session):
    import_procedures(session, [
        GOOD | {"code": "1.000601", "name": "Thủ tục A", "result": "Giấy chứng nhận nuôi ong"},
        GOOD | {"code": "1.000602", "name": "Đăng ký nuôi ong"},
    ], publish=True)
    session.commit()
    assert first_procedure(client, "nuoi ong") == "1.000602"


def test_search_by_code(client, demo):
    assert first_procedure(client, "1.004873") == "1.004873"


def test_no_match_for_all_words_falls_back_to_any_word(client, demo):
    html = client.get("/tim-kiem/?q=khai+sinh+xyzxyz").get_data(as_text=True)
    assert "khớp một phần" in html and "/thu-tuc/1.001193" in html


def test_empty_state_helps(client, demo):
    html = client.get("/tim-kiem/?q=zzzqqq").get_data(as_text=True)
    assert "Không tìm thấy kết quả" in html
    assert "Thủ tục được dùng nhiều" in html and "/thu-tuc/1.001193" in html


def test_search_finds_guides_and_faq_too(client, demo):
    html = client.get("/tim-kiem/?q=khai+sinh").get_data(as_text=True)
    assert "/huong-dan/" in html and "/hoi-dap/" in html


def test_search_page_full_and_fragment(client, demo):
    full = client.get("/tim-kiem/?q=khai+sinh")
    assert "<html" in full.get_data(as_text=True) and "HX-Request" in full.headers["Vary"]
    fragment = client.get("/tim-kiem/?q=khai+sinh", headers=htmx_headers())
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<section id="results"')
    assert 'id="results-status"' in html and "thủ tục phù hợp" in html  # announced
    assert fragment.headers["HX-Push-Url"] == "/tim-kiem/?q=khai+sinh"


def test_search_page_without_query(client, demo):
    html = client.get("/tim-kiem/").get_data(as_text=True)
    assert 'name="q"' in html and "Thủ tục được dùng nhiều" in html


def test_matching_is_done_by_the_database_index(app, session, demo):
    """Not a scan in Python: the statement queries FTS5 (SQLite) or a tsvector (PostgreSQL)."""
    sql = str(search.matches(session, search.Query.parse("khai sinh"), (SearchKind.PROCEDURE,)))
    assert ("search_document_fts MATCH" in sql) or ("@@ to_tsquery" in sql)
    assert search.find(session, "khai sinh").ids(SearchKind.PROCEDURE)


def test_one_search_finds_every_kind(session, demo):
    found = search.find(session, "ket hon")
    assert found.ids(SearchKind.PROCEDURE)[0] == session.scalar(
        select(Procedure.id).where(Procedure.code == "1.000894"))
    assert found.ids(SearchKind.FAQ) and found.ids(SearchKind.GUIDE)
    assert not found.relaxed


def test_unpublishing_removes_from_the_index(client, session, demo):
    procedure = session.scalar(select(Procedure).where(Procedure.code == "1.001193"))
    procedure.published = False
    search.index_procedure(session, procedure)
    session.commit()
    assert first_procedure(client, "dang ky khai sinh") != "1.001193"


def test_rebuild_indexes_everything(session, demo):
    count = search.rebuild(session)
    session.commit()
    assert count >= 46 + 10 + 32
    assert search.find(session, "ket hon", (SearchKind.FAQ,)).ids(SearchKind.FAQ)


def test_query_parsing_keeps_words_only():
    assert search.Query.parse("Đăng-ký (khai sinh)!").words == ("dang", "ky", "khai", "sinh")
    assert not search.Query.parse("  ?? ")
    assert len(search.Query.parse(" ".join(["a"] * 50)).words) == search.MAX_TOKENS
