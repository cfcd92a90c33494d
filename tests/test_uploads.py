"""Dossier attachments (TT21-05.1-06): type and size checks, safe names, virus scan, 413 page."""
from __future__ import annotations

import hashlib
import http.client
import io
import logging
import socket
import struct
import tempfile
import threading
import time
import wsgiref.simple_server
import zipfile
import zlib
from wsgiref.simple_server import WSGIRequestHandler
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage
from werkzeug.serving import make_server

from portal.models.catalog import DossierComponent
from portal.services import files, uploads
from portal.services.uploads import FileRule, UploadError

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
ALL_KINDS = FileRule(tuple(uploads.FILE_TYPES), 10 * 1024 * 1024)


# --- Tiny real files ---------------------------------------------------------------------------

def make_pdf(text: str = "Giấy khai sinh") -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text.encode("ascii", "replace").decode())
    return bytes(pdf.output())


def make_jpeg() -> bytes:
    """A valid 8×8 grey baseline JPEG: one block, DC difference 0, then end-of-block."""
    def segment(marker: int, payload: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload

    one_code = bytes([1] + [0] * 15)  # a single Huffman code, of length 1
    return b"".join([
        b"\xff\xd8",
        segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
        segment(0xDB, b"\x00" + b"\x01" * 64),
        segment(0xC0, b"\x08\x00\x08\x00\x08\x01\x01\x11\x00"),
        segment(0xC4, b"\x00" + one_code + b"\x00"),
        segment(0xC4, b"\x10" + one_code + b"\x00"),
        segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
        b"\x3f",  # bits 0 (DC category 0) and 0 (EOB), padded with ones
        b"\xff\xd9",
    ])


def make_png() -> bytes:
    """A valid 1×1 white PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    return b"".join([b"\x89PNG\r\n\x1a\n",
                     chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)),
                     chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")),
                     chunk(b"IEND", b"")])


def make_docx() -> bytes:
    from docx import Document

    document = Document()
    document.add_paragraph("Đơn đề nghị cấp bản sao trích lục hộ tịch")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_odf(media_type: str = "application/vnd.oasis.opendocument.text") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", media_type, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>",
                         compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
    return buffer.getvalue()


def make_xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
SVG = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
       b"<script>alert(document.cookie)</script></svg>")
HTML = b"\xef\xbb\xbf  <!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120


def upload(data: bytes, filename: str | None) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, name="tep")


def stored_files(app) -> set[Path]:
    """Every file in the app's upload folder (temporary ones included)."""
    with app.app_context():
        root = files.store().root
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def refused(app, data: bytes, filename: str | None, rule: FileRule = ALL_KINDS) -> str:
    """Upload a file that must be refused; return the message, checking nothing was stored."""
    before = stored_files(app)
    with app.app_context(), pytest.raises(UploadError) as caught:
        uploads.accept(upload(data, filename), rule)
    assert stored_files(app) == before
    return str(caught.value)


# --- Accepted files ----------------------------------------------------------------------------

@pytest.mark.parametrize(("maker", "filename", "media_type"), [
    (make_pdf, "Giấy khai sinh 2.2025.pdf", "application/pdf"),
    (make_jpeg, "CCCD.mat.truoc.jpg", "image/jpeg"),
    (make_jpeg, "anh-the.JPEG", "image/jpeg"),
    (make_png, "so-do.png", "image/png"),
    (make_docx, "don-de-nghi.docx", files.DOCX),
    (make_odf, "to-khai.odt", "application/vnd.oasis.opendocument.text"),
    (make_xlsx, "bang-ke.xlsx",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (lambda: make_odf("application/vnd.oasis.opendocument.spreadsheet"), "bang-ke.ods",
     "application/vnd.oasis.opendocument.spreadsheet"),
])
def test_each_accepted_type_is_stored(app, maker, filename, media_type):
    data = maker()
    with app.app_context():
        result = uploads.accept(upload(data, filename), ALL_KINDS)
        path = files.store().path(result.sha256)
    assert result == uploads.StoredFile(hashlib.sha256(data).hexdigest(), filename, media_type,
                                        len(data))
    assert path.read_bytes() == data


def test_a_name_without_extension_gets_the_real_one(app):
    with app.app_context():
        pdf = uploads.accept(upload(make_pdf(), "Giấy khai sinh 2.2025"), ALL_KINDS)
        photo = uploads.accept(upload(make_jpeg(), "  .anh   chup  "), ALL_KINDS)
    assert pdf.filename == "Giấy khai sinh 2.2025.pdf"
    assert photo.filename == "anh chup.jpg"


def test_names_are_kept_in_nfc(app):
    decomposed = "Gia\u0301y to\u031B\u0300.pdf"
    with app.app_context():
        result = uploads.accept(upload(make_pdf(), decomposed), ALL_KINDS)
    assert result.filename == "Gi\u00e1y t\u1edd.pdf"


# --- Refused files: a clear message, nothing stored ------------------------------------------

def test_an_oversized_file_is_refused(app):
    app.config["UPLOAD_MAX_MB"] = 1
    with app.app_context():
        rule = uploads.rule_for(None)
    big = make_pdf() + b"%" * (1024 * 1024)
    message = refused(app, big, "ban-quet.pdf", rule)
    assert "lớn hơn 1 MB" in message and "độ phân giải thấp hơn" in message


def test_an_empty_file_is_refused(app):
    assert "trống (0 byte)" in refused(app, b"", "don.pdf")


def test_no_file_chosen_is_refused(app):
    assert "Chưa chọn tệp nào" in refused(app, b"", "")


@pytest.mark.parametrize(("data", "filename", "expected"), [
    (EXE, "don.pdf", "là một chương trình máy tính"),
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "anh.jpg", "là một chương trình máy tính"),
    (b"#!/bin/sh\nrm -rf /\n", "to-khai.pdf", "là một chương trình máy tính"),
    (SVG, "chu-ky.svg", "ảnh SVG"),
    (SVG, "chu-ky.png", "ảnh SVG"),
    (HTML, "don.pdf", "là trang web"),
    (HEIC, "IMG_0001.HEIC", "ảnh HEIC/HEIF"),
    (HEIC, "IMG_0001.jpg", "Tương thích nhất"),
    (b"Xin chao, day la van ban thuong.", "ghi-chu.pdf", "Không nhận ra loại của tệp"),
    (b"PK\x03\x04 not really a zip", "don.docx", "bị hỏng"),
])
def test_contents_that_are_not_documents_are_refused(app, data, filename, expected):
    message = refused(app, data, filename)
    assert expected in message and filename in message


def test_an_extension_must_match_the_content(app):
    message = refused(app, make_pdf(), "anh-the.jpg")
    assert "có đuôi “.jpg” nhưng nội dung thực ra là tài liệu PDF" in message
    assert "“anh-the.pdf”" in message
    assert "ảnh JPEG" in refused(app, make_jpeg(), "anh.php")
    assert "ảnh JPEG" in refused(app, make_jpeg(), "don.pdf")


@pytest.mark.parametrize("filename", [
    "../../instance/secret_key.pdf", "..\\..\\boot.ini.pdf", "/etc/passwd.pdf",
    "C:\\Users\\An\\don.pdf", "don\x00.pdf", "don\n.pdf", "gnp\u202eexe.pdf", "..", ".",
])
def test_unsafe_names_are_refused(app, filename):
    message = refused(app, make_pdf(), filename)
    assert "Tên tệp" in message or "Tệp chưa có tên" in message


@pytest.mark.parametrize("filename", ["anh.php.jpg", "don.exe.pdf", "x.html.png",
                                      "a.PHP .jpg", "to khai.js.docx"])
def test_hidden_program_extensions_are_refused(app, filename):
    assert "giống tên tệp chương trình" in refused(app, make_jpeg(), filename)


def test_a_kind_the_component_does_not_take_is_refused(app):
    message = refused(app, make_docx(), "don.docx", FileRule(("pdf",), 1024 * 1024))
    assert "văn bản Word (DOCX), nhưng giấy tờ này chỉ nhận: PDF" in message


def test_a_zip_bomb_is_never_extracted(app):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", b"\x00" * (20 * 1024 * 1024))
    started = time.monotonic()
    assert "Không nhận ra loại" in refused(app, buffer.getvalue(), "bom.odt")
    assert time.monotonic() - started < 2


# --- Rules -------------------------------------------------------------------------------------

def test_rules_come_from_the_component_or_the_defaults(app):
    with app.app_context():
        default = uploads.rule_for(None)
        mixed = uploads.rule_for(DossierComponent(accepted_types="pdf, .JPEG exe", max_size_mb=2))
        unknown = uploads.rule_for(DossierComponent(accepted_types="exe", max_size_mb=None))
        assert uploads.describe(default) == "PDF, JPG, PNG, DOCX, ODT; tối đa 10 MB"
    assert default == FileRule(("pdf", "jpg", "png", "docx", "odt"), 10 * 1024 * 1024)
    assert mixed == FileRule(("pdf", "jpg"), 2 * 1024 * 1024)
    assert unknown == default
    assert uploads.accept_attribute(mixed) == ".pdf,application/pdf,.jpg,.jpeg,image/jpeg"


# --- File names (property) ---------------------------------------------------------------------

def _sanitised(name: str) -> str | None:
    try:
        return uploads.sanitise_filename(name)
    except UploadError:
        return None


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=400))
def test_sanitised_names_are_always_safe(name):
    import unicodedata

    result = _sanitised(name)
    if result is not None:
        assert result and len(result) <= uploads.MAX_NAME_LENGTH
        assert "/" not in result and "\\" not in result
        assert not any(unicodedata.category(c) in {"Cc", "Cf", "Cs"} for c in result)
        assert result not in {".", ".."} and not result.startswith(".")
        assert unicodedata.is_normalized("NFC", result)
        assert uploads.sanitise_filename(result) == result
    for attack in ("..", f"../{name}", f"{name}/..", f"..\\{name}"):
        assert _sanitised(attack) is None


