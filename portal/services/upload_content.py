"""What an accepted kind of file may not hold (issue 13; TT21-05.1-06).

Files are kept exactly as received (they are evidence: nothing is rewritten or "cleaned"),
so a file that could harm the officer who opens it is refused instead:

* PDFs with code that runs by itself: JavaScript (``/JS``, ``/JavaScript``), actions that
  start a program (``/Launch``) and automatic actions (``/AA``), also when hidden in a
  compressed object stream or behind ``#xx`` escapes in names; a PDF whose object streams
  cannot be read (encrypted, or an unusual compression) cannot be checked and is refused;
* office documents (DOCX, XLSX, ODT, ODS are ZIP archives) that inflate beyond
  ``UPLOAD_MAX_UNZIPPED_MB``, hold more than ``UPLOAD_MAX_ZIP_ENTRIES`` parts, or compress
  more than ``UPLOAD_MAX_ZIP_RATIO`` times (a ZIP bomb): sizes are counted while inflating,
  so a directory that lies about them changes nothing, and inflating stops at the limit;
* images larger than ``UPLOAD_MAX_IMAGE_MEGAPIXELS`` (an image "bomb" declares 30000×30000
  pixels in a few kilobytes): the size is read from the PNG IHDR or JPEG SOF header, the
  pixels are never decoded.

:func:`problem` answers with the message for the citizen (what to do), or None.
"""
from __future__ import annotations

import os
import re
import zipfile
import zlib
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _

MB = 1024 * 1024
#: Names that make a PDF run something without being asked.
ACTIVE_PDF_NAMES = frozenset({b"JS", b"JavaScript", b"Launch", b"AA"})
#: A PDF name: a slash and the regular characters that follow it.
_PDF_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")
_PDF_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
#: What the PDF lexer stops at: a literal string, a comment, a name, a stream's data (the
#: ``stream`` keyword, not the end of ``endstream``).
_PDF_TOKEN = re.compile(rb"[(%/]|(?<![A-Za-z])stream(?:\r\n|\n|\r)")
_STRING_MARK = re.compile(rb"\\.|[()]", re.DOTALL)
_LINE_END = re.compile(rb"[\r\n]")
#: Entries this small cannot hurt, whatever their compression ratio.
_RATIO_FLOOR = MB
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # not DHT, JPG, DAC


def problem(stream: BinaryIO, kind: str, name: str) -> str | None:
    """Why a file of ``kind`` (a key of ``uploads.FILE_TYPES``) cannot be accepted, or None."""
    check = {"pdf": _pdf, "png": _png, "jpg": _jpeg}.get(kind, _office)
    stream.seek(0)
    try:
        return check(stream, name)
    finally:
        stream.seek(0)


# --- PDF ----------------------------------------------------------------------------------------

class _Unreadable(ValueError):
    """Part of a PDF that cannot be read, so cannot be checked."""


def _pdf(stream: BinaryIO, name: str) -> str | None:
    try:
        active = _pdf_is_active(stream.read(), _unzipped_limit())
    except _Unreadable:
        return _("Cổng không đọc được hết nội dung tệp PDF “%(name)s” (tệp đặt mật khẩu, mã "
                 "hóa hoặc nén theo cách không kiểm tra được) nên chưa nhận. Hãy in lại thành "
                 "PDF: mở tệp, chọn In › máy in “Lưu thành PDF” (Microsoft Print to PDF), rồi "
                 "tải tệp mới lên.", name=name)
    if active:
        return _("Tệp “%(name)s” có mã lệnh tự chạy (JavaScript hoặc lệnh mở chương trình) "
                 "nên không được nhận. Hãy in lại thành PDF không có mã lệnh: mở tệp, chọn In › "
                 "máy in “Lưu thành PDF” (Microsoft Print to PDF), rồi tải tệp mới lên.",
                 name=name)
    return None


def _pdf_is_active(data: bytes, budget: int) -> bool:
    """Whether the PDF names an active feature in its objects, in the file or inside its
    object streams.

    A small lexer, so that what a PDF reader sees is what is checked: literal strings and
    comments are skipped (a ``stream`` written inside a string starts nothing), and so is
    the data of every stream (images and page content are not objects, and their random
    bytes would look like names now and then), except object streams, which are inflated
    and read the same way.
    """
    position = 0
    while (token := _PDF_TOKEN.search(data, position)) is not None:
        found = token.group()
        if found == b"(":
            position = _after_string(data, token.end())
        elif found == b"%":
            position = _after_line(data, token.end())
        elif found == b"/":
            name = _PDF_NAME.match(data, token.start())
            if _unescaped(name[1]) in ACTIVE_PDF_NAMES:
                return True
            position = name.end()
        else:  # the data of a stream begins
            end = data.find(b"endstream", token.end())
            end = len(data) if end < 0 else end
            dictionary = data[max(data.rfind(b"obj", 0, token.start()), 0):token.start()]
            if b"ObjStm" in _names(dictionary):
                inflated = _object_stream(dictionary, data[token.end():end], budget)
                budget -= len(inflated)
                if _pdf_is_active(inflated, 0):
                    return True
            position = end + len(b"endstream")
    return False


def _after_string(data: bytes, position: int) -> int:
    """Where a literal string that opened just before ``position`` ends (nested brackets
    and backslash escapes followed)."""
    depth = 1
    while depth and (mark := _STRING_MARK.search(data, position)) is not None:
        found = mark.group()
        depth += 1 if found == b"(" else -1 if found == b")" else 0
        position = mark.end()
    return position if depth == 0 else len(data)


def _after_line(data: bytes, position: int) -> int:
    end = _LINE_END.search(data, position)
    return end.end() if end else len(data)


