"""The one-stop slips (TT01-M01, TT01-SIZE, TT01-19.2): read back with pypdf, no app needed."""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import unicodedata
from dataclasses import replace
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
import segno
from fpdf import FPDF
from pypdf import PdfReader

from portal.services.form_documents import FONT_DIR
from portal.services.slips import (
    COPY_APPLICANT, COPY_ARCHIVE, FONT, FONT_FILES, MARGIN_RIGHT, QR_CAPTION, ReceiptFacts,
    SlipHeader, qr_svg, receipt_pdf, slip_date_line, slip_datetime)

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
MM = 72 / 25.4
TRACKING = "https://dvc.minhhoa.gov.vn/tra-cuu/000.01.99.H49-250715-0001"
LONG = ("Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt, cấp I, cấp II (công trình "
        "không theo tuyến, theo tuyến trong đô thị, tín ngưỡng, tôn giáo, tượng đài, tranh hoành "
        "tráng, theo giai đoạn cho công trình không theo tuyến và theo tuyến trong đô thị, dự án) "
        "thuộc thẩm quyền của Ủy ban nhân dân cấp tỉnh")


def make_facts(**overrides) -> ReceiptFacts:
    """A receipt of Minh Họa commune, received online at 08:37 on 20/11/2026."""
    facts = ReceiptFacts(
        header=SlipHeader("Ủy ban nhân dân xã Minh Họa", "Trung tâm Phục vụ hành chính công",
                          "Minh Họa"),
        code="000.01.99.H49-250715-0001",
        procedure="Đăng ký khai sinh",
        applicant_name="Nguyễn Thị Hồng Nhung",
        applicant_address="Thôn Đông Hòa, xã Minh Họa",
        applicant_phone="0912 345 678",
        applicant_email="nhung@example.vn",
        components=[("Tờ khai đăng ký khai sinh", "01 bản chính"),
                    ("Giấy chứng sinh", "01 bản sao"),
                    ("Tờ khai thay đổi thông tin cư trú", "bản điện tử")],
        processing_time="03 ngày làm việc",
        received_at=datetime(2026, 11, 20, 1, 37, tzinfo=timezone.utc),
        due_at=datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc),
        result_place="Trung tâm Phục vụ hành chính công xã Minh Họa",
        tracking_url=TRACKING,
    )
    return replace(facts, **overrides)


def read(facts: ReceiptFacts) -> PdfReader:
    return PdfReader(io.BytesIO(receipt_pdf(facts, VIETNAM)))


def page_texts(reader: PdfReader) -> list[str]:
    return [page.extract_text() for page in reader.pages]


def flat(text: str) -> str:
    """The text with line breaks and runs of spaces as single spaces, as wrapping leaves it."""
    return " ".join(text.split())


def test_slip_datetime_is_in_the_given_zone():
    moment = datetime(2026, 11, 20, 1, 37, tzinfo=timezone.utc)
    assert slip_datetime(moment, VIETNAM) == "08 giờ 37 phút, ngày 20 tháng 11 năm 2026"
    new_year = datetime(2026, 12, 31, 17, 5, tzinfo=timezone.utc)
    assert slip_datetime(new_year, VIETNAM) == "00 giờ 05 phút, ngày 01 tháng 01 năm 2027"


def test_slip_datetime_refuses_a_naive_time():
    with pytest.raises(ValueError):
        slip_datetime(datetime(2026, 11, 20, 8, 37), VIETNAM)


def test_slip_date_line():
    assert slip_date_line("Minh Họa", date(2026, 11, 20)) == "Minh Họa, ngày 20 tháng 11 năm 2026"


