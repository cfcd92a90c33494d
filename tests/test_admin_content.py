"""Editors' guides, FAQ and notices (/quan-tri/huong-dan, /hoi-dap, /thong-bao): permissions,
editing, sanitising, history, preview, scheduled publication, maintenance notices and the
banner on every page (TT32-11.1a/b, TT32-11.x-MAINT, ND64-16)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from portal.models import (
    AuditEvent, ContentStatus, Faq, Guide, Notice, NoticeKind, Revision, SiteState)
from portal.services import editorial, jobs
from tests.conftest import htmx_headers, login, make_app

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
KINDS = {"huong-dan": Guide, "hoi-dap": Faq, "thong-bao": Notice}


def _fresh(session, model, **where):
    session.rollback()  # end the read snapshot; see the requests' commits
    return session.scalar(select(model).filter_by(**where))


def _id(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[-2000:]
    return int(re.search(r"/(\d+)$", response.headers["Location"]).group(1))


def _actions(session, object_type: str, object_id: int) -> list[str]:
    session.rollback()
    return list(session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
        .order_by(AuditEvent.id)))


@pytest.fixture
def editor(client, demo):
    login(client, "bientap@demo.local")
    return client


# --- Permissions ------------------------------------------------------------------------------


def _routes(session) -> list[tuple[str, str]]:
    """Every editors' route of the three kinds, with a saved revision to open."""
    routes = [("GET", "/quan-tri/lien-ket-thu-tuc")]
    for path, model in KINDS.items():
        item = session.scalars(select(model).order_by(model.id)).first()
        editorial.save(session, item, {}, None)
        base = f"/quan-tri/{path}"
        routes += [("GET", f"{base}/"), ("GET", f"{base}/moi"), ("GET", f"{base}/{item.id}"),
                   ("GET", f"{base}/{item.id}/lich-su"), ("GET", f"{base}/{item.id}/lich-su/1"),
                   ("POST", f"{base}/moi"), ("POST", f"{base}/{item.id}"),
                   ("POST", f"{base}/moi/xem-truoc"), ("POST", f"{base}/{item.id}/xem-truoc"),
                   ("POST", f"{base}/{item.id}/xuat-ban"), ("POST", f"{base}/{item.id}/luu-tru"),
                   ("POST", f"{base}/{item.id}/khoi-phuc"),
                   ("POST", f"{base}/{item.id}/lich-su/1/khoi-phuc")]
    session.commit()
    return routes


@pytest.mark.parametrize("email", ["congdan@demo.local", "motcua@demo.local"])
def test_citizens_and_one_stop_staff_are_refused(client, demo, session, email):
    routes = _routes(session)
    login(client, email)
    for method, path in routes:
        assert client.open(path, method=method).status_code == 403, path


@pytest.mark.parametrize("email", ["bientap@demo.local", "quantri@demo.local"])
def test_editors_and_administrators_may_use_every_route(client, demo, session, email):
    routes = _routes(session)
    login(client, email)
    for method, path in routes:
        status = client.open(path, method=method).status_code
        assert status == 200 if method == "GET" else status in (200, 303, 422), (path, status)


def test_anonymous_visitors_are_sent_to_log_in(client, demo):
    response = client.get("/quan-tri/huong-dan/")
    assert response.status_code == 303 and "/tai-khoan/dang-nhap" in response.headers["Location"]


def test_every_post_needs_the_csrf_token(request, tmp_path):
    app = make_app("sqlite", request, tmp_path, seeded=True, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/tai-khoan/dang-nhap").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/tai-khoan/dang-nhap", data={
        "csrf_token": token, "identifier": "bientap@demo.local", "password": "Demo@12345"})
    form = {"title": "Có mã", "body": "Nội dung"}
    assert client.post("/quan-tri/huong-dan/moi", data=form).status_code == 400
    assert client.post("/quan-tri/huong-dan/1/luu-tru").status_code == 400
    assert client.post("/quan-tri/thong-bao/moi/xem-truoc", data=form).status_code == 400
    page = client.get("/quan-tri/huong-dan/moi").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post("/quan-tri/huong-dan/moi", data={**form, "csrf_token": token}) \
        .status_code == 303


