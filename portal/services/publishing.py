"""Scheduled publication: a guide, FAQ entry or notice saved as a draft with a
``publish_at`` time is published by the job runner when that time comes (within
``jobs.PERIODIC_SECONDS``). Publishing changes public content, so the page cache of every
worker follows."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import ContentStatus, Faq, Guide, Notice, utcnow
from portal.services import jobs


@jobs.periodic
def publish_due(session: Session) -> int:
    """Publish every draft whose time has come; return how many."""
    now = utcnow()
    count = 0
    for model in (Guide, Faq, Notice):
        for item in session.scalars(select(model).where(
                model.status == ContentStatus.DRAFT, model.publish_at.is_not(None),
                model.publish_at <= now)):
            item.status, item.published_at, item.publish_at = (
                ContentStatus.PUBLISHED, item.publish_at, None)
            count += 1
    if count:
        session.commit()
    return count
