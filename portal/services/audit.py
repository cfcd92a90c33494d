"""The audit log: who did what, when, from where (TT22-PL5-b). Append-only."""
from __future__ import annotations

from sqlalchemy.orm import Session

from portal.models import AuditEvent, User

# Actions, as stored (filterable in the administrators' view).
LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOGIN_THROTTLED = "login_throttled"
LOGOUT = "logout"
LOGOUT_EVERYWHERE = "logout_everywhere"
REGISTER = "register"
EMAIL_VERIFIED = "email_verified"
PHONE_VERIFIED = "phone_verified"
PASSWORD_CHANGED = "password_changed"
PASSWORD_RESET_REQUESTED = "password_reset_requested"
PASSWORD_RESET = "password_reset"
ACCOUNT_DELETED = "account_deleted"
PROFILE_UPDATED = "profile_updated"
STAFF_CREATED = "staff_created"
ROLES_CHANGED = "roles_changed"
ACCOUNT_ACTIVATED = "account_activated"
ACCOUNT_DEACTIVATED = "account_deactivated"


def record(session: Session, action: str, *, actor: User | None = None,
           actor_label: str | None = None, object_type: str | None = None,
           object_id: object = None, address: str | None = None, **details) -> AuditEvent:
    """Append an event. ``details`` must be JSON-serialisable and hold no secrets."""
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor else None,
        actor_label=actor_label if actor_label is not None else _label(actor),
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        address=address,
        details=details,
    )
    session.add(event)
    return event


def _label(user: User | None) -> str:
    if user is None:
        return ""
    return user.display_name or user.email or user.phone or f"#{user.id}"