# --- Guides, FAQ, notices ---------------------------------------------------------------------


def test_a_guide_is_written_published_archived_and_restored(editor, session):
    response = editor.post("/quan-tri/huong-dan/moi", data={
        "title": "Nộp hồ sơ khai sinh qua cổng", "summary": "Các bước trên cổng.",
        "body": "## Bước 1\n\nĐăng nhập.", "field": "ho-tich", "procedures": ["1.001193"]})
    guide_id = _id(response)
    guide = _fresh(session, Guide, id=guide_id)
    assert guide.slug == "nop-ho-so-khai-sinh-qua-cong" and guide.status is ContentStatus.DRAFT
    assert guide.body_html == "<h2>Bước 1</h2>\n<p>Đăng nhập.</p>\n"
    assert [p.code for p in guide.procedures] == ["1.001193"] and guide.field.slug == "ho-tich"
    assert editor.get(f"/huong-dan/{guide.slug}").status_code == 404
    listing = editor.get("/quan-tri/huong-dan/?q=KHAI+SINH+qua+cong&trang-thai=draft")
    assert "Nộp hồ sơ khai sinh qua cổng" in listing.get_data(as_text=True)
    listing = editor.get("/quan-tri/huong-dan/?q=khai+sinh+qua+cong&trang-thai=published")
    assert "Nộp hồ sơ khai sinh qua cổng" not in listing.get_data(as_text=True)

    editor.post(f"/quan-tri/huong-dan/{guide_id}/xuat-ban")
    assert "Đăng nhập." in editor.get(f"/huong-dan/{guide.slug}").get_data(as_text=True)
    editor.post(f"/quan-tri/huong-dan/{guide_id}", data={
        "title": "Nộp hồ sơ khai sinh qua cổng", "slug": guide.slug,
        "body": "## Bước 1\n\nĐăng nhập bằng VNeID."})
    assert "VNeID" in editor.get(f"/huong-dan/{guide.slug}").get_data(as_text=True)
    editor.post(f"/quan-tri/huong-dan/{guide_id}/luu-tru")
    assert editor.get(f"/huong-dan/{guide.slug}").status_code == 404
    editor.post(f"/quan-tri/huong-dan/{guide_id}/khoi-phuc")
    assert _fresh(session, Guide, id=guide_id).status is ContentStatus.DRAFT
    assert _actions(session, "guide", guide_id) == [
        "guide_created", "guide_published", "guide_updated", "guide_archived", "guide_restored"]


def test_addresses_are_unique(editor, session):
    taken = session.scalars(select(Guide)).first().slug
    response = editor.post("/quan-tri/huong-dan/moi", data={
        "title": "Trùng", "slug": taken, "body": "x"})
    assert response.status_code == 422 and "Địa chỉ này đã được dùng" in response.get_data(True)
    assert editor.post("/quan-tri/huong-dan/moi", data={
        "title": "Chữ Hoa", "slug": "Chu Hoa", "body": "x"}).status_code == 422
    first = _id(editor.post("/quan-tri/hoi-dap/moi", data={"question": "Hỏi?", "answer": "Đáp."}))
    second = _id(editor.post("/quan-tri/hoi-dap/moi", data={"question": "Hỏi?", "answer": "Đáp."}))
    assert _fresh(session, Faq, id=first).slug == "hoi"
    assert _fresh(session, Faq, id=second).slug == "hoi-2"


