"""Error pages in the site layout; htmx requests get a small alert swapped into ``#flash``."""
from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import (HTTPException, InternalServerError, RequestEntityTooLarge,
                                 SecurityError)

from portal.extensions import db, login_manager
from portal.htmx import retarget, wants_fragment
from portal.logs import scrub
from portal.outages import database_unavailable, describe

# Plain-language titles and advice for the errors a citizen may meet.
MESSAGES = {
    400: (_l("Yêu cầu không hợp lệ"), _l("Trang không hiểu được yêu cầu. Vui lòng thử lại.")),
    403: (_l("Không có quyền truy cập"), _l("Bạn không có quyền xem trang này.")),
    404: (
        _l("Không tìm thấy trang"),
        _l("Địa chỉ có thể đã thay đổi. Hãy tìm thủ tục bằng ô tìm kiếm hoặc về trang chủ."),
    ),
    405: (_l("Thao tác không được hỗ trợ"), _l("Trang này không nhận thao tác vừa gửi.")),
    413: (
        _l("Tệp quá lớn"),
        _l("Dữ liệu gửi lên vượt quá giới hạn cho phép. Hãy chọn tệp nhỏ hơn rồi gửi lại."),
    ),
    429: (
        _l("Quá nhiều yêu cầu"),
        _l("Bạn đã thử quá nhiều lần. Vui lòng đợi một lúc rồi thử lại."),
    ),
    500: (
        _l("Hệ thống đang gặp sự cố"),
        _l("Lỗi không do bạn gây ra. Vui lòng thử lại sau ít phút."),
    ),
}


CSRF_MESSAGE = (
    _l("Trang đã mở quá lâu"),
    _l("Vì an toàn, biểu mẫu chỉ gửi được trong phiên làm việc đã mở nó. Hãy tải lại trang "
       "rồi gửi lại."),
)

#: The database cannot answer for a moment (restart, failover, lock not granted in time).
UNAVAILABLE_MESSAGE = (
    _l("Dịch vụ tạm thời gián đoạn"),
    _l("Hệ thống đang tạm gián đoạn trong ít giây. Những gì đã lưu trước đó không bị mất. "
       "Vui lòng thử lại sau giây lát."),
)


def init_app(app: Flask) -> None:
    """Register one handler for every HTTP error and one for unexpected exceptions."""
    app.register_error_handler(SecurityError, _handle_untrusted_host)
    app.register_error_handler(CSRFError, _handle_csrf_error)
    app.register_error_handler(HTTPException, _handle_http_error)
    app.register_error_handler(Exception, _handle_unexpected)


def _handle_http_error(error: HTTPException) -> Response:
    if error.code is None or error.code < 400:
        return error  # redirects and the like pass through untouched
    if database_unavailable(getattr(error, "original_exception", None)):
        return _handle_unavailable(error.original_exception)  # raised by a response hook
    if error.response is not None:
        return error.response  # a page the view made for it (a refused form, typed text kept)
    if error.code == RequestEntityTooLarge.code:
        _drain_request_body()
    return _render_error(error.code)


def _drain_request_body() -> None:
    """Read and throw away a body refused as too large, so the browser shows the 413 page.

    Werkzeug refuses a body over ``MAX_CONTENT_LENGTH`` from its Content-Length alone. Were the
    server to answer and close while the browser is still sending, the browser would show
    "connection reset" instead of our page.
    """
    declared, limit = request.content_length, request.max_content_length
    # Only that up-front refusal leaves the body unread: after a refusal part-way through,
    # what is left is unknown, and reading past the end would wait for bytes never sent.
    if declared is None or limit is None or declared <= limit:
        return
    if declared > current_app.config["UPLOAD_DRAIN_BYTES"]:
        return  # not worth reading: the connection is cut and the browser may say so
    # The raw input, since request.stream refuses to read a body over the limit.
    source = request.environ["wsgi.input"]
    remaining = declared
    try:
        while remaining > 0:
            chunk = source.read(min(remaining, 64 * 1024))
            if not chunk:
                break  # the browser stopped sending
            remaining -= len(chunk)
    except OSError:
        pass  # the browser went away; nobody is left to read the page


def _handle_untrusted_host(error: SecurityError) -> Response:
    # The page layout builds absolute URLs from the host, which is exactly what is refused.
    return Response("Bad Request: unknown host\n", status=400, mimetype="text/plain")


def _handle_csrf_error(error: CSRFError) -> Response:
    return _render_error(400, CSRF_MESSAGE)


def _handle_unexpected(error: Exception) -> Response:
    if database_unavailable(error):
        return _handle_unavailable(error)
    # The path may be a secret link (a draft, an e-mailed reset link): its token is not logged.
    logging.getLogger("portal").exception("unhandled error on %s", scrub(request.path))
    db.session.rollback()
    return _render_error(InternalServerError.code)


def error_page(code: int, title: str, message: str) -> Response:
    """An error page (or, for htmx, an alert) with its own title and advice."""
    return _render_error(code, (title, message))


def _render_error(code: int, text: tuple | None = None, **context) -> Response:
    title, message = text or MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    if wants_fragment():
        body = render_template("components/_alert.html", kind="error", message=message)
        return retarget(make_response(body, code), "#flash")
    page = render_template("errors/error.html", code=code, title=title, message=message,
                           **context)
    return make_response(page, code)


def _handle_unavailable(error: Exception) -> Response:
    """503 with ``Retry-After`` for a request the database could not serve: JSON for JSON
    clients (the autosave script), an alert for htmx, else the error page, drawn without
    the database."""
    logging.getLogger("portal").warning("database unavailable on %s: %s", request.endpoint,
                                        describe(error))
    _discard_session()
    if _wants_json():
        response = jsonify(error="unavailable", message=str(UNAVAILABLE_MESSAGE[1]))
        response.status_code = 503
    else:
        # The layout shows the logged-in user, the editors' settings and maintenance notices:
        # an anonymous visitor, the configured settings and no notices need no query (a
        # second connection attempt could wait DATABASE_CONNECT_TIMEOUT again).
        g._login_user = login_manager.anonymous_user()  # what Flask-Login's current_user reads
        g.site_settings = {}  # portal.services.site_settings' per-request cache
        response = _render_error(503, UNAVAILABLE_MESSAGE, site_notices=list)
    response.headers["Retry-After"] = str(current_app.config["UNAVAILABLE_RETRY_AFTER"])
    response.headers["Cache-Control"] = "no-store"
    return response


def _discard_session() -> None:
    """End the failed transaction; the pool replaces a connection found dead."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        pass  # the connection is gone already; closing below returns it as invalid
    finally:
        db.session.close()


def _wants_json() -> bool:
    """True for a client that asked for JSON (``Accept: application/json``) or sent it."""
    best = request.accept_mimetypes.best_match(("text/html", "application/json"))
    return best == "application/json" or request.is_json
