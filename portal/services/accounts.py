"""Accounts: registration, login, verification, passwords, deletion, staff.

Rules for everything a stranger can try: the answer never tells whether an account exists
(registration, login and reset give the same response and take the same time), and every
change worth knowing about is in the audit log.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.db import begin_writing, release_write_lock
from portal.links import external_url
from portal.models import Agency, Draft, PhoneCode, Profile, Role, User, UserRole, utcnow
from portal.services import audit, messaging, throttle, tokens
from portal.services.identity import email_key, identifier_kind, normalize_phone
from portal.services.passwords import check_password, hash_password


class AccountError(ValueError):
    """A request about an account that cannot be carried out, with a message for the user."""


@dataclass
class LoginResult:
    """The outcome of a login attempt: the user, or how long to wait before trying again."""

    user: User | None
    wait_seconds: int = 0


def find_by_identifier(session: Session, identifier: str) -> User | None:
    """The live account an e-mail address, mobile number or ID number refers to."""
    kind = identifier_kind(identifier)
    if kind == "email":
        email = email_key(identifier)
        query = select(User).where(User.email == email) if email else None
    elif kind == "id_number":
        digits = "".join(ch for ch in identifier if ch.isdigit())
        query = select(User).join(Profile).where(Profile.id_number == digits)
    else:
        phone = normalize_phone(identifier)
        query = select(User).where(User.phone == phone) if phone else None
    if query is None:
        return None
    return session.scalar(query.where(User.deleted_at.is_(None)))


def register(session: Session, *, email: str | None, phone: str | None, password: str,
             display_name: str, address: str | None) -> User | None:
    """Create a citizen account and send the verification; None if the e-mail or phone is taken.

    Taken or not, the same slow work is done first, before any database access (so no write
    lock is held while hashing): the password is hashed and, for a phone-only account, an
    SMS code made and hashed. The person registering then sees the same page after the same
    time either way; the owner of a taken address or number is told by e-mail or SMS instead
    (someone tried to register with it).
    """
    password_hash = hash_password(password)
    phone_code = _new_phone_code() if phone and not email else None
    existing = [user for user in (
        find_by_identifier(session, email) if email else None,
        find_by_identifier(session, phone) if phone else None,
    ) if user]
    if existing:
        for user in {user.id: user for user in existing}.values():
            _tell_already_registered(session, user)
        return None
    user = User(email=email, phone=phone, password_hash=password_hash,
                display_name=display_name, role_rows=[UserRole(role=Role.CITIZEN)])
    user.profile = Profile(full_name=display_name or None, contact_email=email,
                           contact_phone=phone)
    session.add(user)
    session.flush()
    audit.record(session, audit.REGISTER, actor=user, address=address,
                 object_type="user", object_id=user.id)
    send_verification(session, user, phone_code)
    return user


#: The SMS telling the owner of a number that someone tried to register with it (unaccented,
#: like every SMS: one GSM-7 segment).
ALREADY_REGISTERED_SMS = ("Cong DVC: so dien thoai nay da co tai khoan. Neu ban vua dang ky, "
                          "hay dang nhap hoac chon Quen mat khau. Neu khong, bo qua tin nay.")


def _tell_already_registered(session: Session, user: User) -> None:
    if user.email:
        messaging.queue_email(session, user.email, "already_registered",
                              user=user, login_url=external_url("account.login"))
    elif user.phone:
        messaging.queue_sms(session, user.phone, ALREADY_REGISTERED_SMS)


def _new_phone_code() -> tuple[str, str]:
    """A 6-digit SMS code and its hash (slow: made before any database work)."""
    code = f"{secrets.randbelow(10**6):06d}"
    return code, hash_password(code)


def send_verification(session: Session, user: User,
                      phone_code: tuple[str, str] | None = None) -> None:
    """Send a verification link by e-mail, or a code by SMS for phone-only accounts
    (``phone_code``: one made beforehand by :func:`_new_phone_code`)."""
    if user.email and not user.email_verified_at:
        link = external_url("account.verify_email",
                            token=tokens.make(tokens.VERIFY_EMAIL, user))
        messaging.queue_email(session, user.email, "verify_email", user=user, link=link)
    elif user.phone and not user.phone_verified_at:
        if phone_code is None:  # a new code is hashed with no lock held
            release_write_lock(session)
            phone_code = _new_phone_code()
            begin_writing(session)
        code, code_hash = phone_code
        row = session.get(PhoneCode, user.id) or PhoneCode(user_id=user.id)
        row.code_hash = code_hash
        row.expires_at = utcnow() + timedelta(minutes=15)
        row.attempts = 0
        session.add(row)
        messaging.queue_sms(session, user.phone,
                            f"Ma xac nhan Cong DVC: {code} (hieu luc 15 phut)")


def verify_email(session: Session, token: str) -> User:
    """Mark the e-mail of the token's account as verified (the link is opened with a GET,
    which reads without the write lock unless asked: it reads, decides and writes)."""
    begin_writing(session)
    user = _user_for_token(session, tokens.VERIFY_EMAIL, token,
                           current_app.config["VERIFY_TOKEN_MAX_AGE"])
    if not user.email_verified_at:
        user.email_verified_at = utcnow()
        audit.record(session, audit.EMAIL_VERIFIED, actor=user, object_type="user",
                     object_id=user.id)
    return user


def verify_phone(session: Session, user: User, code: str) -> bool:
    """Check a code sent by SMS (5 tries per code). The try is counted and committed before
    the (slow) hash is checked with no lock held, so parallel guesses all count."""
    begin_writing(session)
    row = session.get(PhoneCode, user.id)
    if row is None or row.expires_at < utcnow() or row.attempts >= 5:
        return False
    row.attempts += 1
    code_hash = row.code_hash
    release_write_lock(session)
    if not check_password(code_hash, code.strip()):
        return False
    begin_writing(session)
    row = session.get(PhoneCode, user.id)
    if row is None or row.code_hash != code_hash:
        return False  # a new code was sent meanwhile
    user.phone_verified_at = utcnow()
    session.delete(row)
    audit.record(session, audit.PHONE_VERIFIED, actor=user, object_type="user", object_id=user.id)
    return True


def authenticate(session: Session, identifier: str, password: str,
                 address: str | None) -> LoginResult:
    """Check a login. Throttled per identifier and per address; every outcome is audited.

    Three steps, so that parallel guesses all count and no write lock waits for a hash:

    1. the attempt is reserved as a failure (:func:`throttle.reserve`) in a transaction
       that writes from its start, committed at once: a guess sent in parallel with others
       finds them counted, and rests once they are too many;
    2. the (slow) password is checked outside any transaction;
    3. the outcome is written in a new transaction; a success takes the reservation back.
    """
    keys = [throttle.key("id", identifier), throttle.key("ip", address or "")]
    begin_writing(session)
    wait = throttle.reserve(session, keys)
    if wait:
        audit.record(session, audit.LOGIN_THROTTLED, address=address,
                     identifier_kind=identifier_kind(identifier), wait_seconds=wait)
        return LoginResult(None, wait)
    user = find_by_identifier(session, identifier)
    user_id, stored_hash = (user.id, user.password_hash) if user else (None, None)
    session.commit()  # the reservation counts now, for every worker and host
    # The password is checked even without an account, so both cost the same time.
    valid = check_password(stored_hash, password)
    begin_writing(session)
    user = session.get(User, user_id) if user_id is not None else None  # as it is now
    if user is None or not valid or not user.is_active:
        audit.record(session, audit.LOGIN_FAILED, actor=user, address=address,
                     identifier_kind=identifier_kind(identifier))
        return LoginResult(None)
    throttle.clear(session, keys[:1])
    throttle.release(session, keys[1:])  # the address keeps only its real failures
    user.last_login_at = utcnow()
    audit.record(session, audit.LOGIN, actor=user, address=address)
    return LoginResult(user)


def request_password_reset(session: Session, identifier: str, address: str | None) -> None:
    """E-mail a reset link if the account exists and has an e-mail (silently otherwise)."""
    user = find_by_identifier(session, identifier)
    if user is None or not user.email:
        return
    link = external_url("account.reset_password",
                        token=tokens.make(tokens.RESET_PASSWORD, user))
    messaging.queue_email(session, user.email, "reset_password", user=user, link=link,
                          minutes=current_app.config["RESET_TOKEN_MAX_AGE"] // 60)
    audit.record(session, audit.PASSWORD_RESET_REQUESTED, actor=user, address=address)


def reset_password(session: Session, token: str, new_password: str,
                   address: str | None) -> User:
    """Set a new password from a reset link; the link then stops working (single use).

    The new password is hashed with no lock held; the link is checked again afterwards,
    so of two uses at once only one sets a password."""
    check_reset_token(session, token)
    release_write_lock(session)
    new_hash = hash_password(new_password)
    begin_writing(session)
    user = check_reset_token(session, token)
    _set_hash(user, new_hash)
    if user.email and not user.email_verified_at:
        user.email_verified_at = utcnow()  # the link reached that mailbox
    audit.record(session, audit.PASSWORD_RESET, actor=user, address=address)
    return user


def check_reset_token(session: Session, token: str) -> User:
    """The account a reset link is for, or :class:`tokens.InvalidToken`."""
    return _user_for_token(session, tokens.RESET_PASSWORD, token,
                           current_app.config["RESET_TOKEN_MAX_AGE"])


def _user_for_token(session: Session, purpose: str, token: str, max_age: int) -> User:
    """The live account a token was made for, if the account has not changed since."""
    user_id, fingerprint = tokens.read(purpose, token, max_age)
    user = session.get(User, user_id)
    if user is None or user.deleted_at or tokens.fingerprint(user) != fingerprint:
        raise tokens.InvalidToken("used or stale token")
    return user


def change_password(session: Session, user: User, current: str, new: str,
                    address: str | None) -> None:
    """Change a password, ending the user's other sessions (both hashes are computed with
    no lock held; a password changed meanwhile elsewhere makes this one fail)."""
    stored = user.password_hash
    release_write_lock(session)
    if not check_password(stored, current):
        raise AccountError("wrong-password")
    new_hash = hash_password(new)
    begin_writing(session)
    if user.password_hash != stored:
        raise AccountError("wrong-password")
    _set_hash(user, new_hash)
    audit.record(session, audit.PASSWORD_CHANGED, actor=user, address=address)


def _set_hash(user: User, password_hash: str) -> None:
    user.password_hash = password_hash
    user.session_version += 1  # every other session ends


def end_all_sessions(session: Session, user: User, address: str | None) -> None:
    """Log the user out everywhere (this session included)."""
    user.session_version += 1
    audit.record(session, audit.LOGOUT_EVERYWHERE, actor=user, address=address)


def delete_account(session: Session, user: User, password: str, address: str | None) -> None:
    """Delete an account: identifiers, password and profile go; the row and audit stay.

    The row stays (anonymised) so that dossiers already submitted, which the law requires the
    authority to keep, still point at their applicant record.
    """
    stored = user.password_hash
    release_write_lock(session)  # the password is checked with no lock held
    if not check_password(stored, password):
        raise AccountError("wrong-password")
    begin_writing(session)
    if user.password_hash != stored:
        raise AccountError("wrong-password")
    audit.record(session, audit.ACCOUNT_DELETED, actor=user, address=address,
                 object_type="user", object_id=user.id)
    user.email = user.phone = user.password_hash = None
    user.display_name = ""
    user.deleted_at = utcnow()
    user.active = False
    user.session_version += 1
    user.profile = None
    session.execute(delete(Draft).where(Draft.user_id == user.id))  # drafts were never filed
    session.flush()


# --- Staff ---------------------------------------------------------------------------------


def agency_subtree_ids(session: Session, agency: Agency | None) -> set[int]:
    """Ids of ``agency`` and every unit below it."""
    if agency is None:
        return set()
    children: dict[int | None, list[int]] = {}
    for agency_id, parent_id in session.execute(select(Agency.id, Agency.parent_id)):
        children.setdefault(parent_id, []).append(agency_id)
    found, stack = set(), [agency.id]
    while stack:
        current = stack.pop()
        found.add(current)
        stack.extend(children.get(current, []))
    return found


def create_staff(session: Session, actor: User | None, *, email: str, display_name: str,
                 roles: set[Role], agency: Agency | None, password: str | None = None,
                 address: str | None = None) -> User:
    """Create a staff account; without a password, the person sets one from an e-mailed link."""
    if password:  # hashed with no lock held
        release_write_lock(session)
    password_hash = hash_password(password) if password else None
    begin_writing(session)
    if find_by_identifier(session, email):
        raise AccountError("email-taken")
    user = User(email=email, display_name=display_name, agency=agency,
                password_hash=password_hash,
                email_verified_at=utcnow(),
                role_rows=[UserRole(role=role) for role in sorted(roles)])
    session.add(user)
    session.flush()
    audit.record(session, audit.STAFF_CREATED, actor=actor, address=address,
                 object_type="user", object_id=user.id, roles=sorted(r.value for r in roles),
                 agency=agency.code if agency else None)
    if password is None:
        link = external_url("account.reset_password",
                            token=tokens.make(tokens.RESET_PASSWORD, user))
        messaging.queue_email(session, email, "staff_welcome", user=user, link=link,
                              minutes=current_app.config["RESET_TOKEN_MAX_AGE"] // 60)
    return user


def set_roles(session: Session, actor: User, user: User, roles: set[Role],
              agency: Agency | None, active: bool, address: str | None) -> list[str]:
    """Change a staff account's roles, agency and state; return the audit actions recorded.

    Each change is its own audit event with the old and new value; any change ends the
    person's sessions (new rights take effect at the next login). Nothing that stays the
    same is rewritten or logged.
    """
    changes: list[tuple[str, object, object]] = []
    old_roles, new_roles = sorted(r.value for r in user.roles), sorted(r.value for r in roles)
    if old_roles != new_roles:
        changes.append((audit.ROLES_CHANGED, old_roles, new_roles))
        user.role_rows = [UserRole(role=role) for role in sorted(roles)]
    if user.agency_id != (agency.id if agency else None):
        changes.append((audit.AGENCY_CHANGED, _agency_value(user.agency), _agency_value(agency)))
        user.agency = agency
    if user.active != active:
        action = audit.ACCOUNT_ACTIVATED if active else audit.ACCOUNT_DEACTIVATED
        changes.append((action, user.active, active))
        user.active = active
    for action, before, after in changes:
        audit.record(session, action, actor=actor, address=address, object_type="user",
                     object_id=user.id, before=before, after=after)
    if changes:
        user.session_version += 1
    return [action for action, _before, _after in changes]


def _agency_value(agency: Agency | None) -> dict | None:
    """An agency as the audit log keeps it: readable even after the agency is renamed."""
    return {"code": agency.code, "name": agency.name} if agency else None
