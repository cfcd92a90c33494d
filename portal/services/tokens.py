"""Signed, expiring tokens for links sent by e-mail (verification, password reset).

Nothing is stored: the signature proves the portal issued the token, the timestamp limits
its age, and a fingerprint of the account's current state makes a reset link single-use
(once the password changes, the fingerprint no longer matches).
"""
from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from portal.models import User

VERIFY_EMAIL = "verify-email"
RESET_PASSWORD = "reset-password"


class InvalidToken(ValueError):
    """The token is forged, expired or already used."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"portal-{purpose}")


def fingerprint(user: User) -> str:
    """Changes whenever the password or the session version changes."""
    state = f"{user.id}|{user.password_hash or ''}|{user.session_version}|{user.email or ''}"
    return hashlib.sha256(state.encode()).hexdigest()[:24]


def make(purpose: str, user: User) -> str:
    """A token for ``purpose`` bound to the account's current state."""
    return _serializer(purpose).dumps({"u": user.id, "f": fingerprint(user)})


def read(purpose: str, token: str, max_age: int) -> tuple[int, str]:
    """The (user id, fingerprint) in a valid token, else :class:`InvalidToken`."""
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature) as error:
        raise InvalidToken(str(error)) from error
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise InvalidToken("malformed token")
    return data["u"], str(data.get("f", ""))
