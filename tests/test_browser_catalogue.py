"""The public catalogue in a real browser: reachability, active search, filters, accessibility."""
from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Procedure
from tests.browser_harness import DESKTOP, PHONE

PAGES = ["/", "/thu-tuc/", "/thu-tuc/1.001193", "/tim-kiem/?q=khai+sinh", "/huong-dan/",
         "/huong-dan/dang-ky-khai-sinh-truc-tuyen", "/hoi-dap/", "/gioi-thieu", "/lien-he",
         "/hoi-dap/?q=ket+hon"]
SKIP = re.compile(r"/(static|ngon-ngu)/|/tai-ve$|/bieu-mau/|[?&]lang=|\.xml$|\.txt$")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def _links(page) -> list[str]:
    parser = _Links()
    parser.feed(page.content())
    return parser.hrefs


def _published_paths(live_server) -> set[str]:
    with live_server.app.app_context():
        codes = db.session.scalars(select(Procedure.code).where(Procedure.published)).all()
    return {f"/thu-tuc/{code}" for code in codes}


@pytest.mark.parametrize("js", [False, True], ids=["no-js", "js"])
def test_every_published_procedure_is_within_three_clicks(open_page, live_server, js):
    """TT32-11.2b-1: breadth-first from the home page, following links only."""
    wanted = _published_paths(live_server)
    page = open_page("/", js=js)
    depth = {"/": 0}
    queue = deque(["/"])
    while queue and not wanted <= depth.keys():
        path = queue.popleft()
        if depth[path] >= 3:
            continue
        page.goto(path)
        for href in _links(page):
            parts = urlsplit(urljoin(live_server.url + path, href))
            if parts.netloc != urlsplit(live_server.url).netloc:
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if SKIP.search(target) or target in depth:
                continue
            depth[target] = depth[path] + 1
            queue.append(target)
    missing = sorted(wanted - depth.keys())
    assert missing == [], f"not reachable within 3 clicks: {missing}"
    assert max(depth[p] for p in wanted) <= 3


def test_unaccented_query_finds_the_procedure_as_you_type(open_page, screenshot):
    page = open_page("/tim-kiem/")
    box = page.get_by_label("Bạn cần làm thủ tục gì?")
    box.press_sequentially("dang ky khai sinh", delay=30)
    first = page.locator("#results .portal-result__title a").first
    first.wait_for()
    assert first.inner_text() == "Thủ tục đăng ký khai sinh"
    page.wait_for_url(re.compile(r"/tim-kiem/\?q=dang\+ky\+khai\+sinh$"))
    assert "thủ tục phù hợp" in page.locator("#results-status").inner_text()
    screenshot(page, "active-search")


def test_search_works_without_javascript(open_page):
    page = open_page("/", js=False)
    page.get_by_label("Bạn cần làm thủ tục gì?").fill("DANG KY KET HON")
    page.get_by_role("button", name="Tìm").click()
    assert page.url.endswith("/tim-kiem/?q=DANG+KY+KET+HON")
    assert page.locator(".portal-result__title a").first.inner_text() == "Thủ tục đăng ký kết hôn"


def test_filters_update_in_place_and_the_back_button_works(open_page, screenshot):
    page = open_page("/thu-tuc/", viewport=DESKTOP)
    heading = page.locator("#results-heading")
    assert "46" in heading.inner_text()
    page.get_by_label("Lĩnh vực").select_option(label="Chứng thực")
    page.wait_for_url(re.compile(r"/thu-tuc/\?linh-vuc=chung-thuc$"))
    assert "Tìm thấy 5 thủ tục" == heading.inner_text()
    assert page.locator("#results-status").inner_text() == "Tìm thấy 5 thủ tục"
    screenshot(page, "filtered")
    page.go_back()
    page.wait_for_url(re.compile(r"/thu-tuc/$"))
    # htmx keeps no page copies (historyCacheSize 0: nothing personal left in the browser),
    # so it asks the server for the page again.
    page.locator("#results-heading", has_text="46").wait_for()
    assert page.get_by_label("Lĩnh vực").input_value() == ""


def test_filters_work_without_javascript(open_page):
    page = open_page("/thu-tuc/", js=False)
    page.get_by_label("Lĩnh vực").select_option(label="Chứng thực")
    page.get_by_role("button", name="Lọc").click()
    assert "linh-vuc=chung-thuc" in page.url
    assert page.locator("#results-heading").inner_text() == "Tìm thấy 5 thủ tục"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_public_pages_have_no_axe_violations(open_page, axe_violations, screenshot, viewport):
    found = {}
    for path in PAGES:
        page = open_page(path, viewport=viewport)
        violations = axe_violations(page)
        if violations:
            found[path] = violations
        if viewport is PHONE:
            # No horizontal scrolling at 360 px (TT32-MOB).
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        page.context.close()
    page = open_page("/thu-tuc/1.001193", viewport=viewport)
    screenshot(page, "procedure")
    assert found == {}


def test_procedure_page_prints_without_navigation(open_page):
    page = open_page("/thu-tuc/1.001193")
    page.emulate_media(media="print")
    assert not page.locator(".portal-nav").is_visible()
    assert not page.locator(".portal-actions").is_visible()
    assert page.locator("h1").is_visible()
    page.emulate_media(media="screen")
    expect(page.get_by_role("button", name="In trang này")).to_be_visible()  # shown with JS


def test_downloads_download_with_javascript_on(open_page, tmp_path):
    page = open_page("/thu-tuc/1.001193")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải về (.docx)").click()
    path = tmp_path / "thu-tuc.docx"
    download.value.save_as(path)
    assert path.read_bytes()[:2] == b"PK"
    assert page.locator("h1").inner_text() == "Thủ tục đăng ký khai sinh"  # page untouched
