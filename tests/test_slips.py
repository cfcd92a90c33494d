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

from portal.services import slips
from portal.services.form_documents import FONT_DIR
from portal.services.slips.layout import DOTS
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
    assert len(text_runs(reader)) > 100
    assert_within_margins(reader, MARGIN_RIGHT)


def assert_within_margins(reader: PdfReader, right_margin_mm: float) -> None:
    """No text runs past the right margin, measured with the fonts the PDF embeds.

    Runs of spaces count as one: pypdf reads the wide gaps of a justified line as extra
    spaces, and such a line ends at the margin anyway.
    """
    measure = FPDF(unit="pt")
    for style, name in FONT_FILES.items():
        measure.add_font(FONT, style, str(FONT_DIR / f"Roboto-{name}.ttf"))
    right = float(reader.pages[0].mediabox.width) - right_margin_mm * MM
    ends = []
    for x, text, style, size in text_runs(reader):
        measure.set_font(FONT, style, size)
        ends.append((x + measure.get_string_width(re.sub(" +", " ", text.rstrip("\n"))), text))
    measure.add_page()
    measure.output()  # closes the font files, which fontTools opened lazily
    for end, text in ends:
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


# Mẫu 02 to 06 (TT01-M02..M06): the other slips on the same layout, and the register.

HEADER = SlipHeader("Ủy ban nhân dân xã Minh Họa", "Trung tâm Phục vụ hành chính công",
                    "Minh Họa")
AGENCY = SlipHeader("Ủy ban nhân dân xã Minh Họa", "Văn phòng HĐND và UBND xã", "Minh Họa")
CODE = "000.01.99.H49-250715-0001"
DAY = date(2026, 11, 21)
A5_PT, A4_LANDSCAPE_PT = (419.53, 595.28), (841.89, 595.28)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An aware time of November 2026 given in Vietnam's wall clock."""
    return datetime(2026, 11, day, hour, minute, tzinfo=VIETNAM)


def supplement_facts(**overrides) -> slips.SupplementFacts:
    facts = slips.SupplementFacts(
        header=HEADER, code=CODE, procedure="Đăng ký khai sinh",
        applicant_name="Nguyễn Thị Hồng Nhung",
        items=["Bản sao Giấy chứng sinh có chứng thực", "Tờ khai có chữ ký của người đi khai"],
        reason="Giấy chứng sinh nộp kèm là bản chụp không rõ nét", officer="Trần Văn Bình",
        contact_phone="0203 3888 123", day=DAY, tracking_url=TRACKING)
    return replace(facts, **overrides)


def refusal_facts(**overrides) -> slips.RefusalFacts:
    facts = slips.RefusalFacts(
        header=HEADER, code=CODE, procedure="Đăng ký khai sinh",
        applicant_name="Nguyễn Thị Hồng Nhung",
        reason="Việc khai sinh thuộc thẩm quyền của Ủy ban nhân dân nơi cư trú của người mẹ.",
        officer="Trần Văn Bình", day=DAY)
    return replace(facts, **overrides)


def apology_facts(**overrides) -> slips.ApologyFacts:
    facts = slips.ApologyFacts(
        header=AGENCY, code=CODE, procedure="Cấp giấy phép xây dựng nhà ở riêng lẻ",
        applicant_name="Lê Văn Cường", received_at=at(2, 9, 15), old_due_at=at(20, 17),
        new_due_at=at(27, 16, 30), reason="Phải lấy ý kiến của Phòng Kinh tế về quy hoạch",
        signer="Phạm Minh Đức", day=DAY)
    return replace(facts, **overrides)


def handovers(count: int = 4) -> list[slips.HandOver]:
    """The dossier's journey: desk to office, office to desk, desk to applicant, and so on."""
    steps = [("Trung tâm Phục vụ hành chính công", "Nguyễn Thị Lan",
              "Văn phòng HĐND và UBND xã", "Hoàng Văn Nam", None),
             ("Văn phòng HĐND và UBND xã", "Hoàng Văn Nam",
              "Trung tâm Phục vụ hành chính công", None, "Đúng hạn"),
             ("Trung tâm Phục vụ hành chính công", "Nguyễn Thị Lan",
              "Ông/Bà Nguyễn Thị Hồng Nhung", "Nguyễn Thị Hồng Nhung", "Trước hạn"),
             ("Trung tâm Phục vụ hành chính công", None, f"Phòng Kinh tế; {LONG}", None,
              "Quá hạn")]
    return [slips.HandOver(giver=giver, giver_person=person, receiver=receiver,
                           receiver_person=taker, at=at(3 + n % 20, 8 + n % 9, n % 60),
                           outcome=outcome, note="Bổ sung lần 1" if n == 1 else None)
            for n, (giver, person, receiver, taker, outcome)
            in ((n, steps[n % len(steps)]) for n in range(count))]


