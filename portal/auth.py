"""Logins: Flask-Login with server-checked session versions, idle timeout, roles.

* A session stores ``"<user id>:<session version>"``; bumping the version on the user
  (log out everywhere, password change, role change) ends every session at its next request.
* A login ends after ``IDLE_TIMEOUT_MINUTES`` without activity. The session itself (and its
  CSRF token) lives on, so a form sent after the login expired is kept (``services.stash``)
  and shown again, filled in, once the person has logged in.
* htmx requests that need a login get ``HX-Redirect`` to the login page, never a login page
  swapped into a fragment.
"""
from __future__ import annotations

import time
from functools import wraps

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.datastructures import MultiDict

from portal.db import begin_writing
from portal.extensions import db, login_manager
from portal.models import Role, User
from portal.services import stash

SEEN_KEY = "seen"
PENDING_KEY = "pending_form"


def init_app(app: Flask) -> None:
    """Configure Flask-Login and the idle-timeout check."""
    from portal.security import secure_remember_cookie

    app.after_request(secure_remember_cookie)  # before Flask-Login's hook, so it runs after
    login_manager.init_app(app)
    login_manager.login_view = "account.login"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    app.before_request(enforce_idle_timeout)
    app.context_processor(_session_context)


def load_user(user_id: str) -> User | None:
    """The logged-in user, if the session's version is still the account's current one."""
    identifier, _sep, version = user_id.partition(":")
    if not identifier.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(identifier))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


def log_in(user: User, remember: bool = False) -> None:
    """Start a login for ``user`` (a fresh session id guards against fixation)."""
    kept = {key: session[key] for key in (PENDING_KEY, "lang", "drafts") if key in session}
    session.clear()
    session.update(kept)
    session.permanent = True
    login_user(user, remember=remember)
    session[SEEN_KEY] = int(time.time())


def log_out() -> None:
    """End this login; keep nothing of it in the session."""
    logout_user()
    session.clear()


def enforce_idle_timeout() -> None:
    """End a login idle for longer than ``IDLE_TIMEOUT_MINUTES``; note activity otherwise."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return
    now = int(time.time())
    seen = session.get(SEEN_KEY, now)
    if now - seen > current_app.config["IDLE_TIMEOUT_MINUTES"] * 60:
        logout_user()
        session.pop(SEEN_KEY, None)
        session["login_expired"] = True
        return
    if now - seen >= 30:  # write the cookie at most twice a minute
        session[SEEN_KEY] = now


def unauthorized():
    """Send someone who must log in to the login page, keeping what they were sending."""
    expired = session.pop("login_expired", False)
    if request.method == "POST" and request.form:
        token = stash.stash(db.session, request.path, request.form)
        if token:
            db.session.commit()
            session[PENDING_KEY] = token
    flash(_("Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại; những gì bạn đã nhập được "
            "giữ lại.") if expired else _("Vui lòng đăng nhập để tiếp tục."), "info")
    target = request.full_path.rstrip("?") if request.method == "GET" else request.path
    if getattr(request, "htmx", False):
        current = request.htmx.current_url or ""
        target = "/" + current.split("/", 3)[3] if current.count("/") >= 3 else target
        response = current_app.response_class(status=204)
        response.headers["HX-Redirect"] = url_for("account.login", next=target)
        return response
    return redirect(url_for("account.login", next=target), code=303)


def restored_form() -> MultiDict | None:
    """What was typed on this page before the login expired, if anything (once)."""
    token = session.get(PENDING_KEY)
    if token:
        begin_writing(db.session)  # a GET that may write: it reads and deletes the kept form
    data = stash.restore(db.session, token, request.path)
    if data is not None:
        session.pop(PENDING_KEY, None)
        db.session.commit()
    return data


def roles_required(*roles: Role):
    """Only for logged-in users holding one of ``roles`` (else login, or 403)."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def client_address() -> str | None:
    """The client's address (after ProxyFix), for throttling and the audit log."""
    return request.remote_addr


def _session_context() -> dict:
    # Templates rendered outside a request (e-mail from a CLI job) have no current user.
    if not has_request_context() or not current_user.is_authenticated:
        return {"session_timeout": None}
    config = current_app.config
    return {"session_timeout": {
        "seconds": int(config["IDLE_TIMEOUT_MINUTES"] * 60),
        "warning": int(config["IDLE_WARNING_MINUTES"] * 60),
    }}


def login_expired_notice() -> None:
    """Flash the notice for a login that expired (used by the login page)."""
    if session.pop("login_expired", False):
        flash(_("Phiên đăng nhập đã hết hạn sau thời gian không sử dụng."), "info")