def test_receipt_is_one_a5_page_with_the_form_text():
    reader = read(make_facts())
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(419.53, abs=0.1)
    assert float(box.height) == pytest.approx(595.28, abs=0.1)
    text = flat(page_texts(reader)[0])
    for expected in (
            "ỦY BAN NHÂN DÂN XÃ MINH HỌA", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
            "Minh Họa, ngày 20 tháng 11 năm 2026",
            "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Mã hồ sơ: 000.01.99.H49-250715-0001",
            "Trung tâm Phục vụ hành chính công tiếp nhận hồ sơ của: Ông/Bà Nguyễn Thị Hồng Nhung",
            "Địa chỉ: Thôn Đông Hòa, xã Minh Họa", "Số điện thoại: 0912 345 678",
            "Email: nhung@example.vn", "Nội dung yêu cầu giải quyết: Đăng ký khai sinh",
            "1. Thành phần hồ sơ nộp gồm:", "1. Tờ khai đăng ký khai sinh (01 bản chính)",
            "2. Giấy chứng sinh (01 bản sao)", "3. Tờ khai thay đổi thông tin cư trú (bản điện tử)",
            "2. Số lượng hồ sơ: 01 bộ",
            "3. Thời gian giải quyết hồ sơ theo quy định là: 03 ngày làm việc",
            "4. Thời gian nhận hồ sơ: 08 giờ 37 phút, ngày 20 tháng 11 năm 2026",
            "5. Thời gian trả kết quả giải quyết hồ sơ: 17 giờ 00 phút, ngày 25 tháng 11 năm 2026",
            "6. Đăng ký nhận kết quả tại: Trung tâm Phục vụ hành chính công xã Minh Họa",
            "Vào Sổ theo dõi hồ sơ, Quyển số:", "Số thứ tự:",
            "NGƯỜI TIẾP NHẬN HỒ SƠ", "cấp điện tử qua Cổng Dịch vụ công", COPY_APPLICANT,
            QR_CAPTION):
        assert expected in text


def test_online_receipt_has_no_applicant_signature_and_in_person_has_both():
    online = flat(page_texts(read(make_facts()))[0])
    assert "NGƯỜI NỘP HỒ SƠ" not in online
    assert "(Ký và ghi rõ họ tên)" not in online
    desk = flat(page_texts(read(make_facts(issued_online=False, officer="Trần Văn Bình",
                                           register_book="01/2026",
                                           register_number="1234")))[0])
    assert "NGƯỜI NỘP HỒ SƠ" in desk and "NGƯỜI TIẾP NHẬN HỒ SƠ" in desk
    assert desk.count("(Ký và ghi rõ họ tên)") == 2
    assert "Trần Văn Bình" in desk and "cấp điện tử" not in desk
    assert "Quyển số: 01/2026 Số thứ tự: 1234" in desk


def test_missing_facts_are_dotted_and_no_due_date_defers_to_the_procedure():
    text = flat(page_texts(read(make_facts(applicant_phone=None, applicant_email=None,
                                           due_at=None, sets=2)))[0])
    assert "Số điện thoại: …" in text and "Email: …" in text
    assert "5. Thời gian trả kết quả giải quyết hồ sơ: Theo quy định của thủ tục" in text
    assert "2. Số lượng hồ sơ: 02 bộ" in text


def test_one_page_per_copy_each_labelled():
    texts = page_texts(read(make_facts(copies=(COPY_ARCHIVE, COPY_APPLICANT))))
    assert len(texts) == 2
    assert "Liên 1: Lưu" in texts[0] and "Liên 2" not in texts[0]
    assert "Liên 2: Giao người nộp hồ sơ" in texts[1]
    assert all("GIẤY TIẾP NHẬN HỒ SƠ" in text for text in texts)


def test_text_is_nfc():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hồng Nhung")
    text = flat(page_texts(read(make_facts(applicant_name=decomposed)))[0])
    assert "Nguyễn Thị Hồng Nhung" in text


def long_facts() -> ReceiptFacts:
    return make_facts(
        procedure=LONG, applicant_email="a.very.long.address.with.no.spaces.at.all@minhhoa.gov.vn",
        components=[(f"Thành phần {n}: {LONG}", "01 bản chính") for n in range(1, 13)])


