"""Uploads that could harm the officer who opens them are refused, each with what to do:
PDFs with code that runs by itself, office files that inflate into a bomb, images that
declare too many pixels (issue 13, item 4; TT21-05.1-06). Files are built in memory.
"""
from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib

import pytest

from portal.services import files, uploads
from tests.test_uploads import (
    ALL_KINDS,
    make_docx,
    make_jpeg,
    make_pdf,
    make_png,
    refused,
    upload,
)

MB = 1024 * 1024


def accepted(app, data: bytes, filename: str) -> uploads.StoredFile:
    with app.app_context():
        return uploads.accept(upload(data, filename), ALL_KINDS)


# --- PDF -------------------------------------------------------------------------------------

def pdf(*objects: bytes, trailer: bytes = b"<</Root 1 0 R>>") -> bytes:
    """A small PDF of the given objects (numbered from 1; no cross-reference table, which
    readers rebuild and which the check does not need)."""
    body = b"".join(b"%d 0 obj\n%s\nendobj\n" % (number, content)
                    for number, content in enumerate(objects, start=1))
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + body + b"trailer\n" + trailer + b"\n%%EOF\n"


CATALOG = b"<</Type/Catalog/Pages 2 0 R%s>>"
PAGES = b"<</Type/Pages/Kids[3 0 R]/Count 1>>"
PAGE = b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]%s>>"


def object_stream(*objects: bytes) -> bytes:
    """A compressed object stream (PDF 1.5) holding ``objects`` as numbers 10, 11, …"""
    offsets, body = [], b""
    for number, content in enumerate(objects, start=10):
        offsets.append(b"%d %d" % (number, len(body)))
        body += content + b"\n"
    header = b" ".join(offsets) + b"\n"
    data = zlib.compress(header + body)
    return (b"<</Type/ObjStm/N %d/First %d/Filter/FlateDecode/Length %d>>\nstream\n"
            % (len(objects), len(header), len(data)) + data + b"\nendstream")


@pytest.mark.parametrize("data", [
    pdf(CATALOG % b"/OpenAction<</S/JavaScript/JS(app.alert('x'))>>", PAGES, PAGE % b""),
    pdf(CATALOG % b"/Names<</JavaScript 4 0 R>>", PAGES, PAGE % b"",
        b"<</Names[(a) 5 0 R]>>", b"<</S/JavaScript/JS(this.print())>>"),
    pdf(CATALOG % b"/OpenAction 4 0 R", PAGES, PAGE % b"",
        b"<</S/Launch/F(cmd.exe)/Win<</F(cmd.exe)/P(/c calc)>>>>"),
    pdf(CATALOG % b"", PAGES, PAGE % b"/AA<</O<</S/GoTo/D[3 0 R/Fit]>>>>"),
    # Hidden: escaped names, a compressed object stream, a fake "stream" in a string.
    pdf(CATALOG % b"/OpenAction<</S/J#61vaScript/J#53(app.alert(1))>>", PAGES, PAGE % b""),
    pdf(CATALOG % b"/OpenAction 10 0 R", PAGES, PAGE % b"",
        object_stream(b"<</S/JavaScript/JS(app.alert(1))>>")),
    pdf(CATALOG % b"/Title(>>stream\n)/OpenAction<</S/JavaScript/JS(app.alert(1))>>"
        b"/Subject(endstream)", PAGES, PAGE % b""),
], ids=["open-action", "names-tree", "launch", "additional-actions", "escaped-names",
        "object-stream", "string-decoy"])
def test_pdfs_with_code_that_runs_by_itself_are_refused(app, data):
    message = refused(app, data, "to-khai.pdf")
    assert "mã lệnh tự chạy" in message and "in lại thành PDF không có mã lệnh" in message


def test_a_pdf_whose_object_streams_cannot_be_read_is_refused(app):
    unreadable = (b"<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length 64>>\nstream\n"
                  + bytes(range(64)) + b"\nendstream")  # encrypted or damaged
    message = refused(app, pdf(CATALOG % b"", PAGES, PAGE % b"", unreadable), "a.pdf")
    assert "không đọc được hết nội dung" in message and "In" in message