@settings(max_examples=100, deadline=None)
@given(st.text(st.characters(categories=["L", "N"]), min_size=150, max_size=400))
def test_long_names_keep_their_extension(stem):
    result = uploads.sanitise_filename(f"{stem}.pdf")
    assert result.endswith(".pdf") and len(result) == uploads.MAX_NAME_LENGTH


def test_ordinary_dots_are_fine():
    assert uploads.sanitise_filename("CCCD.mat.truoc.jpg") == "CCCD.mat.truoc.jpg"
    assert uploads.sanitise_filename("  ..Giấy   khai\u00a0sinh 2.2025.pdf ") == (
        "Giấy khai sinh 2.2025.pdf")


# --- The file store ----------------------------------------------------------------------------

class Trickle(io.RawIOBase):
    """A stream that cannot seek and gives at most 1000 bytes per read."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self.data.read(min(size, 1000) if size >= 0 else 1000)


def test_put_stream_hashes_like_hashlib_and_stores_once(tmp_path):
    store = files.LocalFileStore(tmp_path / "uploads")
    data = bytes(range(256)) * 5000  # 1.2 MB, many chunks
    digest = store.put_stream(Trickle(data))
    assert digest == hashlib.sha256(data).hexdigest()
    assert store.path(digest).read_bytes() == data
    assert store.put_stream(io.BytesIO(data)) == digest
    assert store.put(data) == digest
    assert [p for p in (tmp_path / "uploads").rglob("*") if p.is_file()] == [store.path(digest)]


def test_downloads_are_sandboxed_attachments(app, client):
    with app.app_context():
        digest = files.store().put(SVG)
    app.add_url_rule("/_thu/tai-ve", "test_download", lambda: files.download_response(
        digest, "chu-ky.svg", "image/svg+xml"))
    with client.get("/_thu/tai-ve") as response:
        assert response.headers["Content-Security-Policy"] == "sandbox"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"].startswith("attachment")


# --- Virus scan --------------------------------------------------------------------------------

class FakeClamd:
    """A clamd that speaks INSTREAM, finds EICAR, and answers ``reply`` if given."""

    def __init__(self, family: int, address, reply: bytes | None = None) -> None:
        self.listener = socket.socket(family, socket.SOCK_STREAM)
        self.listener.bind(address)
        self.listener.listen()
        self.listener.settimeout(0.05)
        self.address = self.listener.getsockname()
        self.reply = reply
        self.scanned: list[bytes] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                connection, _peer = self.listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(5)
                self._answer(connection)

    def _answer(self, connection: socket.socket) -> None:
        stream = connection.makefile("rb")
        assert stream.read(len(b"zINSTREAM\0")) == b"zINSTREAM\0"
        data = b""
        while size := struct.unpack("!I", stream.read(4))[0]:
            data += stream.read(size)
        stream.close()
        self.scanned.append(data)
        found = b"stream: Eicar-Test-Signature FOUND\0" if EICAR in data else b"stream: OK\0"
        connection.sendall(self.reply if self.reply is not None else found)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        self.listener.close()


@pytest.fixture
def socket_folder(tmp_path):
    """A folder for a Unix socket: tmp_path, unless its path is too long for one."""
    if len(str(tmp_path / "clamd.sock")) < 100:
        yield tmp_path
    else:
        with tempfile.TemporaryDirectory(prefix="clamd") as short:
            yield Path(short)


@pytest.fixture
def clamd(app, socket_folder):
    """A fake clamd on a Unix socket, configured as the app's scanner."""
    server = FakeClamd(socket.AF_UNIX, str(socket_folder / "clamd.sock"))
    app.config.update(CLAMAV_SOCKET=server.address, CLAMAV_TIMEOUT=5)
    yield server
    server.stop()