def control_facts(**overrides) -> slips.ControlFacts:
    facts = slips.ControlFacts(
        header=HEADER, code=CODE, procedure="Đăng ký khai sinh",
        applicant_name="Nguyễn Thị Hồng Nhung", due_at=at(25, 17), handovers=handovers(),
        day=DAY)
    return replace(facts, **overrides)


def register_rows(count: int) -> list[slips.RegisterRow]:
    return [slips.RegisterRow(
        code=f"000.01.99.H49-261101-{n:04d}", procedure="Đăng ký khai sinh" if n % 3 else LONG,
        sets=1 + n % 2, applicant=f"Nguyễn Văn Số {n}",
        address_phone=f"Thôn Đông Hòa, xã Minh Họa; 0912 000 {n:03d}",
        agency="Văn phòng HĐND và UBND xã", received_at=at(1 + n % 28, 8, n % 60),
        due_at=at(1 + n % 28, 17), sent_to_agency_at=at(1 + n % 28, 9) if n % 2 else None,
        result_from_agency_at=None, returned_at=None, note="Trả qua bưu chính" if n == 7 else None)
        for n in range(1, count + 1)]


def register_facts(count: int = 3, **overrides) -> slips.RegisterFacts:
    facts = slips.RegisterFacts(header=HEADER, start=date(2026, 11, 1), end=date(2026, 11, 30),
                                rows=register_rows(count))
    return replace(facts, **overrides)