def test_ordinary_pdfs_are_kept_as_received(app):
    """A generated PDF, and one whose image data happens to hold "/JS" and "/AA" bytes."""
    image = b"\xff\xd8\xff\xe0" + b"noise /JS /AA /Launch noise" * 40 + b"\xff\xd9"
    with_image = pdf(CATALOG % b"", PAGES, PAGE % b"/Resources<</XObject<</Im0 4 0 R>>>>",
                     b"<</Type/XObject/Subtype/Image/Width 8/Height 8/ColorSpace/DeviceGray"
                     b"/BitsPerComponent 8/Filter/DCTDecode/Length %d>>\nstream\n" % len(image)
                     + image + b"\nendstream",
                     b"<</Title(Gi\\(a\\)y /JS in a string)>>")
    for data in (make_pdf(), with_image):
        stored = accepted(app, data, "giay.pdf")
        with app.app_context():
            assert files.store().path(stored.sha256).read_bytes() == data  # byte for byte


# --- Office documents ----------------------------------------------------------------------

def docx_with(entries: dict[str, bytes | int]) -> bytes:
    """A DOCX-shaped ZIP; an int entry is that many zero bytes, deflated as it is written."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for name, content in entries.items():
            if isinstance(content, int):
                with archive.open(name, "w", force_zip64=True) as member:
                    for _ in range(content // MB):
                        member.write(bytes(MB))
            else:
                archive.writestr(name, content)
    return buffer.getvalue()


def test_an_office_file_inflating_beyond_the_limit_is_refused_quickly(app):
    app.config["UPLOAD_MAX_UNZIPPED_MB"] = 20
    bomb = docx_with({"word/document.xml": 30 * MB})
    assert len(bomb) < MB
    started = time.monotonic()
    message = refused(app, bomb, "don.docx")
    assert "lớn hơn 20 MB" in message and "lưu văn bản thành PDF" in message
    assert time.monotonic() - started < 2


def test_a_directory_that_understates_the_sizes_does_not_help(app):
    """Sizes are counted while inflating: a central directory claiming 1 KB changes nothing."""
    app.config["UPLOAD_MAX_UNZIPPED_MB"] = 20
    data = bytearray(docx_with({"word/document.xml": bytes(30 * MB)}))
    real = struct.pack("<I", 30 * MB)
    assert data.count(real) == 2  # the sizes in the local header and the central directory
    data = data.replace(real, struct.pack("<I", 1024))
    message = refused(app, bytes(data), "don.docx")
    assert "lớn hơn 20 MB" in message or "bị hỏng" in message


def test_a_suspicious_compression_ratio_or_too_many_parts_is_refused(app):
    ratio = docx_with({"word/document.xml": 8 * MB})  # well under the size limit
    assert "nén bất thường" in refused(app, ratio, "don.docx")
    many = docx_with({"word/document.xml": b"<w:document/>"}
                     | {f"word/media/{n}.xml": b"x" for n in range(1001)})
    assert "quá nhiều thành phần" in refused(app, many, "don.docx")


def test_ordinary_office_files_pass(app):
    assert accepted(app, make_docx(), "don.docx").media_type.endswith("document")


# --- Images -----------------------------------------------------------------------------------

def png_of(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))

    return b"".join([b"\x89PNG\r\n\x1a\n",
                     chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),
                     chunk(b"IDAT", zlib.compress(b"\x00" * 64)), chunk(b"IEND", b"")])


def jpeg_of(width: int, height: int) -> bytes:
    """A JPEG header: EXIF before the frame, fill bytes before a marker, then SOF0."""
    exif = b"Exif\x00\x00" + b"\x00" * 300
    return b"".join([b"\xff\xd8", b"\xff\xe1", struct.pack(">H", len(exif) + 2), exif,
                     b"\xff\xff\xff\xc0", struct.pack(">HBHHB", 11, 8, height, width, 1),
                     b"\x01\x11\x00", b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00\x3f\xff\xd9"])


@pytest.mark.parametrize(("data", "filename"), [(png_of(30000, 30000), "so-do.png"),
                                                (jpeg_of(30000, 30000), "anh.jpg")])
def test_images_declaring_too_many_pixels_are_refused(app, data, filename):
    message = refused(app, data, filename)
    assert "30000 × 30000 điểm ảnh" in message and "vượt giới hạn 40 triệu" in message
    assert "chụp lại ảnh ở độ phân giải thấp hơn" in message


@pytest.mark.parametrize(("data", "filename"), [
    (make_png(), "so-do.png"), (make_jpeg(), "anh.jpg"),
    (png_of(4000, 3000), "so-do.png"), (jpeg_of(4000, 3000), "anh.jpg"),  # 12 MP phone photo
])
def test_ordinary_images_pass(app, data, filename):
    assert accepted(app, data, filename).size == len(data)