def _names(text: bytes) -> set[bytes]:
    """The PDF names in ``text`` (a stream's dictionary), ``#xx`` escapes decoded."""
    return {_unescaped(found) for found in _PDF_NAME.findall(text)}


def _unescaped(name: bytes) -> bytes:
    """A name with ``#xx`` escapes decoded (``/J#61vaScript`` is ``/JavaScript``)."""
    return _PDF_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), name)


def _object_stream(dictionary: bytes, raw: bytes, budget: int) -> bytes:
    """The objects of a compressed object stream (Flate only, at most ``budget`` bytes)."""
    filters = _names(dictionary) & {b"FlateDecode", b"Fl", b"LZWDecode", b"ASCIIHexDecode",
                                    b"ASCII85Decode", b"RunLengthDecode", b"Crypt"}
    if not filters:
        return raw
    if filters - {b"FlateDecode", b"Fl"} or b"DecodeParms" in _names(dictionary):
        raise _Unreadable("object stream with a filter or predictor not checked")
    inflater = zlib.decompressobj()
    try:
        inflated = inflater.decompress(raw, max(budget, 0) + 1)
    except zlib.error as error:  # encrypted, or damaged
        raise _Unreadable(str(error)) from error
    if len(inflated) > budget:
        raise _Unreadable("object streams inflate beyond the limit")
    return inflated


# --- Office documents (ZIP) -------------------------------------------------------------------

def _office(stream: BinaryIO, name: str) -> str | None:
    limit = _unzipped_limit()
    try:
        with zipfile.ZipFile(stream) as archive:
            bomb = _is_bomb(archive, limit)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
            ValueError, OSError):
        return _("Tệp “%(name)s” bị hỏng hoặc có mật khẩu nên không kiểm tra được. Hãy mở tệp "
                 "trên máy, bỏ mật khẩu nếu có, lưu lại (hoặc lưu thành PDF) rồi tải lên lại.",
                 name=name)
    if not bomb:
        return None
    return _("Tệp “%(name)s” khi giải nén lớn hơn %(limit)s MB, có quá nhiều thành phần hoặc "
             "nén bất thường, nên không được nhận. Hãy lưu văn bản thành PDF (Tệp › Lưu thành "
             "› PDF) rồi tải lên, hoặc chia nội dung thành nhiều tệp nhỏ hơn.",
             name=name, limit=limit // MB)


def _is_bomb(archive: zipfile.ZipFile, limit: int) -> bool:
    """Too many entries, or more than ``limit`` bytes once inflated (declared or counted),
    or an entry inflating more than ``UPLOAD_MAX_ZIP_RATIO`` times its compressed size."""
    config = current_app.config
    entries = archive.infolist()
    if len(entries) > int(config["UPLOAD_MAX_ZIP_ENTRIES"]) or \
            sum(entry.file_size for entry in entries) > limit:
        return True
    ratio, inflated = float(config["UPLOAD_MAX_ZIP_RATIO"]), 0
    for entry in entries:
        size = _inflated_size(archive, entry, limit - inflated)
        inflated += size
        if inflated > limit or (size > _RATIO_FLOOR
                                and size > ratio * max(entry.compress_size, 1)):
            return True
    return False


def _inflated_size(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, room: int) -> int:
    """How many bytes ``entry`` inflates to, counted, stopping just past ``room``."""
    size = 0
    with archive.open(entry) as member:
        while size <= room and (chunk := member.read(MB)):
            size += len(chunk)
    return size


def _unzipped_limit() -> int:
    return int(current_app.config["UPLOAD_MAX_UNZIPPED_MB"]) * MB


# --- Images -------------------------------------------------------------------------------------

def _png(stream: BinaryIO, name: str) -> str | None:
    head = stream.read(24)
    if head[12:16] != b"IHDR":
        return None  # no image any program would draw
    return _pixels(name, int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big"))


def _jpeg(stream: BinaryIO, name: str) -> str | None:
    """The frame size from the first SOF segment, walking the segments from the start; a
    file without one before the image data is nothing any program would draw."""
    stream.seek(2)
    while (code := _next_marker(stream)) not in (None, 0xD9, 0xDA):
        if code in (0x01, 0xD8) or 0xD0 <= code <= 0xD7:
            continue  # markers without a segment
        length = int.from_bytes(stream.read(2), "big")
        if code in _JPEG_SOF:
            segment = stream.read(5)  # precision, height, width
            return _pixels(name, int.from_bytes(segment[3:5], "big"),
                           int.from_bytes(segment[1:3], "big"))
        stream.seek(max(length - 2, 0), os.SEEK_CUR)
    return None


def _next_marker(stream: BinaryIO) -> int | None:
    """The code of the marker that starts here (after any fill bytes), None if none does."""
    if stream.read(1) != b"\xff":
        return None
    byte = stream.read(1)
    while byte == b"\xff":
        byte = stream.read(1)
    return byte[0] if byte else None


def _pixels(name: str, width: int, height: int) -> str | None:
    limit = float(current_app.config["UPLOAD_MAX_IMAGE_MEGAPIXELS"])
    if width * height <= limit * 1_000_000:
        return None
    return _("Ảnh “%(name)s” có %(width)d × %(height)d điểm ảnh (khoảng %(megapixels)d triệu), "
             "vượt giới hạn %(limit)s triệu điểm ảnh. Hãy chụp lại ảnh ở độ phân giải thấp hơn "
             "hoặc thu nhỏ ảnh (ví dụ cạnh dài 2000 điểm ảnh) rồi tải lên lại.", name=name,
             width=width, height=height, megapixels=round(width * height / 1_000_000),
             limit=f"{limit:g}")
