"""Checking a dossier attachment before it is stored (TT21-05.1-06).

A file is judged by its content, never by its name: the first bytes (and, for office
documents, the ZIP directory) say what it is. Its name is cleaned, and its extension must
agree with that content. Files larger than the rule allows, empty files, web pages, programs
and iPhone HEIC photos are refused with a message telling the citizen what to do, and so are
PDFs with code that runs by itself, ZIP bombs and image bombs (:mod:`upload_content`); when
ClamAV is configured, every file is scanned before it is kept. Only a file that passes everything
reaches the file store.
"""
from __future__ import annotations

import logging
import os
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from portal.db import assert_no_write_lock
from portal.services import clamav, files, upload_content

if TYPE_CHECKING:
    from portal.models.catalog import DossierComponent

log = logging.getLogger("portal.uploads")

MB = 1024 * 1024
#: Longest file name kept, in characters (the extension is kept when a name is cut).
MAX_NAME_LENGTH = 150
HEAD_BYTES = 1024


@dataclass(frozen=True)
class FileType:
    """A kind of file the portal can accept."""

    media_type: str
    extensions: tuple[str, ...]
    label: str


FILE_TYPES: dict[str, FileType] = {
    "pdf": FileType("application/pdf", ("pdf",), _l("tài liệu PDF")),
    "jpg": FileType("image/jpeg", ("jpg", "jpeg"), _l("ảnh JPEG")),
    "png": FileType("image/png", ("png",), _l("ảnh PNG")),
    "docx": FileType(files.DOCX, ("docx",), _l("văn bản Word (DOCX)")),
    "odt": FileType("application/vnd.oasis.opendocument.text", ("odt",),
                    _l("văn bản OpenDocument (ODT)")),
    "xlsx": FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     ("xlsx",), _l("bảng tính Excel (XLSX)")),
    "ods": FileType("application/vnd.oasis.opendocument.spreadsheet", ("ods",),
                    _l("bảng tính OpenDocument (ODS)")),
}
ALIASES = {"jpeg": "jpg"}
_ODF_KINDS = {FILE_TYPES[kind].media_type: kind for kind in ("odt", "ods")}

#: Extensions of programs and scripts: never accepted inside a name ("anh.php.jpg").
RISKY_EXTENSIONS = frozenset(
    "exe com bat cmd sh php php3 php4 php5 php7 phar pht phtml shtml js mjs html htm xhtml "
    "svg jar msi ps1 vbs vbe wsf hta scr py pl cgi asp aspx jsp dll lnk".split())
#: Other names recognised as extensions; any other last part of a name is not one.
_OTHER_EXTENSIONS = frozenset(
    "doc xls ppt pptx odp rtf txt csv gif bmp tif tiff webp heic heif avif zip rar 7z gz "
    "xml json mp3 mp4 mov".split())
_KNOWN_EXTENSIONS = RISKY_EXTENSIONS | _OTHER_EXTENSIONS | {
    extension for kind in FILE_TYPES.values() for extension in kind.extensions}
#: Control, format (invisible, bidi overrides) and surrogate characters.
_CONTROL_CATEGORIES = {"Cc", "Cf", "Cs"}

_EXECUTABLES = (b"MZ", b"\x7fELF", b"#!", b"\xfe\xed\xfa", b"\xce\xfa\xed\xfe",
                b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs",
                b"mif1", b"msf1"}
_MARKUP = (b"<svg", b"<html", b"<!doctype", b"<?xml", b"<script", b"<body", b"<iframe")


class UploadError(ValueError):
    """A file that cannot be accepted; ``str()`` tells the citizen why and what to do."""


@dataclass(frozen=True)
class FileRule:
    """What one dossier component accepts: kinds (keys of ``FILE_TYPES``) and a size."""

    kinds: tuple[str, ...]
    max_bytes: int


@dataclass(frozen=True)
class StoredFile:
    """An accepted file, as kept in the file store."""

    sha256: str
    filename: str
    media_type: str
    size: int