def test_faq_entries_are_edited_like_guides(editor, session):
    faq_id = _id(editor.post("/quan-tri/hoi-dap/moi", data={
        "question": "Có cần bản chính giấy chứng sinh không?", "answer": "Có, **bản chính**.",
        "field": "ho-tich", "procedures": ["1.001193"], "sort_order": "3",
        "action": "publish"}))
    faq = _fresh(session, Faq, id=faq_id)
    assert faq.status is ContentStatus.PUBLISHED and faq.sort_order == 3
    assert faq.answer_html == "<p>Có, <strong>bản chính</strong>.</p>\n"
    assert "bản chính</strong>" in editor.get(f"/hoi-dap/{faq.slug}").get_data(as_text=True)
    editor.post(f"/quan-tri/hoi-dap/{faq_id}/luu-tru")
    assert editor.get(f"/hoi-dap/{faq.slug}").status_code == 404
    assert _actions(session, "faq", faq_id) == ["faq_created", "faq_published", "faq_archived"]
    assert editor.post("/quan-tri/hoi-dap/moi", data={"question": "", "answer": ""}) \
        .status_code == 422


def test_an_announcement_appears_on_the_home_page(editor, session):
    notice_id = _id(editor.post("/quan-tri/thong-bao/moi", data={
        "title": "Lịch tiếp công dân tháng 12", "kind": "announcement",
        "body": "Thứ Năm hằng tuần.", "action": "publish"}))
    assert "Lịch tiếp công dân tháng 12" in editor.get("/").get_data(as_text=True)
    editor.post(f"/quan-tri/thong-bao/{notice_id}/luu-tru")
    assert "Lịch tiếp công dân tháng 12" not in editor.get("/").get_data(as_text=True)
    assert _actions(session, "notice", notice_id) == [
        "notice_created", "notice_published", "notice_archived"]


# --- Safety -----------------------------------------------------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    '<a href="javascript:alert(1)">a</a>',
    "<svg onload=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    "<style>body{display:none}</style>",
    '" onmouseover="x',
    "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![i](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[e](&#106;avascript:alert(1))",
    '<a href="&#106;avascript:alert(1)">e</a>',
    "[t](java\tscript:alert(1))",
    "<p style=\"x\" onclick=\"alert(1)\">p</p>",
]


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {k: v or "" for k, v in attrs}))


def _assert_inert(html: str) -> None:
    """No active content a browser would run in this HTML."""
    for banned in ("<script", "<iframe", "<style", "<svg", "<img", "<object", "<embed"):
        assert banned not in html.lower()
    parser = _Elements()
    parser.feed(html)
    for _tag, attrs in parser.found:
        assert not any(name.startswith("on") or name == "style" for name in attrs), attrs
        for name in ("href", "src"):
            value = re.sub(r"[\s\x00-\x1f]", "", attrs.get(name, "")).lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), attrs


def _article(html: str) -> str:
    return re.search(r'<article class="portal-prose">(.*?)</article>', html, re.S).group(1)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_script_never_reaches_the_public_pages(editor, session, payload):
    body = f"## Bước 1\n\n{payload}\n\n[ok](/thu-tuc/1.001193)"
    guide_id = _id(editor.post("/quan-tri/huong-dan/moi", data={
        "title": f"An toàn {payload}", "body": body, "action": "publish"}))
    faq_id = _id(editor.post("/quan-tri/hoi-dap/moi", data={
        "question": f"An toàn {payload}?", "answer": body, "action": "publish"}))
    guide, faq = _fresh(session, Guide, id=guide_id), session.get(Faq, faq_id)
    for page in (editor.get(f"/huong-dan/{guide.slug}"), editor.get(f"/hoi-dap/{faq.slug}")):
        article = _article(page.get_data(as_text=True))
        _assert_inert(article)
        assert '<a href="/thu-tuc/1.001193" rel="noopener noreferrer">ok</a>' in article
    faq_list = editor.get("/hoi-dap/").get_data(as_text=True)
    _assert_inert(re.search(rf'<details class="portal-faq" id="{faq.slug}">(.*?)</details>',
                            faq_list, re.S).group(1))
    preview = editor.post("/quan-tri/huong-dan/moi/xem-truoc", data={"body": body},
                          headers=htmx_headers())
    _assert_inert(preview.get_data(as_text=True))