def reader_of(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def all_text(reader: PdfReader) -> str:
    return flat(" ".join(page_texts(reader)))


def assert_size(reader: PdfReader, size: tuple[float, float]) -> None:
    for page in reader.pages:
        box = page.mediabox
        assert (float(box.width), float(box.height)) == pytest.approx(size, abs=0.1)


COMMON = ("ỦY BAN NHÂN DÂN XÃ MINH HỌA", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
          "Độc lập - Tự do - Hạnh phúc", "Minh Họa, ngày 21 tháng 11 năm 2026",
          f"Mã hồ sơ: {CODE}")


def test_supplement_request_is_one_a5_page_with_the_form_text_and_the_qr():
    reader = reader_of(slips.supplement_pdf(supplement_facts(), VIETNAM))
    assert len(reader.pages) == 1
    assert_size(reader, A5_PT)
    text = all_text(reader)
    for expected in (*COMMON, "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG",
                     "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
                     "Hồ sơ của: Ông/Bà Nguyễn Thị Hồng Nhung",
                     "Nội dung yêu cầu giải quyết: Đăng ký khai sinh",
                     "Sau khi xem xét, đối chiếu thành phần hồ sơ, Trung tâm Phục vụ hành chính "
                     "công đề nghị Ông/Bà bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:",
                     "1. Bản sao Giấy chứng sinh có chứng thực",
                     "2. Tờ khai có chữ ký của người đi khai",
                     "Lý do: Giấy chứng sinh nộp kèm là bản chụp không rõ nét",
                     "Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà liên hệ với "
                     "Trần Văn Bình số điện thoại 0203 3888 123 để được hướng dẫn.",
                     "NGƯỜI HƯỚNG DẪN (Ký và ghi rõ họ tên) Trần Văn Bình", QR_CAPTION):
        assert expected in text
    matrix = segno.make_qr(TRACKING, error="m").matrix
    assert qr_modules(reader) == {
        (r, c) for r, row in enumerate(matrix) for c, dark in enumerate(row) if dark}


def test_supplement_request_without_officer_names_the_desk_and_dots_the_phone():
    text = all_text(reader_of(slips.supplement_pdf(
        supplement_facts(reason=None, officer=None, contact_phone=None), VIETNAM)))
    assert "Lý do:" not in text
    assert ("Ông/Bà liên hệ với Trung tâm Phục vụ hành chính công số điện thoại "
            f"{DOTS} để được hướng dẫn.") in text


def test_a_long_supplement_request_wraps_onto_more_pages():
    items = [f"Bổ sung {n}: {LONG}" for n in range(1, 11)]
    reader = reader_of(slips.supplement_pdf(supplement_facts(items=items, reason=LONG),
                                            VIETNAM))
    assert len(reader.pages) >= 2
    assert_size(reader, A5_PT)
    text = all_text(reader)
    for n, item in enumerate(items, start=1):
        assert f"{n}. {item}" in text
    assert f"Lý do: {LONG}" in text and "để được hướng dẫn." in text
    assert text.count("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") == 1
    assert "NGƯỜI HƯỚNG DẪN" in flat(page_texts(reader)[-1])
    assert_within_margins(reader, MARGIN_RIGHT)


def test_refusal_is_one_a5_page_with_the_form_text():
    reader = reader_of(slips.refusal_pdf(refusal_facts(), VIETNAM))
    assert len(reader.pages) == 1
    assert_size(reader, A5_PT)
    text = all_text(reader)
    for expected in (*COMMON, "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
                     "Trung tâm Phục vụ hành chính công tiếp nhận hồ sơ của: Ông/Bà Nguyễn Thị "
                     "Hồng Nhung", "Nội dung yêu cầu giải quyết: Đăng ký khai sinh",
                     "Sau khi xem xét, đối chiếu thành phần hồ sơ, Trung tâm Phục vụ hành chính "
                     "công từ chối tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau: "
                     "Việc khai sinh thuộc thẩm quyền của Ủy ban nhân dân nơi cư trú của người "
                     "mẹ. Xin thông báo để Ông/Bà được biết và thực hiện.",
                     "NGƯỜI TIẾP NHẬN HỒ SƠ (Ký và ghi rõ họ tên) Trần Văn Bình"):
        assert expected in text
    assert QR_CAPTION not in text


def test_an_empty_refusal_reason_is_left_to_write_in():
    text = all_text(reader_of(slips.refusal_pdf(refusal_facts(reason=""), VIETNAM)))
    assert f"như sau: {DOTS} Xin thông báo" in text


def test_a_long_refusal_reason_wraps_within_the_margins():
    reason = " ".join([LONG] * 4)
    reader = reader_of(slips.refusal_pdf(refusal_facts(reason=reason, officer=None), VIETNAM))
    text = all_text(reader)
    assert f"như sau: {reason} Xin thông báo" in text
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in text
    assert_within_margins(reader, MARGIN_RIGHT)


def test_apology_is_one_a5_page_from_the_processing_agency():
    reader = reader_of(slips.apology_pdf(apology_facts(), VIETNAM))
    assert len(reader.pages) == 1
    assert_size(reader, A5_PT)
    text = all_text(reader)
    for expected in (*COMMON, "VĂN PHÒNG HĐND VÀ UBND XÃ",
                     "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
                     "Ngày 02/11/2026, Văn phòng HĐND và UBND xã tiếp nhận giải quyết hồ sơ của "
                     "Ông/Bà Lê Văn Cường",
                     "Nội dung yêu cầu giải quyết: Cấp giấy phép xây dựng nhà ở riêng lẻ",
                     "Thời hạn giải quyết hồ sơ theo quy định: 17 giờ 00 phút, ngày 20 tháng 11 "
                     "năm 2026",
                     "Tuy nhiên đến nay, Văn phòng HĐND và UBND xã chưa trả kết quả giải quyết "
                     "hồ sơ của Ông/Bà, lý do: Phải lấy ý kiến của Phòng Kinh tế về quy hoạch",
                     "Sự chậm trễ này đã gây phiền hà cho Ông/Bà. Văn phòng HĐND và UBND xã xin "
                     "lỗi Ông/Bà và sẽ trả kết quả vào 16 giờ 30 phút, ngày 27 tháng 11 năm "
                     "2026.", "Xin trân trọng cảm ơn sự hợp tác của Ông/Bà.",
                     "THỦ TRƯỞNG CƠ QUAN (Ký, ghi rõ họ tên và đóng dấu) Phạm Minh Đức"):
        assert expected in text
    assert "TRUNG TÂM PHỤC VỤ" not in text


def test_a_long_apology_reason_flows_onto_a_second_page():
    reason = " ".join([LONG] * 6)
    reader = reader_of(slips.apology_pdf(apology_facts(reason=reason), VIETNAM))
    assert len(reader.pages) == 2
    assert_size(reader, A5_PT)
    assert f"lý do: {reason} Sự chậm trễ này" in all_text(reader)
    assert "THỦ TRƯỞNG CƠ QUAN" in flat(page_texts(reader)[-1])
    assert_within_margins(reader, MARGIN_RIGHT)


@pytest.mark.parametrize("new_due_at", [at(20, 17), at(19, 8)])
def test_apology_refuses_a_new_due_time_not_after_the_old_one(new_due_at):
    with pytest.raises(ValueError):  # ND61-LATE
        slips.apology_pdf(apology_facts(new_due_at=new_due_at), VIETNAM)


def test_apology_refuses_naive_times():
    with pytest.raises(ValueError):
        slips.apology_pdf(apology_facts(new_due_at=datetime(2026, 11, 27, 16)), VIETNAM)


CONTROL_HEADINGS = ("TÊN CƠ QUAN", "THỜI GIAN GIAO, NHẬN HỒ SƠ",
                    "KẾT QUẢ GIẢI QUYẾT HỒ SƠ (Trước hạn/đúng hạn/quá hạn)", "GHI CHÚ")


def test_control_slip_is_a5_portrait_with_one_row_per_hand_over():
    reader = reader_of(slips.control_pdf(control_facts(), VIETNAM))
    assert_size(reader, A5_PT)
    text = all_text(reader)
    for expected in (*COMMON, *CONTROL_HEADINGS, "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
                     "Kèm theo hồ sơ của: Ông/Bà Nguyễn Thị Hồng Nhung",
                     "Nội dung yêu cầu giải quyết: Đăng ký khai sinh",
                     "Ngày hẹn trả kết quả: 17 giờ 00 phút, ngày 25 tháng 11 năm 2026",
                     "1. Giao: Trung tâm Phục vụ hành chính công Nhận: Văn phòng HĐND và UBND xã "
                     "08 giờ 00 phút, ngày 03 tháng 11 năm 2026 Người giao: Nguyễn Thị Lan "
                     "Người nhận: Hoàng Văn Nam",
                     "2. Giao: Văn phòng HĐND và UBND xã Nhận: Trung tâm Phục vụ hành chính "
                     "công 09 giờ 01 phút, ngày 04 tháng 11 năm 2026 Người giao: Hoàng Văn Nam "
                     f"Người nhận: {DOTS} Đúng hạn Bổ sung lần 1", "Trước hạn",
                     f"Nhận: Phòng Kinh tế; {LONG}",
                     f"Người giao: {DOTS} Người nhận: {DOTS} Quá hạn"):
        assert expected in text
    assert_within_margins(reader, MARGIN_RIGHT)


def test_a_long_control_slip_repeats_the_table_headings_on_each_page():
    reader = reader_of(slips.control_pdf(control_facts(handovers=handovers(24), due_at=None),
                                         VIETNAM))
    texts = [flat(text) for text in page_texts(reader)]
    assert len(texts) >= 3
    assert "Ngày hẹn trả kết quả: Theo quy định của thủ tục" in texts[0]
    for text in texts:
        assert all(heading in text for heading in CONTROL_HEADINGS)
    assert texts[0].count("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") == 1
    assert "CỘNG HÒA" not in " ".join(texts[1:])
    every = " ".join(texts)
    assert all(f"{n}. Giao: " in every for n in range(1, 25))


REGISTER_HEADINGS = (
    "TT", "Mã hồ sơ", "Tên TTHC", "Số lượng hồ sơ (bộ)", "Tên cá nhân, tổ chức",
    "Địa chỉ, số điện thoại", "Cơ quan chủ trì giải quyết", "Nhận hồ sơ (ngày, giờ)",
    "Hẹn trả kết quả", "Chuyển hồ sơ đến cơ quan giải quyết",
    "Nhận kết quả từ cơ quan giải quyết", "Trả kết quả cho cá nhân, tổ chức (ngày, giờ)",
    "Ghi chú")


def test_register_is_a4_landscape_with_title_period_desk_and_rows():
    reader = reader_of(slips.register_pdf(register_facts(), VIETNAM))
    assert len(reader.pages) == 1
    assert_size(reader, A4_LANDSCAPE_PT)
    text = all_text(reader)
    for expected in ("ỦY BAN NHÂN DÂN XÃ MINH HỌA", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG",
                     "SỔ THEO DÕI HỒ SƠ", "Từ ngày 01/11/2026 đến ngày 30/11/2026",
                     *REGISTER_HEADINGS, "Thôn Đông Hòa, xã Minh Họa; 0912 000 001",
                     "Nguyễn Văn Số 2", "Văn phòng HĐND và UBND xã", "02/11/2026 08:01",
                     "02/11/2026 17:00", "02/11/2026 09:00", "Trang 1/1"):
        assert expected in text
    assert "000.01.99.H49-261101-0003" in text.replace(" ", "")


def test_a_register_of_120_rows_runs_onto_pages_each_with_headings_and_number():
    reader = reader_of(slips.register_pdf(register_facts(120), VIETNAM))
    texts = [flat(text) for text in page_texts(reader)]
    pages = len(texts)
    assert pages >= 3
    assert_size(reader, A4_LANDSCAPE_PT)
    for number, text in enumerate(texts, start=1):
        assert all(heading in text for heading in REGISTER_HEADINGS)
        assert f"Trang {number}/{pages}" in text
    assert "SỔ THEO DÕI HỒ SƠ" not in " ".join(texts[1:])
    squeezed = "".join(texts).replace(" ", "")
    assert all(f"000.01.99.H49-261101-{n:04d}" in squeezed for n in range(1, 121))
    assert_within_margins(reader, 10)


def test_register_refuses_a_period_that_ends_before_it_starts():
    with pytest.raises(ValueError):
        slips.register_pdf(register_facts(end=date(2026, 10, 31)), VIETNAM)


def test_register_xlsx_has_headings_rows_local_times_and_frozen_panes():
    import openpyxl

    facts = register_facts(120)
    facts.rows[0].applicant = "=HYPERLINK(\"http://example.com\")"
    book = openpyxl.load_workbook(io.BytesIO(slips.register_xlsx(facts, VIETNAM)))
    sheet = book.active
    assert sheet["A1"].value == "SỔ THEO DÕI HỒ SƠ"
    assert sheet["A3"].value == "Từ ngày 01/11/2026 đến ngày 30/11/2026"
    assert tuple(cell.value for cell in sheet[4]) == REGISTER_HEADINGS
    assert all(cell.font.b for cell in sheet[4])
    assert sheet.max_row == 4 + 120
    assert sheet.freeze_panes == "C5"
    first = sheet[5]
    assert [first[0].value, first[1].value, first[3].value] == [
        1, "000.01.99.H49-261101-0001", 2]
    assert first[4].value == "=HYPERLINK(\"http://example.com\")"
    assert first[4].data_type == "s"  # an applicant's text is never a formula
    received = first[7]
    assert isinstance(received.value, datetime) and received.value.tzinfo is None
    assert received.value == datetime(2026, 11, 2, 8, 1)  # Vietnam's wall clock
    assert received.number_format == "dd/mm/yyyy hh:mm"
    assert first[9].value == datetime(2026, 11, 2, 9, 0) and first[10].value is None
    assert sheet.cell(4 + 120, 1).value == 120
    assert sheet.column_dimensions["C"].width >= 30
    assert sheet.cell(5, 3).alignment.wrap_text


# --- Signed by the head, numbered in the book (issue 13 item 7; TT01-FORMS, TT01-M01) ----------


def test_the_apology_is_signed_by_the_head_of_the_agency():
    text = all_text(reader_of(slips.apology_pdf(apology_facts(
        signer="Nguyễn Văn Trưởng", signer_title="Chủ tịch"), VIETNAM)))
    assert "CHỦ TỊCH (Ký, ghi rõ họ tên và đóng dấu) Nguyễn Văn Trưởng" in text
    assert "THỦ TRƯỞNG CƠ QUAN" not in text
    unnamed = all_text(reader_of(slips.apology_pdf(apology_facts(signer=None), VIETNAM)))
    assert "THỦ TRƯỞNG CƠ QUAN (Ký, ghi rõ họ tên và đóng dấu)" in unnamed


def test_the_register_numbers_rows_as_the_book_does():
    rows = register_rows(3)
    for row, number in zip(rows, (15, 16, 18)):
        row.number = number
    facts = register_facts(rows=rows, book="2026")
    text = all_text(reader_of(slips.register_pdf(facts, VIETNAM)))
    assert "Từ ngày 01/11/2026 đến ngày 30/11/2026 - Quyển số: 2026" in text
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(slips.register_xlsx(facts, VIETNAM))).active
    assert [sheet.cell(row, 1).value for row in (5, 6, 7)] == [15, 16, 18]