def rule_for(component: DossierComponent | None) -> FileRule:
    """The rule for a component's files; the portal defaults fill in what it leaves out."""
    config = current_app.config
    kinds = _kinds(component.accepted_types if component else None)
    kinds = kinds or _kinds(config["UPLOAD_DEFAULT_TYPES"])
    megabytes = component.max_size_mb if component else None
    if not megabytes or megabytes <= 0:
        megabytes = config["UPLOAD_MAX_MB"]
    max_bytes = int(megabytes) * MB
    if config.get("MAX_CONTENT_LENGTH"):  # a bigger file could not even be sent
        max_bytes = min(max_bytes, int(config["MAX_CONTENT_LENGTH"]))
    return FileRule(kinds, max_bytes)


def _kinds(names: str | None) -> tuple[str, ...]:
    """Known kinds named in "pdf, .JPEG png", in order; unknown names are ignored."""
    found: list[str] = []
    for name in re.split(r"[\s,;]+", (names or "").lower()):
        kind = ALIASES.get(name.lstrip("."), name.lstrip("."))
        if kind in FILE_TYPES and kind not in found:
            found.append(kind)
    return tuple(found)


def describe(rule: FileRule) -> str:
    """The rule in words, e.g. "PDF, JPG, PNG, DOCX, ODT; tối đa 10 MB"."""
    return _("%(kinds)s; tối đa %(size)s MB", kinds=_kind_list(rule), size=_mb(rule.max_bytes))


def accept_attribute(rule: FileRule) -> str:
    """The value of ``<input type="file" accept="…">`` for the rule."""
    values: list[str] = []
    for kind in rule.kinds:
        values += [f".{extension}" for extension in FILE_TYPES[kind].extensions]
        values.append(FILE_TYPES[kind].media_type)
    return ",".join(values)


def _kind_list(rule: FileRule) -> str:
    return ", ".join(kind.upper() for kind in rule.kinds)


def _mb(size: int) -> str:
    """A size in MB with at most one decimal, Vietnamese style ("10", "12,5")."""
    return f"{size / MB:.1f}".removesuffix(".0").replace(".", ",")


def sanitise_filename(name: str) -> str:
    """The name to keep for an uploaded file, or UploadError if it cannot be made safe.

    Names with a path separator, a control character or a program extension inside
    ("anh.php.jpg") are refused; spaces are tidied, leading dots dropped, the length capped.
    """
    name = unicodedata.normalize("NFC", name)
    if any(c in "/\\" or unicodedata.category(c) in _CONTROL_CATEGORIES for c in name):
        raise UploadError(_("Tên tệp “%(name)s” có dấu “/”, “\\” hoặc ký tự điều khiển nên "
                            "không dùng được. Hãy đổi tên tệp (chỉ dùng chữ, số, dấu cách và "
                            "dấu gạch) rồi tải lên lại.", name=_shown(name)))
    cleaned = " ".join(name.split()).strip(". ")
    if not cleaned:
        raise UploadError(_("Tệp chưa có tên. Hãy đặt tên cho tệp, ví dụ “giay-khai-sinh.pdf”, "
                            "rồi tải lên lại."))
    _refuse_hidden_extension(cleaned)
    capped = _cap(cleaned)
    _refuse_hidden_extension(capped)
    return capped


def _refuse_hidden_extension(name: str) -> None:
    for part in name.split(".")[1:-1]:
        if part.strip().lower() in RISKY_EXTENSIONS:
            raise UploadError(_("Tên tệp “%(name)s” có phần “.%(part)s” ở giữa, giống tên tệp "
                                "chương trình, nên không được nhận. Hãy đổi tên tệp, bỏ phần "
                                "“.%(part)s”, rồi tải lên lại.", name=name, part=part.strip()))


def _cap(name: str) -> str:
    """``name`` cut to MAX_NAME_LENGTH characters, keeping a (short) extension."""
    if len(name) <= MAX_NAME_LENGTH:
        return name
    stem, dot, extension = name.rpartition(".")
    suffix = f".{extension}" if dot and stem and len(extension) <= 10 else ""
    stem = stem if suffix else name
    return stem[:MAX_NAME_LENGTH - len(suffix)].rstrip(". ") + suffix


def _shown(name: str) -> str:
    """A name as it may be shown in a message: control characters masked, length capped."""
    shown = "".join("?" if unicodedata.category(c) in _CONTROL_CATEGORIES else c for c in name)
    return shown if len(shown) <= 80 else shown[:79] + "…"


