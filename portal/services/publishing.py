"""Scheduled publication and maintenance banners, done by the job runner's periodic tasks
(within ``jobs.PERIODIC_SECONDS``).

* A guide, FAQ entry or notice saved as a draft with a ``publish_at`` time is published when
  that time comes (with its revision, audit entry and search index, as an editor's publish).
* Cached public pages follow content *changes* only (``portal.cache``); a maintenance banner
  also changes with *time*: its text when the window starts, and it disappears when the
  window ends. So a task compares what the banners say now with what they said last time
  (a fingerprint kept in ``site_state``) and, when it differs, bumps the content version
  like any content change: every worker's cached pages are dropped and rebuilt with the
  right banner within ``PERIODIC_SECONDS`` + ``PAGE_CACHE_CHECK_SECONDS`` of the moment.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.db import begin_writing
from portal.models import ContentStatus, Faq, Guide, Notice, SiteState, utcnow
from portal.services import editorial, jobs, maintenance

BANNER_STATE = "maintenance_banners"
MODELS = (Guide, Faq, Notice)


def _due(model, now: datetime):
    return select(model).where(model.status == ContentStatus.DRAFT,
                               model.publish_at.is_not(None), model.publish_at <= now)


@jobs.periodic
def publish_due(session: Session, now: datetime | None = None) -> int:
    """Publish every draft whose time has come; return how many."""
    now = now or utcnow()
    if not any(session.scalar(_due(model, now).limit(1)) for model in MODELS):
        return 0
    begin_writing(session)  # SQLite: hold the write lock from the reading on
    count = 0
    for model in MODELS:
        for item in session.scalars(_due(model, now)).all():
            editorial.publish(session, item, None, now=now, scheduled=True)
            count += 1
    session.commit()
    return count


@jobs.periodic
def follow_maintenance_banners(session: Session, now: datetime | None = None) -> int:
    """Invalidate cached pages when the banners change with time; return 1 if they did."""
    state = maintenance.fingerprint(maintenance.banners(session, now or utcnow()))
    if session.scalar(select(SiteState.value).where(SiteState.key == BANNER_STATE)) == state:
        return 0
    begin_writing(session)
    row = session.get(SiteState, BANNER_STATE)
    if row is None:
        session.add(SiteState(key=BANNER_STATE, value=state))
    else:
        row.value = state
    # portal.cache.bump_on_content_change reads this flag when the session commits.
    session.info["public_content_changed"] = True
    session.commit()
    return 1