def test_a_restore_renders_the_html_again(editor, session):
    guide = session.scalars(select(Guide)).first()
    editorial.save(session, guide, {"body": "Bản **một**"}, None)
    guide.body_html = "<script>alert(1)</script>"  # as if stored by an old, unsafe version
    session.commit()
    editor.post(f"/quan-tri/huong-dan/{guide.id}/lich-su/1/khoi-phuc")
    assert _fresh(session, Guide, id=guide.id).body_html == "<p>Bản <strong>một</strong></p>\n"


# --- History ----------------------------------------------------------------------------------


def test_history_shows_each_version_with_a_diff_and_restores(editor, session):
    guide_id = _id(editor.post("/quan-tri/huong-dan/moi", data={
        "title": "Lịch sử", "body": "Nộp hồ sơ tại xã."}))
    editor.post(f"/quan-tri/huong-dan/{guide_id}", data={
        "title": "Lịch sử", "slug": "lich-su", "body": "Nộp hồ sơ trực tuyến."})
    history = editor.get(f"/quan-tri/huong-dan/{guide_id}/lich-su").get_data(as_text=True)
    assert "Phiên bản 2" in history and "Phiên bản 1" in history and "tạo mới" in history
    diff = editor.get(f"/quan-tri/huong-dan/{guide_id}/lich-su/2").get_data(as_text=True)
    assert "<del>tại xã.</del>" in diff and "<ins>trực tuyến.</ins>" in diff
    assert editor.get(f"/quan-tri/huong-dan/{guide_id}/lich-su/9").status_code == 404
    response = editor.post(f"/quan-tri/huong-dan/{guide_id}/lich-su/1/khoi-phuc")
    assert response.status_code == 303
    guide = _fresh(session, Guide, id=guide_id)
    assert guide.body == "Nộp hồ sơ tại xã." and guide.body_html == "<p>Nộp hồ sơ tại xã.</p>\n"
    numbers = session.scalars(select(Revision.note).where(
        Revision.kind == "guide", Revision.object_id == guide_id).order_by(Revision.number))
    assert list(numbers) == ["tạo mới", "sửa", "khôi phục phiên bản 1"]
    assert "guide_restored" in _actions(session, "guide", guide_id)


# --- Preview ----------------------------------------------------------------------------------


def test_preview_is_a_fragment_for_htmx_and_the_whole_editor_without(editor, session):
    before = session.scalar(select(func.count()).select_from(Guide))
    form = {"title": "Xem thử", "body": "## Bước một\n\n**Đậm**"}
    fragment = editor.post("/quan-tri/huong-dan/moi/xem-truoc", data=form, headers=htmx_headers())
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    assert html.lstrip().startswith('<section id="preview"') and "<html" not in html
    assert "<h2>Bước một</h2>" in html and "<strong>Đậm</strong>" in html
    full = editor.post("/quan-tri/huong-dan/moi/xem-truoc", data={**form, "action": "preview"})
    page = full.get_data(as_text=True)
    assert "<html" in page and "HX-Request" in full.headers["Vary"]
    assert "<strong>Đậm</strong>" in page and "## Bước một\n\n**Đậm**</textarea>" in page
    assert 'formaction="/quan-tri/huong-dan/moi/xem-truoc#preview"' in page
    assert 'value="Xem thử"' in page
    guide = session.scalars(select(Guide)).first()
    full = editor.post(f"/quan-tri/huong-dan/{guide.id}/xem-truoc", data=form)
    assert f'action="/quan-tri/huong-dan/{guide.id}"' in full.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Guide)) == before
    assert _fresh(session, Guide, id=guide.id).title != "Xem thử"


def test_the_link_helper_lists_procedures_and_their_markdown(editor):
    html = editor.get("/quan-tri/lien-ket-thu-tuc?q=dang+ky+khai+sinh").get_data(as_text=True)
    assert "[Thủ tục đăng ký khai sinh](/thu-tuc/1.001193)" in html
    fragment = editor.get("/quan-tri/lien-ket-thu-tuc?q=ket+hon", headers=htmx_headers())
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="links">') and "/thu-tuc/1.000894" in body


