"""Findable by search engines (TT32-11.2b-2): titles, descriptions, sitemap, robots."""
from __future__ import annotations

import re

from sqlalchemy import select, update

from portal.models import ContentStatus, Faq, Guide, Procedure

PAGES = ["/", "/thu-tuc/", "/thu-tuc/1.001193", "/thu-tuc/1.000894", "/tim-kiem/",
         "/huong-dan/", "/hoi-dap/", "/gioi-thieu", "/lien-he"]


def test_every_page_has_its_own_title_and_description(client, demo):
    titles, descriptions = set(), set()
    for path in PAGES:
        html = client.get(path).get_data(as_text=True)
        titles.add(re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip())
        descriptions.add(re.search(r'<meta name="description" content="([^"]+)"', html).group(1))
        assert re.search(r'<link rel="canonical" href="http://localhost/', html)
    assert len(titles) == len(PAGES) and len(descriptions) == len(PAGES)


def test_sitemap_lists_every_published_page_and_nothing_unpublished(client, demo, session):
    session.execute(update(Procedure).where(Procedure.code == "1.002211").values(published=False))
    draft = session.scalars(select(Faq)).first()
    draft.status = ContentStatus.DRAFT
    session.commit()
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    locs = set(re.findall(r"<loc>(.*?)</loc>", response.get_data(as_text=True)))
    published = session.scalars(select(Procedure.code).where(Procedure.published)).all()
    assert {f"http://localhost/thu-tuc/{code}" for code in published} <= locs
    assert "http://localhost/thu-tuc/1.002211" not in locs
    for guide in session.scalars(select(Guide.slug)):
        assert f"http://localhost/huong-dan/{guide}" in locs
    assert f"http://localhost/hoi-dap/{draft.slug}" not in locs
    assert "http://localhost/" in locs


def test_robots_txt_allows_public_pages_and_names_the_sitemap(client):
    text = client.get("/robots.txt").get_data(as_text=True)
    assert "User-agent: *" in text and "Allow: /" in text
    assert "Disallow: /mot-cua/" in text
    assert "Sitemap: http://localhost/sitemap.xml" in text


def test_urls_are_readable(client, demo):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/thu-tuc/?linh-vuc=ho-tich"' in html
