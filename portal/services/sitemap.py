"""Entries of ``/sitemap.xml``: the public pages and every published procedure, guide, FAQ."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import ContentStatus, Faq, Guide, Procedure


@dataclass(frozen=True)
class Entry:
    """One ``<url>`` of the sitemap."""

    loc: str
    lastmod: str | None = None


STATIC_PAGES = ("home.index", "catalog.index", "guides.index", "faq.index",
                "about.organisation", "about.contact", "tracking.index", "stats.index",
                "feedback.index", "surveys.index")


def entries(session: Session) -> list[Entry]:
    """Absolute URLs with their last modification dates."""
    found = [Entry(url_for(endpoint, _external=True)) for endpoint in STATIC_PAGES
             if endpoint in current_app.view_functions]
    for code, updated in session.execute(
        select(Procedure.code, Procedure.updated_at).where(Procedure.published.is_(True))
        .order_by(Procedure.code)
    ):
        found.append(Entry(url_for("catalog.detail", code=code, _external=True),
                           updated.date().isoformat()))
    for slug, updated in session.execute(
        select(Guide.slug, Guide.updated_at).where(Guide.status == ContentStatus.PUBLISHED)
        .order_by(Guide.slug)
    ):
        found.append(Entry(url_for("guides.detail", slug=slug, _external=True),
                           updated.date().isoformat()))
    for slug, updated in session.execute(
        select(Faq.slug, Faq.updated_at).where(Faq.status == ContentStatus.PUBLISHED)
        .order_by(Faq.slug)
    ):
        found.append(Entry(url_for("faq.detail", slug=slug, _external=True),
                           updated.date().isoformat()))
    return found
