"""Satisfaction ratings of returned dossiers (TT32-12, TT22-PL3-09).

Once a dossier is returned (status 10) its owner may say how satisfied they are: the overall
rating is required (TT32-12.2), convenience, timeliness and staff attitude are optional
(TT32-12.1b), each on exactly three levels (TT32-12.1c, :class:`RatingLevel`), with an
optional comment. There is one rating per dossier; its owner may change it for
:data:`EDIT_DAYS` days after first giving it, after which it is kept as it was (the
statistics must not move under a settled year). The statistics read the ``procedure_id``
and ``agency_id`` copied onto the rating here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Dossier, DossierStatus, Rating, RatingLevel, User, utcnow
from portal.text import clean_block

#: Days during which a rating may still be changed, counted from when it was first given.
EDIT_DAYS = 30
#: Longest comment kept, in characters.
COMMENT_LIMIT = 2000
#: The rated items, in the order of TT32-12.1: overall, then the three details.
ITEMS = ("overall", "convenience", "timeliness", "attitude")


class RatingError(Exception):
    """The rating cannot be given or changed."""


class NotRatable(RatingError):
    """Only the owner of a returned dossier rates it."""


class Locked(RatingError):
    """The rating was given more than :data:`EDIT_DAYS` days ago."""


@dataclass(frozen=True)
class Answers:
    """What the citizen chose: the overall level, the optional ones, a comment."""

    overall: RatingLevel
    convenience: RatingLevel | None = None
    timeliness: RatingLevel | None = None
    attitude: RatingLevel | None = None
    comment: str | None = None


def can_rate(dossier: Dossier) -> bool:
    """True when the dossier's result has been returned (the only status that is rated)."""
    return dossier.status is DossierStatus.RETURNED


def find(session: Session, dossier: Dossier) -> Rating | None:
    """The dossier's rating, if it has one."""
    return session.scalar(select(Rating).where(Rating.dossier_id == dossier.id))


def editable_until(rating: Rating) -> datetime:
    """The moment after which the rating can no longer be changed."""
    return rating.created_at + timedelta(days=EDIT_DAYS)


def editable(rating: Rating | None, now: datetime | None = None) -> bool:
    """True for no rating yet, or for one given less than :data:`EDIT_DAYS` days ago."""
    return rating is None or (now or utcnow()) < editable_until(rating)


def rate(session: Session, dossier: Dossier, user: User, answers: Answers, *,
         now: datetime | None = None) -> Rating:
    """Give or change the rating of ``dossier`` by ``user``; return it (not committed).

    :raises NotRatable: ``user`` does not own the dossier or it is not returned.
    :raises Locked: the rating was first given more than :data:`EDIT_DAYS` days ago.
    """
    if dossier.user_id is None or dossier.user_id != user.id or not can_rate(dossier):
        raise NotRatable(dossier.code)
    now = now or utcnow()
    rating = find(session, dossier)
    if not editable(rating, now):
        raise Locked(dossier.code)
    if rating is None:
        rating = Rating(dossier_id=dossier.id, created_at=now)
        session.add(rating)
    rating.user_id = user.id
    rating.procedure_id = dossier.procedure_id
    rating.agency_id = dossier.agency_id
    rating.overall = RatingLevel(answers.overall)
    for item in ITEMS[1:]:
        value = getattr(answers, item)
        setattr(rating, item, None if value is None else RatingLevel(value))
    rating.comment = clean_comment(answers.comment)
    rating.updated_at = now
    session.flush()
    return rating


def clean_comment(text: str | None) -> str | None:
    """The comment NFC, without control characters or blank lines, cut to the limit."""
    text = clean_block(text)
    return text[:COMMENT_LIMIT] if text else None
