"""Absolute links for messages (e-mail, SMS): built from the configured canonical address,
never from the request's ``Host`` header.

The Host header is whatever the client sent. Were a password-reset link built from it, a
request with ``Host: evil.example`` would put a reset link to evil.example in the owner's
mailbox, and the owner's click would hand the token to the attacker. ``BASE_URL``
(``PORTAL_BASE_URL``) names the address people use, e.g. ``https://dichvucong.minhhoa.gov.vn``;
when it is unset, Flask's ``SERVER_NAME`` (with ``PREFERRED_URL_SCHEME``) serves. Development,
demonstration and tests fall back to :data:`DEVELOPMENT_BASE_URL`; a production portal refuses
to start without an address (:func:`base_url`, called by ``refuse_unsafe_production``).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, url_for

#: Where ``make run`` serves: the address of a demo or development portal left unconfigured.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:8000"


def base_url(app: Flask) -> str:
    """The canonical address, ``scheme://host[:port]`` without a trailing slash.

    :raises RuntimeError: in production when neither ``BASE_URL`` nor ``SERVER_NAME`` is set,
        and whenever the configured address is not a bare ``http(s)://host``.
    """
    configured = (app.config.get("BASE_URL") or "").strip()
    if not configured and app.config.get("SERVER_NAME"):
        configured = f"{app.config['PREFERRED_URL_SCHEME']}://{app.config['SERVER_NAME']}"
    if configured:
        return _checked(configured)
    if app.debug or app.testing or app.config["DEMO_MODE"]:
        return DEVELOPMENT_BASE_URL
    raise RuntimeError(
        "PORTAL_BASE_URL is not set: links in e-mail and SMS need the portal's public address, "
        "e.g. PORTAL_BASE_URL=https://dichvucong.minhhoa.gov.vn")


def _checked(address: str) -> str:
    parts = urlsplit(address)
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/")
            or parts.query or parts.fragment or "@" in parts.netloc):
        raise RuntimeError(f"PORTAL_BASE_URL must be a scheme and host only, like "
                           f"https://dichvucong.minhhoa.gov.vn, not {address!r}")
    return f"{parts.scheme}://{parts.netloc}"


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of ``endpoint`` at the canonical address (``url_for`` arguments).

    In a request the path is the request's own (a portal mounted below a prefix keeps it);
    only the scheme and host are replaced.
    """
    base = base_url(current_app)
    if has_request_context():
        return base + url_for(endpoint, **values)
    root = current_app.config["APPLICATION_ROOT"].rstrip("/")
    with current_app.test_request_context(base_url=base + root):
        return url_for(endpoint, _external=True, **values)