def test_editor_pages_and_a_page_with_the_banner_are_valid_html(editor, session, tmp_path):
    from tests.test_html_valid import validate

    guide = session.scalars(select(Guide)).first()
    editorial.save(session, guide, {"body": f"{guide.body}\n\nThêm một dòng."}, None)
    now = datetime.now(HANOI)
    notice = editorial.save(session, Notice(), {
        "title": "Tạm ngừng để nâng cấp", "kind": "maintenance", "body": "Nâng cấp.",
        "starts_at": now + timedelta(hours=1), "ends_at": now + timedelta(hours=5)}, None)
    editorial.publish(session, notice, None, now=now - timedelta(days=30))
    session.commit()
    paths = ["/quan-tri/huong-dan/", "/quan-tri/huong-dan/moi", f"/quan-tri/huong-dan/{guide.id}",
             f"/quan-tri/huong-dan/{guide.id}/lich-su", f"/quan-tri/huong-dan/{guide.id}/lich-su/2",
             "/quan-tri/hoi-dap/?trang-thai=published", "/quan-tri/hoi-dap/moi",
             "/quan-tri/thong-bao/", f"/quan-tri/thong-bao/{notice.id}",
             "/quan-tri/lien-ket-thu-tuc?q=ket+hon", "/", "/thu-tuc/1.001193"]
    documents = {path: editor.get(path).get_data(as_text=True) for path in paths}
    documents["errors"] = editor.post("/quan-tri/thong-bao/moi", data={
        "kind": "maintenance", "starts_time": "9"}).get_data(as_text=True)
    documents["preview"] = editor.post("/quan-tri/hoi-dap/moi/xem-truoc", data={
        "question": "Hỏi?", "answer": "**Đáp**"}).get_data(as_text=True)
    assert "portal-maintenance" in documents["/"]
    assert validate(documents, tmp_path) == {}


# --- Scheduled publication --------------------------------------------------------------------


def test_a_draft_scheduled_for_the_past_is_published_by_the_periodic_task(client, demo, session):
    guide = session.scalars(select(Guide)).first()
    guide.status, guide.publish_at = ContentStatus.DRAFT, datetime.now(HANOI) - timedelta(hours=1)
    session.commit()
    assert f'href="/huong-dan/{guide.slug}"' not in client.get("/huong-dan/").get_data(True)
    assert jobs.run_periodic(session, force=True) >= 1
    assert f'href="/huong-dan/{guide.slug}"' in client.get("/huong-dan/").get_data(True)
    guide = _fresh(session, Guide, id=guide.id)
    assert guide.status is ContentStatus.PUBLISHED and guide.publish_at is None
    assert _actions(session, "guide", guide.id)[-1] == "guide_published"


def test_an_editor_schedules_a_guide_and_it_appears_on_time(client, demo, session):
    anonymous = client.application.test_client()
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=HANOI), tick=False):
        login(client, "bientap@demo.local")
        past = client.post("/quan-tri/huong-dan/moi", data={
            "title": "Hẹn giờ", "body": "Sắp có.", "publish_date-ngay": "30",
            "publish_date-thang": "11", "publish_date-nam": "2026", "publish_time": "08:00"})
        assert past.status_code == 422 and "sau lúc này" in past.get_data(as_text=True)
        guide_id = _id(client.post("/quan-tri/huong-dan/moi", data={
            "title": "Hẹn giờ", "body": "Sắp có.", "publish_date-ngay": "2",
            "publish_date-thang": "12", "publish_date-nam": "2026", "publish_time": "7:30"}))
        guide = _fresh(session, Guide, id=guide_id)
        assert guide.publish_at == datetime(2026, 12, 2, 7, 30, tzinfo=HANOI)
        jobs.run_periodic(session, force=True)
        assert "Hẹn giờ" not in anonymous.get("/huong-dan/").get_data(as_text=True)
    with time_machine.travel(datetime(2026, 12, 2, 7, 31, tzinfo=HANOI), tick=False):
        jobs.run_periodic(session, force=True)
        assert "Hẹn giờ" in anonymous.get("/huong-dan/").get_data(as_text=True)


