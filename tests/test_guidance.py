"""Guidance (/huong-dan) and FAQ (/hoi-dap): TT32-11.1a and TT32-11.1b."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from sqlalchemy import select

from portal.models import ContentStatus, Faq, Guide
from portal.services.content import render_markdown
from tests.conftest import htmx_headers


def test_guides_are_listed_and_linked_from_home(client, demo):
    assert 'href="/huong-dan/"' in client.get("/").get_data(as_text=True)
    html = client.get("/huong-dan/").get_data(as_text=True)
    slugs = re.findall(r'href="/huong-dan/([a-z0-9-]+)"', html)
    assert len(set(slugs)) >= 8


def test_a_guide_is_step_by_step_and_links_to_its_procedures(client, demo, session):
    guide = session.scalar(select(Guide).where(Guide.slug.contains("khai-sinh")))
    html = client.get(f"/huong-dan/{guide.slug}").get_data(as_text=True)
    assert f"<h1>{guide.title}</h1>" in html
    assert "<ol>" in html  # numbered steps
    assert "/thu-tuc/1.001193" in html


def test_draft_guides_are_not_shown(client, demo, session):
    guide = session.scalars(select(Guide)).first()
    guide.status = ContentStatus.DRAFT
    session.commit()
    assert client.get(f"/huong-dan/{guide.slug}").status_code == 404
    assert f'href="/huong-dan/{guide.slug}"' not in client.get("/huong-dan/").get_data(True)


def test_faq_is_grouped_by_field_and_each_answer_is_linkable(client, demo, session):
    html = client.get("/hoi-dap/").get_data(as_text=True)
    assert 'href="/hoi-dap/"' in client.get("/").get_data(as_text=True)
    assert len(re.findall(r'<section class="portal-faq-group"', html)) >= 5
    faqs = session.scalars(select(Faq)).all()
    assert len(faqs) >= 30
    for faq in faqs:
        assert f'id="{faq.slug}"' in html  # /hoi-dap/#slug
        assert f'href="/hoi-dap/{faq.slug}"' in html
    one = client.get(f"/hoi-dap/{faqs[0].slug}")
    assert one.status_code == 200 and faqs[0].question in one.get_data(as_text=True)


def test_faq_page_has_faqpage_structured_data(client, demo):
    html = client.get("/hoi-dap/").get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html,
                                re.S).group(1))
    assert data["@type"] == "FAQPage" and len(data["mainEntity"]) >= 30


def test_faq_search_full_page_and_fragment(client, demo):
    full = client.get("/hoi-dap/?q=giay+xac+nhan+tinh+trang+hon+nhan")
    html = full.get_data(as_text=True)
    assert "<html" in html and "câu hỏi phù hợp" in html and "HX-Request" in full.headers["Vary"]
    fragment = client.get("/hoi-dap/?q=ket+hon", headers=htmx_headers())
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and body.lstrip().startswith('<section id="answers"')
    assert 'data-hx-swap-oob="innerHTML"' in body
    assert fragment.headers["HX-Push-Url"] == "/hoi-dap/?q=ket+hon"
    assert "Không tìm thấy câu hỏi" in client.get("/hoi-dap/?q=qqqzzz").get_data(as_text=True)


def test_procedure_pages_link_related_guides_and_faq(client, demo):
    html = client.get("/thu-tuc/1.001193").get_data(as_text=True)
    assert "/huong-dan/" in html and "/hoi-dap/" in html


class _Elements(HTMLParser):
    """Collect the elements and attributes a browser would build from some HTML."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def _elements(html: str) -> list:
    parser = _Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "<img src=x onerror=alert(1)>",
    "<a href='javascript:alert(1)' style='color:red' onclick='x()'>y</a>",
    "[x](JaVaScRiPt:alert(1))",
    "<iframe src='https://evil.example'></iframe>",
])
def test_markdown_is_sanitised(source):
    elements = _elements(render_markdown(f"## Bước 1\n\n{source}\n\n[ok](/thu-tuc/1.001193)"))
    tags = {tag for tag, _attrs in elements}
    assert tags <= {"h2", "p", "a"}
    for _tag, attrs in elements:
        assert not any(name.startswith("on") or name == "style" for name in attrs)
        assert not attrs.get("href", "").lower().startswith("javascript")
    assert ("a", {"href": "/thu-tuc/1.001193", "rel": "noopener noreferrer"}) in elements
