"""Public tracking (TT22-PL3-17): a dossier's status for whoever holds its code and a second
factor: the last 4 digits of the applicant's phone number, or their 12-digit CCCD.

A wrong factor and an unknown code give the same answer (None) after the same work, so the
page never tells whether a code exists; the view is rate-limited per address.
"""
from __future__ import annotations

import hmac
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Dossier

_CODE = re.compile(r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}")


def normalize_code(raw: str | None) -> str:
    """A typed dossier code without spaces, in capitals (``000.01.99.h49-…`` works)."""
    return re.sub(r"\s+", "", raw or "").upper()[:40]


def normalize_factor(raw: str | None) -> str:
    """The second factor's digits only (``0912 345 678`` → ``0912345678``)."""
    return re.sub(r"\D", "", raw or "")[:12]


def lookup(session: Session, code: str, factor: str) -> Dossier | None:
    """The dossier when ``code`` exists and ``factor`` matches; None otherwise."""
    code, factor = normalize_code(code), normalize_factor(factor)
    dossier = None
    if _CODE.fullmatch(code):
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
    matches = hmac.compare_digest(_expected(dossier, factor), factor)
    return dossier if matches else None


def _expected(dossier: Dossier | None, factor: str) -> str:
    """What ``factor`` must equal; NUL characters (which no factor holds) when nothing can
    match, so that the comparison runs the same way in every case."""
    never = "\0" * 12
    if dossier is None:
        return never
    if len(factor) == 12:
        return dossier.applicant_id_number or never
    phone = re.sub(r"\D", "", dossier.applicant_phone or "")
    if len(factor) == 4 and len(phone) >= 4:
        return phone[-4:]
    return never
