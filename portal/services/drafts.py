"""Drafts (hồ sơ nháp): start, find, save, attach, auto-fill, keep in a file, expire.

* A draft is reached through a secret link; only the SHA-256 of its token is stored. Once
  someone logs in (or registers) with it open, it belongs to that account and only that
  account opens it.
* Every save names the ``revision`` it was based on; a save based on an older revision
  (another tab or device saved in between) raises :class:`Conflict` instead of overwriting.
* Drafts live ``DRAFT_LIFETIME_DAYS`` after their last save; owners are e-mailed
  ``DRAFT_WARNING_DAYS`` before that (``flask drafts housekeeping``).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.db import lock_row
from portal.edge import parse_int
from portal.models import CodeEntry, CodeList, Draft, FormSpec, Procedure, User, utcnow
from portal.services import eforms, messaging, profiles

FORMS_DIR = Path(__file__).resolve().parent.parent / "data" / "forms"
FILE_FORMAT = "cong-dvc-ho-so-nhap"
FILE_VERSION = 1
CODE_LISTS = {"gender": CodeList.GENDER, "ethnicity": CodeList.ETHNICITY,
              "nationality": CodeList.NATIONALITY, "id_document": CodeList.ID_DOCUMENT}


class Conflict(Exception):
    """Fields a save would change were changed by another save since its base revision.

    ``fields`` holds their values now (what the other tab or device saved); ``elsewhere``
    every field changed since the base revision, with its value now, so the page can catch
    up before the person chooses.
    """

    def __init__(self, draft: Draft, fields: dict, elsewhere: dict) -> None:
        super().__init__(f"draft {draft.id} changed {sorted(fields)} since the base revision")
        self.draft = draft
        self.fields = fields
        self.elsewhere = elsewhere


@dataclass(frozen=True)
class Saved:
    """An acknowledged save: the draft's revision now, and the fields that other saves
    changed since the base revision (their values now), for the page to catch up."""

    revision: int
    elsewhere: dict


class FileError(ValueError):
    """A file that is not a draft of this form (or was damaged); the message says which."""


# --- Specifications -------------------------------------------------------------------------


def load_form_specs(session: Session, folder: Path = FORMS_DIR) -> dict[str, int]:
    """Store every form of ``folder`` whose procedure exists; a changed form gets a new
    version. Returns counts of ``created``, ``updated``, ``unchanged`` and ``skipped``."""
    counts = dict.fromkeys(("created", "updated", "unchanged", "skipped"), 0)
    for path in sorted(folder.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        spec = eforms.parse_spec(raw)  # raises SpecError for a broken file
        procedure = session.scalar(select(Procedure).where(Procedure.code == spec.procedure))
        if procedure is None:
            counts["skipped"] += 1
            continue
        row = session.scalar(select(FormSpec).where(FormSpec.procedure_id == procedure.id))
        if row is None:
            session.add(FormSpec(procedure=procedure, title=spec.title, spec=raw, version=1))
            counts["created"] += 1
        elif row.spec != raw:
            _keep_version(session, row)
            row.spec, row.title, row.version = raw, spec.title, row.version + 1
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    session.flush()
    return counts


def _keep_version(session: Session, form_spec: FormSpec) -> None:
    """Issue 8: keep the outgoing version (drafts started on it still need it)."""
    from portal.services import form_versions  # it builds on this module

    form_versions.keep(session, form_spec)


@lru_cache(maxsize=64)
def _parsed(form_spec_id: int, version: int, raw_json: str) -> eforms.Spec:
    return eforms.parse_spec(json.loads(raw_json))


def spec_of(form_spec: FormSpec) -> eforms.Spec:
    """The parsed specification of a stored form (cached per version)."""
    return _parsed(form_spec.id, form_spec.version,
                   json.dumps(form_spec.spec, ensure_ascii=False, sort_keys=True))


def form_for(session: Session, procedure: Procedure) -> FormSpec | None:
    return session.scalar(select(FormSpec).where(FormSpec.procedure_id == procedure.id))


def options_fn(session: Session) -> eforms.OptionsFn:
    """Choices of the shared catalogues, memoised for one request."""
    memo: dict[tuple[str, str], list[tuple[str, str]]] = {}

    def options(source: str, province: str) -> list[tuple[str, str]]:
        key = (source, province if source == "commune" else "")
        if key not in memo:
            memo[key] = _options(session, source, province)
        return memo[key]

    return options


def _options(session: Session, source: str, province: str) -> list[tuple[str, str]]:
    if source == "province":
        return [(str(u.id), u.name) for u in profiles.provinces(session)]
    if source == "commune":
        province_id = parse_int(province)
        if province_id is None:  # nothing chosen, or a value no province has
            return []
        return [(str(u.id), u.name) for u in profiles.communes(session, province_id)]
    entries = session.scalars(select(CodeEntry).where(
        CodeEntry.code_list == CODE_LISTS[source], CodeEntry.active.is_(True))
        .order_by(CodeEntry.sort_order, CodeEntry.name))
    return [(e.code, e.name) for e in entries]


# --- Drafts ---------------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _expiry() -> datetime:
    return utcnow() + timedelta(days=current_app.config["DRAFT_LIFETIME_DAYS"])


def start(session: Session, form_spec: FormSpec, user: User | None) -> tuple[Draft, str]:
    """A new draft and the secret token of its link, pre-filled for a logged-in user."""
    token = secrets.token_urlsafe(24)
    draft = Draft(token_hash=token_hash(token), form_spec=form_spec, user=user,
                  spec_version=form_spec.version, data={}, revision=1,
                  section=spec_of(form_spec).sections[0].key, expires_at=_expiry())
    if user is not None:
        draft.data = autofill(session, spec_of(form_spec), user, {})
    session.add(draft)
    session.flush()
    return draft, token


def find(session: Session, token: str) -> Draft | None:
    """The draft of a link, unless it has expired. A link is either the secret token, or
    ``d<id>`` for a draft that belongs to an account (callers check the owner)."""
    if not token or len(token) > 100:
        return None
    if re.fullmatch(r"d\d{1,12}", token):
        draft = session.get(Draft, int(token[1:]))
        if draft is not None and draft.user_id is None:
            return None  # an unowned draft opens only with its secret
    else:
        draft = session.scalar(select(Draft).where(Draft.token_hash == token_hash(token)))
    if draft is None or draft.expires_at <= utcnow():
        return None
    return draft


def owned(session: Session, user: User) -> list[Draft]:
    """A user's drafts that have not expired, the latest first (working copies of
    supplements are reached from their dossier, not listed here)."""
    return list(session.scalars(select(Draft).where(
        Draft.user_id == user.id, Draft.expires_at > utcnow(), Draft.dossier_id.is_(None))
        .order_by(Draft.updated_at.desc())))


def save(session: Session, draft: Draft, values: dict, base_revision: int | None,
         section: str | None = None, force: bool = False) -> Saved:
    """Merge ``values`` (input name → text) into the draft, field by field.

    A field applies unless another save changed it since ``base_revision`` (the revision
    the page last saw) to a different value: then nothing is saved and :class:`Conflict`
    says which fields, with their values now (``force`` overwrites them: the person chose).
    Saves of different fields from two tabs are both kept; a value equal to the stored one
    is no change. ``None`` as the base checks nothing (a page that never saw a revision).
    """
    lock(session, draft)
    spec = spec_of(draft.form_spec)
    known = eforms.all_input_keys(spec, {**draft.data, **values})
    changes = {key: value for key, value in values.items()
               if key in known and not _same(draft.data.get(key), value)}
    elsewhere = changed_since(draft, base_revision, exclude=values)
    if not force and base_revision is not None:
        clashes = {key: draft.data.get(key, "") for key in changes
                   if draft.field_revisions.get(key, 0) > base_revision}
        if clashes:
            raise Conflict(draft, clashes, {**elsewhere, **clashes})
    set_data(draft, {**draft.data, **changes})
    if section:
        draft.section = section
    draft.expires_at = _expiry()
    draft.reminded_at = None
    session.flush()
    return Saved(draft.revision, elsewhere)


def lock(session: Session, draft: Draft) -> None:
    """Wait for any other save of this draft to commit, then read it as that save left it
    (a row lock on PostgreSQL; SQLite's write lock, taken as the request began)."""
    lock_row(session, draft)


def changed_since(draft: Draft, base_revision: int | None, exclude=()) -> dict:
    """Fields changed by saves after ``base_revision`` (not those in ``exclude``), with
    their values now."""
    if base_revision is None:
        return {}
    return {key: draft.data.get(key, "") for key, number in draft.field_revisions.items()
            if number > base_revision and key not in exclude}


def _same(stored, sent) -> bool:
    """Whether a sent value is what is stored (nothing stored equals an empty answer)."""
    return (stored or "") == (sent or "")


def set_data(draft: Draft, data: dict) -> None:
    """Give the draft ``data``: a new revision, recorded against every field it changes."""
    changed = {key for key in data.keys() | draft.data.keys()
               if not _same(draft.data.get(key), data.get(key))}
    if not changed:
        return
    revision = draft.revision + 1
    draft.data = data
    draft.field_revisions = {**draft.field_revisions, **dict.fromkeys(changed, revision)}
    draft.revision = revision


def replace(session: Session, draft: Draft, values: dict) -> Draft:
    """Replace every value (restoring from a file)."""
    lock(session, draft)
    set_data(draft, dict(values))
    draft.expires_at = _expiry()
    session.flush()
    return draft


def bring_up_to_date(session: Session, draft: Draft) -> list[str]:
    """Issue 8: a draft started on an older version of its form moves to the current one,
    field by field, when it is opened; returns the notices for the citizen (once)."""
    if draft.spec_version == draft.form_spec.version:
        return []
    from portal.services import form_versions  # it builds on this module

    return form_versions.migrate(session, draft)


def link_token(draft: Draft) -> str:
    """The link of an owned draft (its owner opens it after logging in, on any device)."""
    return f"d{draft.id}"


def attach(session: Session, draft: Draft, user: User) -> bool:
    """Give an unowned draft to ``user`` and fill in what their profile knows (empty fields
    only). False when the draft already belongs to someone."""
    if draft.user_id is not None:
        return draft.user_id == user.id
    draft.user = user
    set_data(draft, autofill(session, spec_of(draft.form_spec), user, draft.data))
    session.flush()
    return True


def discard(session: Session, draft: Draft) -> None:
    session.delete(draft)
    session.flush()


# --- Auto-fill (once-only: TT32-11.2c-1, TT22-PL3-01) -----------------------------------------


def known_values(session: Session, user: User) -> dict[str, dict[str, str]]:
    """What the portal knows about ``user`` by auto-fill key: the profile, then values the
    user gave in earlier drafts (the latest first) for ``applicant.*`` keys. Each value is a
    mapping of input-name suffix ("" for a simple field) to text."""
    known: dict[str, dict[str, str]] = {}
    profile = user.profile
    if profile is not None:
        simple = {"profile.full_name": profile.full_name, "profile.gender": profile.gender,
                  "profile.id_number": profile.id_number,
                  "profile.phone": profile.contact_phone or user.phone,
                  "profile.email": profile.contact_email or user.email}
        known.update({k: {"": v} for k, v in simple.items() if v})
        if profile.birth_date:
            b = profile.birth_date
            known["profile.birth_date"] = {"-ngay": str(b.day), "-thang": str(b.month),
                                           "-nam": str(b.year)}
        for which in ("permanent", "current"):
            unit = getattr(profile, f"{which}_unit")
            if unit is not None:
                known[f"profile.{which}_address"] = {
                    "-duong": getattr(profile, f"{which}_street") or "",
                    "-tinh": str(unit.parent_id or ""), "-xa": str(unit.id)}
    else:
        known.update({k: {"": v} for k, v in (("profile.phone", user.phone),
                                              ("profile.email", user.email)) if v})
    for draft in owned(session, user):
        spec = spec_of(draft.form_spec)
        for f in spec.all_fields():
            if not f.autofill or f.autofill in known or f.type == "group":
                continue
            suffixes = [f"-{p}" for p in f.parts] or [""]
            values = {s: draft.data.get(f.name + s) for s in suffixes}
            if all(isinstance(v, str) and v for v in values.values()):
                known[f.autofill] = values
    return known


def autofill(session: Session, spec: eforms.Spec, user: User, data: dict) -> dict:
    """``data`` with every empty auto-fill field filled from :func:`known_values`."""
    known = known_values(session, user)
    filled = dict(data)
    for section in spec.sections:
        for f in section.fields:
            if not f.autofill or f.autofill not in known:
                continue
            for suffix, value in known[f.autofill].items():
                if not filled.get(f.name + suffix):
                    filled[f.name + suffix] = value
    return filled


# --- Keeping a draft in a file (TT32-EF-4) ----------------------------------------------------


def _checksum(payload: dict) -> str:
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def to_file(draft: Draft) -> bytes:
    """The draft's values as a JSON file the portal can read back."""
    form = draft.form_spec
    payload = {"format": FILE_FORMAT, "version": FILE_VERSION,
               "procedure": form.procedure.code, "form": form.title,
               "form_version": form.version, "saved_at": utcnow().isoformat(),
               "values": draft.data}
    document = {**payload, "checksum": _checksum(payload)}
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def from_file(raw: bytes, form_spec: FormSpec) -> dict:
    """The values of a file written by :func:`to_file` for this form; :class:`FileError`
    (with a message for the citizen) when it is damaged, foreign or for another form."""
    from flask_babel import gettext as _

    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise FileError(_("Tệp này không phải tệp hồ sơ nháp do cổng tạo ra (tệp .json)."))
    if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
        raise FileError(_("Tệp này không phải tệp hồ sơ nháp do cổng tạo ra (tệp .json)."))
    checksum = document.pop("checksum", "")
    if not isinstance(checksum, str) or not hmac.compare_digest(checksum, _checksum(document)):
        raise FileError(_("Tệp đã bị thay đổi hoặc hỏng (mã kiểm tra không khớp), nên không "
                          "mở được. Bản nháp hiện tại không bị thay đổi."))
    if document.get("version") != FILE_VERSION:
        raise FileError(_("Tệp được tạo bởi một phiên bản khác của cổng, không mở được."))
    if document.get("procedure") != form_spec.procedure.code:
        raise FileError(_("Tệp này là hồ sơ nháp của một thủ tục khác (%(code)s).",
                          code=str(document.get("procedure"))[:20]))
    values = document.get("values")
    if not isinstance(values, dict):
        raise FileError(_("Tệp không có nội dung tờ khai."))
    known = eforms.all_input_keys(spec_of(form_spec), values)
    return {key: value for key, value in values.items()
            if key in known and _plain(value)}


def _plain(value) -> bool:
    if isinstance(value, str):
        return len(value) <= 5000
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


# --- Expiry ---------------------------------------------------------------------------------


def housekeeping(session: Session, now: datetime | None = None) -> tuple[int, int]:
    """Warn owners of drafts that expire soon (once), delete expired drafts.
    Returns (warned, deleted)."""
    from flask_babel import format_date

    now = now or utcnow()
    warn_before = timedelta(days=current_app.config["DRAFT_WARNING_DAYS"])
    due = session.scalars(select(Draft).where(
        Draft.expires_at <= now + warn_before, Draft.expires_at > now,
        Draft.reminded_at.is_(None), Draft.user_id.is_not(None)))
    warned = 0
    for draft in due:
        if draft.user and draft.user.email:
            messaging.queue_email(session, draft.user.email, "draft_expiring", draft=draft,
                                  expires=format_date(draft.expires_at, "dd/MM/yyyy"))
            warned += 1
        draft.reminded_at = now
    deleted = session.execute(delete(Draft).where(Draft.expires_at <= now)).rowcount
    session.flush()
    return warned, deleted
