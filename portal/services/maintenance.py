"""Planned interruptions of the online services (TT32-11.x-MAINT, ND64-16).

A maintenance notice says when the services stop (``starts_at``) and when they are expected
back (``ends_at``). It must be published at least ``MAINTENANCE_NOTICE_WORKING_DAYS`` working
days before the window starts (1 in the seed documents; ND 64/2007 Art. 16 asks for 7): with
N = 1, a notice published on a Friday may announce a window from Monday (the first working day
after the publication day) but not one on Saturday. From its publication until the window
ends, every page shows a banner (see ``components/_notices.html``).
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, time

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import ContentStatus, Notice, NoticeKind
from portal.services import workdays


@dataclass(frozen=True)
class Banner:
    """What the site-wide banner says about one announced window (times are aware)."""

    notice_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    #: True once the services have stopped (the window has started).
    ongoing: bool


def lead_days() -> int:
    """N: how many working days ahead a maintenance notice must be published."""
    return int(current_app.config.get("MAINTENANCE_NOTICE_WORKING_DAYS", 1))


def earliest_start(published: datetime, days: int | None = None) -> datetime:
    """The earliest start of a window announced at ``published``: the beginning (00:00, local
    time) of the N-th working day after the publication day."""
    calendar = workdays.calendar()
    day = published.astimezone(calendar.zone).date()
    first = calendar.add_working_days(day, lead_days() if days is None else days)
    return datetime.combine(first, time(), calendar.zone)


def allowed(published: datetime, starts_at: datetime, days: int | None = None) -> bool:
    """True when a window starting at ``starts_at`` may be announced at ``published``."""
    return starts_at >= earliest_start(published, days)


def banners(session: Session, now: datetime) -> list[Banner]:
    """The windows to announce on every page at ``now``: published maintenance notices that
    have not ended, the soonest first."""
    notices = session.scalars(select(Notice).where(
        Notice.kind == NoticeKind.MAINTENANCE, Notice.status == ContentStatus.PUBLISHED,
        Notice.starts_at.is_not(None), Notice.ends_at > now).order_by(Notice.starts_at))
    return [Banner(n.id, n.title, n.starts_at, n.ends_at, n.starts_at <= now)
            for n in notices]


def fingerprint(shown: list[Banner]) -> int:
    """A number that changes whenever the banners shown change (a window is announced,
    starts, moves or ends); 0 for none. It fits a 32-bit signed integer column."""
    text = ";".join(f"{b.notice_id}:{b.starts_at.isoformat()}:{b.ends_at.isoformat()}:"
                    f"{int(b.ongoing)}" for b in shown)
    return zlib.crc32(text.encode()) & 0x7FFFFFFF if text else 0