def test_clean_files_pass_the_scan(app, clamd):
    data = make_pdf()
    with app.app_context():
        result = uploads.accept(upload(data, "don.pdf"), ALL_KINDS)
    assert clamd.scanned == [data]
    assert result.sha256 == hashlib.sha256(data).hexdigest()


def test_an_infected_file_is_refused(app, clamd):
    with app.app_context(), pytest.raises(UploadError, match="có virus hoặc mã độc"):
        uploads.scan(io.BytesIO(EICAR))
    message = refused(app, make_pdf() + b"\n" + EICAR, "don.pdf")
    assert "Eicar-Test-Signature" in message and "“don.pdf”" in message


def test_clamd_over_tcp(app):
    server = FakeClamd(socket.AF_INET, ("127.0.0.1", 0))
    app.config["CLAMAV_ADDRESS"] = "%s:%d" % server.address
    try:
        assert "có virus" in refused(app, make_jpeg() + EICAR, "anh.jpg")
        with app.app_context():
            uploads.accept(upload(make_png(), "anh.png"), ALL_KINDS)
    finally:
        server.stop()
    assert len(server.scanned) == 2


def test_a_missing_scanner_refuses_the_upload(app, socket_folder, caplog):
    app.config["CLAMAV_SOCKET"] = str(socket_folder / "missing.sock")
    logger = logging.getLogger("portal.uploads")  # "portal" does not propagate to the root
    logger.addHandler(caplog.handler)
    try:
        message = refused(app, make_pdf(), "don.pdf")
    finally:
        logger.removeHandler(caplog.handler)
    assert "không kiểm tra được virus lúc này, vui lòng thử lại sau" in message
    assert "virus scan failed" in caplog.text


