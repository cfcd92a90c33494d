"""Input is typed at the edge (issue 13): what a request may carry before any view sees it.

* Write requests carry form bodies only. A JSON (or any other) body, or a file part under a
  name where the view expects text, is refused here with a 400 and a Vietnamese message: it
  never reaches a validator that expects a string (Flask-WTF would merge either into the
  form data). The few views that take files are listed in :data:`FILE_PARTS`.
* Integer path parameters fit a PostgreSQL ``INTEGER`` (32 bits): ``<int:…>`` is replaced by
  :class:`BoundedIntegerConverter`, so an id beyond it is a plain 404, never a database error.
* Integer query-string filters are read with :func:`arg_int`, which gives ``None`` (no
  filter) for anything that is not a small non-negative number.
* Dates typed in three boxes are read by :func:`date_from_parts`: day and month of at most
  two digits, a four-digit year, so no typed number overflows ``date()``.
* No text holds NUL (U+0000): PostgreSQL refuses it, no keyboard types it; a path, query or
  form value with one is refused (400).
"""
from __future__ import annotations

from datetime import date

from flask import Flask, Response, request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

#: The largest PostgreSQL INTEGER (ids are INTEGER there; SQLite's 64 bits hold it too).
INT32_MAX = 2 ** 31 - 1
#: Body types a form view understands.
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: The only endpoints that take file parts, and the names they take them under. A view that
#: starts taking files adds its endpoint here; any other file part is refused.
FILE_PARTS: dict[str, frozenset[str]] = {
    "applications.upload": frozenset({"tep"}),
    "applications.restore": frozenset({"tep"}),
    "dossiers.post_message": frozenset({"tep"}),
    "feedback.send": frozenset({"tep"}),
    "backoffice.act": frozenset({"ket-qua"}),
    "backoffice.scan": frozenset({"tep"}),
    "backoffice.message": frozenset({"tep"}),
    "backoffice.petition_record": frozenset({"tep"}),
    "admin.logo_upload": frozenset({"logo"}),
    "admin.import_catalogue": frozenset({"file"}),
}

NOT_A_FORM = (
    _l("Dữ liệu gửi lên không đúng dạng"),
    _l("Trang này chỉ nhận dữ liệu gửi từ biểu mẫu trên trang (không nhận JSON hay dạng "
       "khác). Hãy mở lại trang rồi gửi biểu mẫu."),
)
FILE_NOT_EXPECTED = (
    _l("Tệp gửi không đúng chỗ"),
    _l("Biểu mẫu này không nhận tệp ở ô vừa gửi. Hãy mở lại trang, điền chữ vào các ô và "
       "chỉ chọn tệp ở ô \"Chọn tệp\"."),
)
NUL_IN_TEXT = (
    _l("Dữ liệu gửi lên có ký tự không hợp lệ"),
    _l("Nội dung gửi lên chứa ký tự rỗng (NUL), không lưu được. Hãy gõ lại nội dung rồi "
       "gửi lại."),
)


class BoundedIntegerConverter(IntegerConverter):
    """``<int:…>`` limited to what the database stores: beyond 32 bits the URL matches no
    route (404). The digits are ASCII, at most 10 of them, so ``int()`` never sees a
    thousand-digit string or another script's digits."""

    regex = r"[0-9]{1,10}"
    signed_regex = r"-?[0-9]{1,10}"

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits, min, INT32_MAX if max is None else max, signed)
        if signed and min is None:
            self.min = -INT32_MAX - 1


def parse_int(raw: str | None, default: int | None = None, *, minimum: int = 0,
              maximum: int = INT32_MAX) -> int | None:
    """``raw`` as a whole number, or ``default`` when it is empty, not 1–10 ASCII digits, or
    outside ``minimum``–``maximum``.

    ``str.isdigit()`` is no test for ``int()``: it accepts "²" and "①", which ``int()``
    refuses, and thousands of digits, which ``int()`` refuses too or the database cannot hold.
    """
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10):
        return default
    value = int(raw)
    return value if minimum <= value <= maximum else default


def date_from_parts(day: str, month: str, year: str) -> date | None:
    """The date typed in day, month and year boxes; None unless they are 1–2, 1–2 and 4
    ASCII digits naming a day on the calendar (so no part can overflow ``date()``)."""
    if not (_digits(day, 2) and _digits(month, 2) and _digits(year, 4) and len(year) == 4):
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:  # 31/2, month 13, year 0000
        return None


def _digits(text: str, most: int) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= most


def fits_id(value: int | None) -> bool:
    """Whether ``value`` can be a row id (a positive 32-bit integer)."""
    return value is not None and 0 < value <= INT32_MAX


def arg_int(name: str, default: int | None = None, *, minimum: int = 0,
            maximum: int = INT32_MAX) -> int | None:
    """The query-string integer ``name`` (see :func:`parse_int`): an out-of-range or
    malformed filter is ignored, never a 500."""
    return parse_int(request.args.get(name), default, minimum=minimum, maximum=maximum)


def init_app(app: Flask) -> None:
    """Install the bounded ``int`` converter (before any blueprint adds a rule) and the
    request check."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(refuse_untyped_input)


def refuse_untyped_input() -> Response | None:
    """Refuse a request carrying what no view can take (see the module docstring)."""
    problem = _nul_problem()
    if problem is None and request.method in WRITE_METHODS:
        problem = _body_problem()
    if problem is None:
        return None
    from portal.errors import error_page

    return error_page(400, *problem)


def _nul_problem() -> tuple | None:
    # PostgreSQL cannot store or even compare text holding NUL, and no keyboard types it.
    texts = [request.path, *(part for pair in request.args.items(multi=True) for part in pair)]
    if request.method in WRITE_METHODS and request.mimetype in FORM_TYPES:
        texts += [part for pair in request.form.items(multi=True) for part in pair]
    return NUL_IN_TEXT if any("\x00" in (text or "") for text in texts) else None


def _body_problem() -> tuple | None:
    mimetype = request.mimetype
    if mimetype and mimetype not in FORM_TYPES:
        return NOT_A_FORM
    if not mimetype and request.content_length:
        return NOT_A_FORM
    if mimetype and (None in request.form or None in request.files):
        return NOT_A_FORM  # a part whose name Werkzeug could not read (a line break in it)
    allowed = FILE_PARTS.get(request.endpoint or "", frozenset())
    if any(name not in allowed for name in request.files):
        return FILE_NOT_EXPECTED
    return None