def accept(storage: FileStorage | StoredFile, rule: FileRule) -> StoredFile:
    """Check an uploaded file against ``rule`` and keep it in the file store.

    The checks run in order (name, size, content type, extension, virus scan); the file is
    stored only if all pass.

    Views run it before the transaction that records the file (the write lock is never
    held while a file is read, scanned and written) and hand the :class:`StoredFile` to
    the service, which calls this again: a stored file is then only matched to ``rule``.

    :raises UploadError: with the message to show; nothing has been stored.
    """
    if isinstance(storage, StoredFile):
        return _matching(storage, rule)
    assert_no_write_lock("checking and storing an upload")
    if not storage or not storage.filename:
        raise UploadError(_("Chưa chọn tệp nào. Hãy bấm “Chọn tệp” và chọn giấy tờ cần nộp."))
    name = sanitise_filename(storage.filename)
    stream = storage.stream
    size = _measure(stream, name, rule)
    kind = _sniff(stream, name)
    if kind is None:
        raise UploadError(_("Không nhận ra loại của tệp “%(name)s”. Giấy tờ này nhận các loại: "
                            "%(kinds)s. Hãy lưu hoặc chuyển tệp sang một trong các loại đó rồi "
                            "tải lên lại.", name=name, kinds=_kind_list(rule)))
    if kind not in rule.kinds:
        raise UploadError(_("Tệp “%(name)s” là %(label)s, nhưng giấy tờ này chỉ nhận: %(kinds)s. "
                            "Hãy chuyển tệp sang một trong các loại đó (ví dụ in ra PDF) rồi tải "
                            "lên lại.", name=name, label=FILE_TYPES[kind].label,
                            kinds=_kind_list(rule)))
    name = _agree_extension(name, kind)
    refusal = upload_content.problem(stream, kind, name)  # kept as received: never cleaned
    if refusal:
        raise UploadError(refusal)
    scan(stream, name=name)
    stream.seek(0)
    digest = files.store().put_stream(stream)
    return StoredFile(digest, name, FILE_TYPES[kind].media_type, size)


def accept_all(storages: list, rule: FileRule) -> tuple[list[StoredFile], list[str]]:
    """:func:`accept` each chosen file: those kept, and the messages of those refused."""
    kept, refused = [], []
    for storage in storages:
        try:
            kept.append(accept(storage, rule))
        except UploadError as error:  # its message names the file
            refused.append(str(error))
    return kept, refused


def _matching(stored: StoredFile, rule: FileRule) -> StoredFile:
    """A file checked earlier, if ``rule`` takes its type and size too."""
    kinds = {FILE_TYPES[kind].media_type for kind in rule.kinds}
    if stored.media_type not in kinds or stored.size > rule.max_bytes:
        raise UploadError(_("Tệp “%(name)s” không dùng được cho giấy tờ này, nhận các loại: "
                            "%(kinds)s.", name=stored.filename, kinds=_kind_list(rule)))
    return stored


def _measure(stream: BinaryIO, name: str, rule: FileRule) -> int:
    """The file's size, from its end rather than by reading it."""
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise UploadError(_("Tệp “%(name)s” trống (0 byte). Hãy kiểm tra lại tệp trên máy rồi "
                            "chọn lại đúng tệp.", name=name))
    if size > rule.max_bytes:
        raise UploadError(_("Tệp “%(name)s” lớn hơn %(limit)s MB (tệp nặng %(size)s MB). Hãy "
                            "quét lại ở độ phân giải thấp hơn (200 dpi là đủ đọc) hoặc thu nhỏ "
                            "ảnh chụp, rồi tải lên lại.", name=name, limit=_mb(rule.max_bytes),
                            size=_mb(size)))
    return size


def _sniff(stream: BinaryIO, name: str) -> str | None:
    """The kind of file the content is, None if unknown; UploadError if dangerous."""
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(stream, name)
    _refuse_known_bad(head, name)
    return None