# --- Maintenance notices ----------------------------------------------------------------------

FRIDAY = datetime(2026, 12, 4, 10, 0, tzinfo=HANOI)


def _maintenance(client, starts: datetime, ends: datetime, action: str = "save", **extra):
    data = {"title": "Tạm ngừng để nâng cấp hệ thống", "kind": "maintenance",
            "body": "Nâng cấp máy chủ.", "action": action, **extra}
    for name, moment in (("starts", starts), ("ends", ends)):
        data |= {f"{name}_date-ngay": moment.day, f"{name}_date-thang": moment.month,
                 f"{name}_date-nam": moment.year, f"{name}_time": moment.strftime("%H:%M")}
    return client.post("/quan-tri/thong-bao/moi", data=data)


@pytest.mark.parametrize("days, refused, allowed, earliest", [
    (1, datetime(2026, 12, 5, 22, 0, tzinfo=HANOI), datetime(2026, 12, 7, 0, 0, tzinfo=HANOI),
     "00 giờ 00 phút, ngày 07 tháng 12 năm 2026"),
    (7, datetime(2026, 12, 14, 22, 0, tzinfo=HANOI), datetime(2026, 12, 15, 8, 0, tzinfo=HANOI),
     "00 giờ 00 phút, ngày 15 tháng 12 năm 2026"),
])
def test_a_maintenance_notice_needs_n_working_days_notice(client, demo, session, days, refused,
                                                          allowed, earliest):
    client.application.config["MAINTENANCE_NOTICE_WORKING_DAYS"] = days
    with time_machine.travel(FRIDAY, tick=False):
        login(client, "bientap@demo.local")
        response = _maintenance(client, refused, refused + timedelta(hours=8), "publish")
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert f"ít nhất {days} ngày làm việc" in html and earliest in html
        assert session.scalar(select(func.count()).select_from(Notice).where(
            Notice.kind == NoticeKind.MAINTENANCE)) == 0
        notice_id = _id(_maintenance(client, allowed, allowed + timedelta(hours=8), "publish"))
        assert _fresh(session, Notice, id=notice_id).status is ContentStatus.PUBLISHED
        # A draft saved earlier is refused when "Xuất bản ngay" comes too late.
        draft_id = _id(_maintenance(client, refused, refused + timedelta(hours=8)))
        response = client.post(f"/quan-tri/thong-bao/{draft_id}/xuat-ban", follow_redirects=True)
        assert earliest in response.get_data(as_text=True)
        assert _fresh(session, Notice, id=draft_id).status is ContentStatus.DRAFT


def test_holidays_and_weekends_do_not_count(client, demo, session):
    wednesday = datetime(2026, 4, 29, 10, 0, tzinfo=HANOI)  # then 30/4, 1/5, a weekend
    with time_machine.travel(wednesday, tick=False):
        login(client, "bientap@demo.local")
        friday = datetime(2026, 5, 1, 22, 0, tzinfo=HANOI)
        response = _maintenance(client, friday, friday + timedelta(hours=6), "publish")
        assert "00 giờ 00 phút, ngày 04 tháng 05 năm 2026" in response.get_data(as_text=True)
        monday = datetime(2026, 5, 4, 22, 0, tzinfo=HANOI)
        assert _maintenance(client, monday, monday + timedelta(hours=6), "publish") \
            .status_code == 303


def test_a_scheduled_maintenance_notice_counts_from_its_publication_time(client, demo):
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=HANOI), tick=False):
        login(client, "bientap@demo.local")
        saturday = datetime(2026, 12, 5, 22, 0, tzinfo=HANOI)
        schedule = {"publish_date-ngay": "4", "publish_date-thang": "12",
                    "publish_date-nam": "2026", "publish_time": "10:00"}
        response = _maintenance(client, saturday, saturday + timedelta(hours=8), **schedule)
        assert response.status_code == 422
        assert "ngày 07 tháng 12 năm 2026" in response.get_data(as_text=True)
        monday = datetime(2026, 12, 7, 22, 0, tzinfo=HANOI)
        assert _maintenance(client, monday, monday + timedelta(hours=8), **schedule) \
            .status_code == 303