def test_a_long_receipt_wraps_and_flows_onto_more_pages_without_repeating_the_header():
    reader = read(long_facts())
    texts = page_texts(reader)
    assert len(texts) >= 2
    # The copy label tops every page; without it, the pages read as one text.
    text = flat(" ".join(t.replace(COPY_APPLICANT, "") for t in texts))
    assert f"Nội dung yêu cầu giải quyết: {LONG}" in text
    for n in range(1, 13):
        assert f"{n}. Thành phần {n}: {LONG} (01 bản chính)" in text
    assert text.count("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") == 1
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in flat(texts[-1])


def text_runs(reader: PdfReader) -> list[tuple[float, str, str, float]]:
    """(x in pt, text, style, size) of every piece of text shown, from pypdf's visitor."""
    runs = []
    styles = {f"Roboto{name.replace('Regular', '')}": style for style, name in FONT_FILES.items()}

    def visit(text, cm, tm, font, size):
        if text.strip():
            runs.append((tm[4], text, styles[font["/BaseFont"].split("+")[-1]], size))

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    return runs


def test_no_text_runs_past_the_right_margin():
    reader = read(long_facts())
    measure = FPDF(unit="pt")
    for style, name in FONT_FILES.items():
        measure.add_font(FONT, style, str(FONT_DIR / f"Roboto-{name}.ttf"))
    right = float(reader.pages[0].mediabox.width) - MARGIN_RIGHT * MM
    runs = text_runs(reader)
    assert len(runs) > 100
    widths = []
    for x, text, style, size in runs:
        measure.set_font(FONT, style, size)
        widths.append((x + measure.get_string_width(text.rstrip("\n")), text))
    measure.add_page()
    measure.output()  # closes the font files, which fontTools opened lazily
    for end, text in widths:
        assert end <= right + 0.5, text


def qr_modules(reader: PdfReader) -> set[tuple[int, int]]:
    """The dark modules of the QR code drawn on page 1, read back from its filled rectangles."""
    content = reader.pages[0].get_contents().get_data().decode("latin-1")
    rects = [tuple(map(float, found)) for found in re.findall(
        r"([\d.]+) ([\d.]+) ([\d.]+) (-[\d.]+) re f", content)]
    module = -rects[0][3]
    left = min(x for x, _, _, _ in rects)
    top = max(y for _, y, _, _ in rects)
    dark = set()
    for x, y, width, _ in rects:
        row, col = round((top - y) / module), round((x - left) / module)
        dark.update((row, col + step) for step in range(round(width / module)))
    return dark


def test_the_pdf_qr_code_is_segnos_matrix_of_the_tracking_url():
    matrix = segno.make_qr(TRACKING, error="m").matrix
    expected = {(r, c) for r, row in enumerate(matrix) for c, dark in enumerate(row) if dark}
    assert qr_modules(read(make_facts())) == expected


def test_the_pdf_qr_code_scans(tmp_path):
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        reason = "needs poppler-utils and zbar-tools (apt-get install poppler-utils zbar-tools)"
        if os.environ.get("CI"):  # .ci/run installs them: CI must not go green without it
            pytest.fail(reason)
        pytest.skip(reason)
    (tmp_path / "slip.pdf").write_bytes(receipt_pdf(make_facts(), VIETNAM))
    subprocess.run(["pdftoppm", "-png", "-r", "200", "-singlefile", str(tmp_path / "slip.pdf"),
                    str(tmp_path / "slip")], check=True)
    scanned = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "slip.png")],
                             capture_output=True, text=True, check=True)
    assert scanned.stdout.strip() == TRACKING


def test_qr_svg_is_inline_and_csp_safe():
    svg = qr_svg(TRACKING, title='Tra cứu hồ sơ "A&B"')
    assert svg.startswith("<svg ")
    assert 'role="img"' in svg and 'viewBox="0 0 ' in svg
    assert 'aria-label="Tra cứu hồ sơ &quot;A&amp;B&quot;"' in svg
    assert "<title>Tra cứu hồ sơ" in svg
    for banned in ("style=", "<script", "<?xml", "width="):
        assert banned not in svg
    assert f"<title>{QR_CAPTION}</title>" in qr_svg(TRACKING)