def test_a_garbled_scanner_answer_refuses_the_upload(app, socket_folder):
    server = FakeClamd(socket.AF_UNIX, str(socket_folder / "clamd.sock"), reply=b"INSTREAM ?")
    app.config["CLAMAV_SOCKET"] = server.address
    try:
        assert "không kiểm tra được virus" in refused(app, make_pdf(), "don.pdf")
    finally:
        server.stop()


# --- Request bodies over MAX_CONTENT_LENGTH --------------------------------------------------

class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


def werkzeug_server(app):
    return make_server("127.0.0.1", 0, app, threaded=True)


def wsgiref_server(app):
    # Unlike Werkzeug's development server, wsgiref (like gunicorn's sync worker) does not
    # read a refused body itself: without the portal's drain, the client sees a broken pipe.
    return wsgiref.simple_server.make_server("127.0.0.1", 0, app, handler_class=QuietHandler)


@pytest.mark.parametrize("serve", [werkzeug_server, wsgiref_server])
def test_a_too_large_request_gets_the_413_page_not_a_reset(app, serve):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    server = serve(app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
        connection.request("POST", "/tai-khoan/dang-nhap", body=b"a" * (4 * 1024 * 1024),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        body = response.read()
        connection.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert response.status == 413
    assert len(body) == int(response.headers["Content-Length"])
    assert "Tệp quá lớn" in body.decode("utf-8")


@pytest.mark.parametrize(("sent", "declared", "drain_limit", "read"), [
    (200_000, 200_000, 1024 * 1024, 200_000),  # read to the end
    (100_000, 200_000, 1024 * 1024, 100_000),  # the sender stopped early: stop at EOF
    (200_000, 200_000, 100_000, 0),  # over UPLOAD_DRAIN_BYTES: not read at all
])
def test_the_413_drain_is_bounded(app, client, sent, declared, drain_limit, read):
    app.config.update(MAX_CONTENT_LENGTH=64 * 1024, UPLOAD_DRAIN_BYTES=drain_limit)
    body = io.BytesIO(b"a" * (sent + 1000))
    body.truncate(sent)
    response = client.post("/tai-khoan/dang-nhap", input_stream=body, content_length=declared,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and "Tệp quá lớn" in response.get_data(as_text=True)
    assert body.tell() == read