def test_a_maintenance_window_needs_both_times_in_order(editor):
    starts = datetime(2027, 1, 20, 22, 0, tzinfo=HANOI)
    response = _maintenance(editor, starts, starts - timedelta(hours=1))
    assert response.status_code == 422
    assert "phải sau thời điểm tạm ngừng" in response.get_data(as_text=True)
    response = editor.post("/quan-tri/thong-bao/moi", data={
        "title": "Thiếu giờ", "kind": "maintenance", "body": "x"})
    assert response.status_code == 422 and "Nhập thời điểm tạm ngừng" in response.get_data(True)
    response = editor.post("/quan-tri/thong-bao/moi", data={
        "title": "Giờ sai", "kind": "maintenance", "body": "x", "starts_date-ngay": "20",
        "starts_date-thang": "1", "starts_date-nam": "2027", "starts_time": "25:00"})
    assert response.status_code == 422 and "giờ:phút" in response.get_data(as_text=True)


# --- The banner on every page -----------------------------------------------------------------

PAGES = ("/", "/thu-tuc/1.001193", "/huong-dan/", "/tai-khoan/dang-nhap")
WINDOW = "từ 22 giờ 00 phút ngày 07/12/2026 đến 06 giờ 00 phút ngày 08/12/2026"


def _banner(html: str) -> str | None:
    found = re.search(r'<section class="portal-maintenance[^"]*" role="region" '
                      r'aria-labelledby="([^"]+)">(.*?)</section>', html, re.S)
    if found is None:
        return None
    assert f'<h2 class="portal-maintenance__title" id="{found.group(1)}">' in found.group(2)
    assert 'role="alert"' not in found.group(2)
    return " ".join(found.group(2).split())


def test_the_banner_shows_on_every_page_until_the_services_are_back(client, demo, session,
                                                                    count_queries):
    anonymous = client.application.test_client()
    version = lambda: session.scalar(  # noqa: E731
        select(SiteState.value).where(SiteState.key == "content"))
    with time_machine.travel(FRIDAY, tick=False):
        for path in PAGES:  # cached without a banner
            assert _banner(anonymous.get(path).get_data(as_text=True)) is None
        login(client, "bientap@demo.local")
        _id(_maintenance(client, datetime(2026, 12, 7, 22, 0, tzinfo=HANOI),
                         datetime(2026, 12, 8, 6, 0, tzinfo=HANOI), "publish"))
        for path in PAGES:
            banner = _banner(anonymous.get(path).get_data(as_text=True))
            assert f"sẽ tạm ngừng {WINDOW}" in banner and "Tạm ngừng để nâng cấp" in banner
        assert _banner(client.get("/").get_data(as_text=True)) is not None  # logged in too
        jobs.run_periodic(session, force=True)
    with time_machine.travel(datetime(2026, 12, 7, 22, 0, tzinfo=HANOI), tick=False):
        before = version()
        jobs.run_periodic(session, force=True)  # the window starts: cached pages go
        assert version() == before + 1
        for path in PAGES:
            banner = _banner(anonymous.get(path).get_data(as_text=True))
            assert f"đang tạm ngừng {WINDOW}" in banner
            assert "Dự kiến hoạt động trở lại lúc 06 giờ 00 phút ngày 08/12/2026" in banner
        with count_queries() as counter:
            cached = anonymous.get("/thu-tuc/1.001193").get_data(as_text=True)
        assert counter["n"] <= 2 and f"đang tạm ngừng {WINDOW}" in _banner(cached)
        jobs.run_periodic(session, force=True)
        assert version() == before + 1  # nothing changed since: the cache is kept
    with time_machine.travel(datetime(2026, 12, 8, 6, 0, tzinfo=HANOI), tick=False):
        jobs.run_periodic(session, force=True)  # the services are back
        for path in PAGES:
            assert _banner(anonymous.get(path).get_data(as_text=True)) is None
