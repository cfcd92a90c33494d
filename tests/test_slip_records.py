"""Slips say the right thing (issue 13 item 7; TT01-FORMS, TT01-M01): Mẫu 01 names the
receiving officer, its register book and number (the same as Mẫu 06 gives) and the papers
as received at the desk; Mẫu 04 is signed by the head of the agency, as administrators set
it. Read back from the PDFs the portal serves."""
from __future__ import annotations

import io
import re
from datetime import timedelta

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, or_, select

from portal import clock
from portal.models import Dossier, Procedure
from tests.conftest import login
from tests.dossier_support import JPEG, component_ids
from tests.test_dossiers import _submitted

RECEIVER = "Trần Văn Tiếp"  # motcua@demo.local


def _client(app, email: str):
    client = app.test_client()
    login(client, email)
    return client


def _text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return " ".join(" ".join(page.extract_text() for page in PdfReader(
        io.BytesIO(response.data)).pages).split())


def register_at_desk(app, session, desk) -> str:
    """A birth registration filed at the desk by the ``desk`` client, the original of the
    first paper and a copy of the second scanned; its code."""
    birth = session.scalar(select(Procedure.id).where(Procedure.code == "1.001193"))
    made = desk.post("/mot-cua/tiep-nhan", data={
        "thu-tuc": str(birth), "kenh": "1", "ho-ten": "Đinh Văn Quầy", "dia-chi": "Thôn Đông"})
    code = made.headers["Location"].rsplit("/", 1)[-1]
    for component, paper in zip(component_ids(app, "1.001193")[:2], ("ban-chinh", "ban-sao")):
        assert desk.post(f"/mot-cua/ho-so/{code}/ban-quet/{component}", data={
            "tep": (io.BytesIO(JPEG), "ban-quet.jpg"), "loai-ban": paper},
            content_type="multipart/form-data").status_code == 303
    return code


def _walk_in(app, session, desk) -> str:
    """A dossier filed at the desk (:func:`register_at_desk`), then accepted."""
    code = register_at_desk(app, session, desk)
    assert desk.post(f"/mot-cua/ho-so/{code}/thao-tac/tiep-nhan").status_code == 303
    return code


def _book_number(session, code: str) -> tuple[str, int]:
    """The dossier's place among those its desk received that year, counted independently."""
    session.rollback()
    dossier = session.scalar(select(Dossier).where(Dossier.code == code))
    local = clock.local(dossier.received_at)
    start = local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    number = session.scalar(select(func.count()).select_from(Dossier).where(
        Dossier.receiving_agency_id == dossier.receiving_agency_id,
        Dossier.received_at >= start,
        or_(Dossier.received_at < dossier.received_at,
            (Dossier.received_at == dossier.received_at) & (Dossier.id <= dossier.id))))
    return str(local.year), number


def test_a_desk_receipt_names_the_officer_the_book_and_the_papers(app, session, demo):
    desk = _client(app, "motcua@demo.local")
    code = _walk_in(app, session, desk)
    text = _text(desk.get(f"/mot-cua/ho-so/{code}/mau-01.pdf"))
    book, number = _book_number(session, code)
    assert f"Vào Sổ theo dõi hồ sơ, Quyển số: {book} Số thứ tự: {number}" in text
    assert re.search(rf"NGƯỜI TIẾP NHẬN HỒ SƠ .*{RECEIVER}", text)
    assert "NGƯỜI NỘP HỒ SƠ" in text and "Đinh Văn Quầy" in text
    assert "(bản chính, 1 tệp bản quét)" in text and "(bản sao, 1 tệp bản quét)" in text
    assert "bản điện tử" not in text


def test_the_register_gives_the_same_book_and_number(app, session, demo):
    desk = _client(app, "motcua@demo.local")
    code = _walk_in(app, session, desk)
    book, number = _book_number(session, code)
    session.rollback()
    received = clock.local(session.scalar(select(Dossier.received_at).where(
        Dossier.code == code))).date()
    period = f"tu={received.replace(day=1)}&den={received}"
    pdf = _text(desk.get(f"/mot-cua/so-theo-doi?{period}&dang=pdf"))
    assert f"Quyển số: {book}" in pdf
    assert re.search(rf"\b{number} {re.escape(code[:14])}", pdf)
    sheet = load_workbook(io.BytesIO(desk.get(
        f"/mot-cua/so-theo-doi?{period}&dang=xlsx").data)).active
    rows = {sheet.cell(row, 2).value: sheet.cell(row, 1).value
            for row in range(5, sheet.max_row + 1)}
    assert rows[code] == number


def test_an_online_receipt_says_who_received_it(app, client, session, demo):
    code = _submitted(app, client).code
    before = _text(client.get(f"/ho-so/{code}/giay-tiep-nhan.pdf"))
    assert "Tiếp nhận trực tuyến, chờ cán bộ kiểm tra" in before
    assert "bản điện tử, 1 tệp" in before  # files sent online are electronic copies
    desk = _client(app, "motcua@demo.local")
    assert desk.post(f"/mot-cua/ho-so/{code}/thao-tac/tiep-nhan").status_code == 303
    after = _text(client.get(f"/ho-so/{code}/giay-tiep-nhan.pdf"))
    assert RECEIVER in after and "chờ cán bộ kiểm tra" not in after
    book, number = _book_number(session, code)
    assert f"Quyển số: {book} Số thứ tự: {number}" in after


def test_the_apology_is_signed_by_the_head_set_in_the_settings(app, client, session, demo):
    admin = _client(app, "quantri@demo.local")
    page = admin.get("/quan-tri/thong-tin").get_data(as_text=True)
    assert "Chức vụ của thủ trưởng cơ quan" in page
    assert admin.post("/quan-tri/thong-tin", data={
        "authority_name": app.config["AUTHORITY_NAME"],
        "authority_address": app.config["AUTHORITY_ADDRESS"],
        "authority_phone": app.config["AUTHORITY_PHONE"],
        "feedback_email": app.config["FEEDBACK_EMAIL"], "slip_place": app.config["SLIP_PLACE"],
        "head_title": "Chủ tịch", "head_name": "Nguyễn Văn Trưởng"}).status_code == 303
    code = _submitted(app, client).code
    assert _client(app, "motcua@demo.local").post(
        f"/mot-cua/ho-so/{code}/thao-tac/tiep-nhan").status_code == 303
    officer = _client(app, "chuyenvien@demo.local")
    assert officer.post(f"/mot-cua/ho-so/{code}/thao-tac/phan-cong").status_code == 303
    session.rollback()
    due = session.scalar(select(Dossier.due_date).where(Dossier.code == code))
    new_due = due + timedelta(days=7)
    while new_due.weekday() >= 5:
        new_due += timedelta(days=1)
    assert officer.post(f"/mot-cua/ho-so/{code}/thao-tac/gia-han", data={
        "ngay-hen": new_due.isoformat(), "ly-do": "Cần xác minh thêm"}).status_code == 303
    text = _text(client.get(f"/ho-so/{code}/mau-04.pdf"))
    assert "CHỦ TỊCH (Ký, ghi rõ họ tên và đóng dấu) Nguyễn Văn Trưởng" in text
    assert "THỦ TRƯỞNG CƠ QUAN" not in text and "Lê Thị Xử Lý" not in text