def _refuse_known_bad(head: bytes, name: str) -> None:
    """Refuse, with a specific message, contents that are not documents at all."""
    if head.startswith(_EXECUTABLES):
        raise UploadError(_("Tệp “%(name)s” là một chương trình máy tính, không phải giấy tờ. "
                            "Hãy chọn đúng tệp bản quét hoặc ảnh chụp giấy tờ.", name=name))
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        raise UploadError(_("Tệp “%(name)s” là ảnh HEIC/HEIF (dạng ảnh của iPhone), cổng chưa "
                            "nhận được. Hãy chọn ảnh JPEG (trên iPhone: Cài đặt › Camera › Định "
                            "dạng › Tương thích nhất) hoặc chuyển ảnh sang PDF rồi tải lên lại.",
                            name=name))
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<") or any(tag in text for tag in _MARKUP):
        raise UploadError(_("Tệp “%(name)s” là trang web, tệp XML hoặc ảnh SVG; loại tệp này có "
                            "thể chứa mã chạy được nên không được nhận. Hãy in ra PDF hoặc chụp "
                            "ảnh JPEG/PNG rồi tải lên.", name=name))


def _sniff_zip(stream: BinaryIO, name: str) -> str | None:
    """DOCX/XLSX or ODT/ODS, from the ZIP directory, or None.

    No entry is extracted except ODF's tiny ``mimetype`` (and at most 100 bytes of it), so a
    ZIP bomb costs nothing.
    """
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
            if entries and entries[0].filename == "mimetype":
                with archive.open(entries[0]) as entry:
                    declared = entry.read(100).decode("ascii", "replace").strip()
                return _ODF_KINDS.get(declared)
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
            ValueError) as error:
        log.info("unreadable ZIP upload: %s", error)
        raise UploadError(_("Tệp “%(name)s” bị hỏng hoặc không mở được. Hãy mở thử tệp trên "
                            "máy, lưu lại rồi tải lên lại.", name=name)) from error
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    return None


def _agree_extension(name: str, kind: str) -> str:
    """``name`` if its extension fits the content, with one added if it has none."""
    stem, dot, extension = name.rpartition(".")
    extension = extension.lower() if dot and stem else ""
    allowed = FILE_TYPES[kind].extensions
    if extension in allowed:
        return name
    if extension in _KNOWN_EXTENSIONS:
        raise UploadError(_("Tệp “%(name)s” có đuôi “.%(extension)s” nhưng nội dung thực ra là "
                            "%(label)s. Hãy đổi tên tệp thành “%(fixed)s” (hoặc chọn đúng tệp) "
                            "rồi tải lên lại.", name=name, extension=extension,
                            label=FILE_TYPES[kind].label, fixed=f"{stem}.{allowed[0]}"))
    return _cap(f"{name}.{allowed[0]}")  # no extension ("Giấy khai sinh 2.2025")


def scan(stream: BinaryIO, *, name: str = "") -> None:
    """Have clamd scan the file when ClamAV is configured (INSTREAM); do nothing otherwise.

    :raises UploadError: if a virus is found, or if the scan could not be done: a file is
        never accepted unscanned.
    """
    config = current_app.config
    if not (config["CLAMAV_SOCKET"] or config["CLAMAV_ADDRESS"]):
        return
    try:
        reply = clamav.instream(stream, float(config["CLAMAV_TIMEOUT"]),
                                socket_path=config["CLAMAV_SOCKET"],
                                address=config["CLAMAV_ADDRESS"])
    except (OSError, ValueError) as error:
        log.error("virus scan failed, upload refused: %s", error)
        raise _scan_unavailable() from error
    found = re.fullmatch(r"stream: (.+) FOUND", reply)
    if found:
        log.warning("virus found in an upload: %s", found[1])
        raise UploadError(_("Tệp “%(name)s” có virus hoặc mã độc (%(threat)s) nên không được "
                            "nhận. Hãy quét virus trên máy của bạn rồi tải lên bản sạch của giấy "
                            "tờ.", name=name, threat=found[1]))
    if reply != "stream: OK":
        log.error("virus scan failed, upload refused: clamd answered %r", reply[:200])
        raise _scan_unavailable()


def _scan_unavailable() -> UploadError:
    return UploadError(_("Hệ thống không kiểm tra được virus lúc này, vui lòng thử lại sau ít "
                         "phút. Tệp chưa được lưu."))
