"""Security headers, a strict Content Security Policy and cookie flags.

Templates carry no inline script, no inline style and no ``on*=`` handlers, so the policy
needs no nonces and no ``unsafe-*`` sources.
"""
from __future__ import annotations

from flask import Flask, Response, abort, current_app, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def cookie_secure(configured: bool | None) -> bool:
    """Whether a cookie gets ``Secure``: as configured, or (``None``) when this request came
    over HTTPS, directly or through a proxy trusted by PROXY_FIX_X_FOR."""
    return request.is_secure if configured is None else bool(configured)


class SessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions whose ``Secure`` flag follows the request's scheme.

    With ``SESSION_COOKIE_SECURE = None`` (the default) a site served over HTTPS gets
    ``Secure`` cookies while ``make run`` on plain http://127.0.0.1 still works.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return cookie_secure(app.config["SESSION_COOKIE_SECURE"])


def secure_remember_cookie(response: Response) -> Response:
    """Give Flask-Login's "remember me" cookie the session cookie's rule for ``Secure``
    (``REMEMBER_COOKIE_SECURE = None``: per request); Flask-Login knows a fixed setting only.

    Must run after Flask-Login's own response hook: :func:`portal.auth.init_app` registers
    it first (Flask runs response hooks in reverse order).
    """
    config = current_app.config
    if config.get("REMEMBER_COOKIE_SECURE") is not None or not request.is_secure:
        return response  # Flask-Login applied the fixed setting itself
    prefix = config.get("REMEMBER_COOKIE_NAME", "remember_token") + "="
    cookies = response.headers.getlist("Set-Cookie")
    if not any(cookie.startswith(prefix) for cookie in cookies):
        return response
    del response.headers["Set-Cookie"]
    for cookie in cookies:
        secure = cookie.startswith(prefix) and "; Secure" not in cookie
        response.headers.add("Set-Cookie", cookie + "; Secure" if secure else cookie)
    return response


def init_app(app: Flask) -> None:
    """Install the session interface, the proxy fix and the header hook."""
    app.session_interface = SessionInterface()
    if app.config["PROXY_FIX_X_FOR"]:
        hops = app.config["PROXY_FIX_X_FOR"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops,
                                x_host=app.config["PROXY_FIX_X_HOST"])
    app.before_request(_refuse_nul_bytes)
    app.after_request(_set_security_headers)


def _refuse_nul_bytes() -> None:
    """A NUL byte is never legitimate in a path or a parameter (and PostgreSQL rejects it)."""
    if "\x00" in request.path or any("\x00" in key or "\x00" in value
                                     for key, value in request.args.items(multi=True)):
        abort(400)


def _set_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        max_age = int(current_app.config["HSTS_SECONDS"])
        response.headers.setdefault("Strict-Transport-Security", f"max-age={max_age}")
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response
