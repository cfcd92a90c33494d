"""Demo help content: guides, FAQ, notices, the organisation text and contact officials.

Written for the demo authority (``portal/data/demo/*.json``); links to procedures by code.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import (
    Agency,
    ContentStatus,
    Faq,
    Field,
    Guide,
    Notice,
    Official,
    Procedure,
    utcnow,
)
from portal.services import search
from portal.services.content import render_markdown
from portal.services.demo import COMMUNE_CODE, DEMO_DATA
from portal.text import clean, nfc


def _load(name: str):
    with open(DEMO_DATA / name, encoding="utf-8") as handle:
        return json.load(handle)


def seed_content(session: Session) -> dict[str, int]:
    """Create or update the demo guides, FAQ entries, notices and officials."""
    fields = {f.name: f for f in session.scalars(select(Field))}
    procedures = {p.code: p for p in session.scalars(select(Procedure))}
    counts = {
        "guides": _seed_guides(session, _load("guides.json"), fields, procedures),
        "faqs": _seed_faqs(session, _load("faqs.json"), fields, procedures),
        "notices": _seed_notices(session, _load("notices.json")),
        "officials": _seed_organisation(session, _load("organisation.json")),
    }
    session.flush()
    return counts


def _seed_guides(session, items, fields, procedures) -> int:
    existing = {g.slug: g for g in session.scalars(select(Guide))}
    for item in items:
        guide = existing.get(item["slug"]) or Guide(slug=item["slug"])
        guide.title, guide.summary = nfc(item["title"]), clean(item.get("summary"))
        guide.body = nfc(item["body"])
        guide.body_html = render_markdown(guide.body)
        guide.field = fields.get(item.get("field") or "")
        guide.procedures = [procedures[c] for c in item.get("procedures", []) if c in procedures]
        _publish(guide)
        session.add(guide)
        session.flush()
        search.index_guide(session, guide)
    return len(items)


def _seed_faqs(session, items, fields, procedures) -> int:
    existing = {f.slug: f for f in session.scalars(select(Faq))}
    for order, item in enumerate(items):
        faq = existing.get(item["slug"]) or Faq(slug=item["slug"])
        faq.question, faq.answer = nfc(item["question"]), nfc(item["answer"])
        faq.answer_html = render_markdown(faq.answer)
        faq.field = fields.get(item.get("field") or "")
        faq.procedures = [procedures[c] for c in item.get("procedures", []) if c in procedures]
        faq.sort_order = order
        _publish(faq)
        session.add(faq)
        session.flush()
        search.index_faq(session, faq)
    return len(items)


def _seed_notices(session, items) -> int:
    existing = {n.title: n for n in session.scalars(select(Notice))}
    for item in items:
        notice = existing.get(nfc(item["title"])) or Notice(title=nfc(item["title"]))
        notice.body = nfc(item["body"])
        notice.body_html = render_markdown(notice.body)
        notice.status = ContentStatus.PUBLISHED
        notice.published_at = datetime.fromisoformat(item["published"]).replace(
            hour=8, tzinfo=timezone.utc)
        session.add(notice)
    return len(items)


def _seed_organisation(session, data) -> int:
    agencies = {a.code: a for a in session.scalars(select(Agency))}
    commune = agencies[COMMUNE_CODE]
    commune.description = nfc(data["intro_vi"])
    commune.description_html = render_markdown(commune.description)
    commune.description_en = data["intro_en"]
    commune.description_en_html = render_markdown(commune.description_en)
    existing = {o.name: o for o in session.scalars(select(Official))}
    for order, item in enumerate(data["officials"]):
        official = existing.get(nfc(item["name"])) or Official(name=nfc(item["name"]))
        official.title, official.title_en = nfc(item["title"]), item.get("title_en")
        official.agency = agencies[item["agency_code"]]
        official.phone, official.email = item.get("phone"), item.get("email")
        official.sort_order = order
        session.add(official)
    return len(data["officials"])


def _publish(item: Guide | Faq) -> None:
    if item.status is not ContentStatus.PUBLISHED:
        item.status = ContentStatus.PUBLISHED
        item.published_at = utcnow()
