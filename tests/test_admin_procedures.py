"""Editors' procedure pages and the catalogue import/export (issue 8: TT22-PL2-01, ND42-04.1e,
TT32-11.x-PROG): permissions, the editor with its repeatable rows, publishing, copies, the
preview, history with differences and restore, audit entries, XLSX/JSON export and the
import job with its report."""
from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update
from werkzeug.datastructures import MultiDict

from portal.models import AuditEvent, Job, JobStatus, Procedure, Revision
from portal.services import catalog_io, catalogue_transfer, revisions
from tests.conftest import htmx_headers, login, make_app

DEMO_RECORDS = Path(__file__).resolve().parent.parent / "portal/data/demo/procedures.json"
BIRTH = "1.001193"


class _FormReader(HTMLParser):
    """What a browser would post from a form: inputs, checked boxes, textareas, selects."""

    def __init__(self, form_class: str) -> None:
        super().__init__()
        self.form_class, self.inside, self.values = form_class, False, MultiDict()
        self._textarea: str | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.form_class in (attrs.get("class") or "").split():
            self.inside = True
        if not self.inside:
            return
        if tag == "option" and self._select:
            self._options.append((attrs.get("value") or "", "selected" in attrs))
        elif not attrs.get("name"):
            return
        elif tag == "input" and attrs.get("type") not in ("checkbox", "radio", "file"):
            self.values.add(attrs["name"], attrs.get("value") or "")
        elif tag == "input" and "checked" in attrs:
            self.values.add(attrs["name"], attrs.get("value") or "on")
        elif tag == "textarea":
            self._textarea, self._text = attrs["name"], ""
        elif tag == "select":
            self._select, self._options = attrs["name"], []

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea:
            # Browsers drop the line break that follows <textarea>.
            self.values.add(self._textarea, re.sub(r"^\r?\n", "", self._text))
            self._textarea = None
        elif tag == "select" and self._select:
            chosen = [value for value, selected in self._options if selected]
            self.values.add(self._select, (chosen or [self._options[0][0]])[0])
            self._select = None
        elif tag == "form":
            self.inside = False


def form_values(html: str, form_class: str = "portal-editor") -> MultiDict:
    reader = _FormReader(form_class)
    reader.feed(html)
    return reader.values


def _procedure(session, code: str) -> Procedure | None:
    session.rollback()  # end the read snapshot: see the requests' commits
    return session.scalar(select(Procedure).where(Procedure.code == code))


def _edit_url(procedure: Procedure) -> str:
    return f"/quan-tri/thu-tuc/{procedure.id}"


def _events(session, action: str) -> list[AuditEvent]:
    session.rollback()
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def editor(client, demo):
    login(client, "bientap@demo.local")
    return client


@pytest.fixture
def birth(session, demo) -> Procedure:
    return _procedure(session, BIRTH)


# --- Permissions ------------------------------------------------------------------------------


def _get_paths(procedure_id: int) -> list[str]:
    base = f"/quan-tri/thu-tuc/{procedure_id}"
    return ["/quan-tri/thu-tuc", "/quan-tri/thu-tuc?tu-khoa=khai+sinh", "/quan-tri/thu-tuc/moi",
            base, f"{base}/xem-truoc", f"{base}/lich-su", f"{base}/lich-su/1",
            f"{base}/so-sanh?tu=1&den=2", "/quan-tri/danh-muc",
            "/quan-tri/danh-muc/xuat?dinh-dang=json", "/quan-tri/danh-muc/xuat?dinh-dang=xlsx"]


def _post_paths(procedure_id: int) -> list[str]:
    base = f"/quan-tri/thu-tuc/{procedure_id}"
    return ["/quan-tri/thu-tuc/moi", base, f"{base}/xuat-ban", f"{base}/ngung-xuat-ban",
            f"{base}/nhan-ban", f"{base}/lich-su/1/khoi-phuc", "/quan-tri/danh-muc/nhap"]


def _two_revisions(session, procedure: Procedure) -> None:
    from portal.services import procedure_editor

    data = procedure_editor.snapshot(procedure)
    revisions.record(session, "procedure", procedure.id, data, None, "một")
    revisions.record(session, "procedure", procedure.id, {**data, "name": "Tên khác"}, None)
    session.commit()


@pytest.mark.parametrize("email", ["congdan@demo.local", "motcua@demo.local"])
def test_citizens_and_one_stop_officers_are_refused(client, session, birth, email):
    _two_revisions(session, birth)
    login(client, email)
    for path in _get_paths(birth.id):
        assert client.get(path).status_code == 403, path
    for path in _post_paths(birth.id):
        assert client.post(path, data={}).status_code == 403, path
    assert client.get("/quan-tri/danh-muc/bao-cao/1").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, session, birth):
    for path in _get_paths(birth.id) + ["/quan-tri/danh-muc/bao-cao/1"]:
        response = client.get(path)
        assert response.status_code in (302, 303), path
        assert "/tai-khoan/dang-nhap" in response.headers["Location"]
    for path in _post_paths(birth.id):
        response = client.post(path, data={})
        assert "/tai-khoan/dang-nhap" in response.headers["Location"], path


@pytest.mark.parametrize("email", ["bientap@demo.local", "quantri@demo.local"])
def test_editors_and_administrators_open_every_page(client, session, birth, email):
    _two_revisions(session, birth)
    login(client, email)
    for path in _get_paths(birth.id):
        response = client.get(path)
        assert response.status_code == 200, path
    assert client.get("/quan-tri/").get_data(as_text=True).count("/quan-tri/thu-tuc") >= 1
    assert "/quan-tri/danh-muc" in client.get("/quan-tri/").get_data(as_text=True)


def test_csrf_protects_the_editors_posts(request, tmp_path):
    app = make_app("sqlite", request, tmp_path, seeded=True, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/tai-khoan/dang-nhap").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post("/tai-khoan/dang-nhap", data={
        "identifier": "bientap@demo.local", "password": "Demo@12345",
        "csrf_token": token}).status_code == 303
    with app.app_context():
        from portal.extensions import db

        procedure_id = db.session.scalar(select(Procedure.id).where(Procedure.code == BIRTH))
    for path in _post_paths(procedure_id):
        assert client.post(path, data={}).status_code == 400, path
    edit = client.get(f"/quan-tri/thu-tuc/{procedure_id}").get_data(as_text=True)
    values = form_values(edit)
    assert values["csrf_token"]
    assert client.post(f"/quan-tri/thu-tuc/{procedure_id}", data=values).status_code == 303
    with app.app_context():
        from portal.extensions import db

        for engine in db.engines.values():
            engine.dispose()


# --- The editor -----------------------------------------------------------------------------

NEW = {
    "code": "1.999001", "name": "Thủ tục cấp giấy xác nhận thử nghiệm", "field": "Hộ tịch",
    "steps-0-text": "Bước 1: Nộp hồ sơ tại bộ phận một cửa.",
    "steps-1-text": "Bước 2: Nhận kết quả.",
    "channels-0-enabled": "y", "channels-0-processing_time": "", "channels-0-fee": "",
    "channels-0-note": "", "channels-1-enabled": "y", "channels-1-processing_time": "",
    "channels-1-fee": "", "channels-1-note": "Nộp qua Cổng Dịch vụ công",
    "channels-2-processing_time": "", "channels-2-fee": "", "channels-2-note": "",
    "method_text": "Nộp trực tiếp hoặc trực tuyến.",
    "components-0-name": "Tờ khai xác nhận thử nghiệm", "components-0-originals": "1",
    "components-0-copies": "2", "components-0-required": "y", "components-0-note": "Theo mẫu",
    "components-0-accepted_types": "PDF, .jpg", "components-0-max_size_mb": "5",
    "components-1-name": "Giấy tờ tùy thân", "components-1-originals": "0",
    "components-1-copies": "0", "components-1-presentation_only": "y",
    "processing_time": "03 ngày làm việc kể từ ngày nhận đủ hồ sơ",
    "subjects": "Công dân Việt Nam", "applicant_types": "individual",
    "agency": "", "authority": "Ủy ban nhân dân cấp xã",
    "competent_authority": "Chủ tịch Ủy ban nhân dân cấp xã", "agency_level": "Cấp xã",
    "result": "Giấy xác nhận thử nghiệm",
    "fees-0-kind": "le_phi", "fees-0-amount": "15.000", "fees-0-currency": "VND",
    "fees-0-description": "mỗi bản", "fees-1-kind": "phi", "fees-1-amount": "theo quy định",
    "fees-1-currency": "VND", "fees-1-description": "phí sao lục",
    "fees_text": "Lệ phí: 15.000 đồng/bản", "forms": "Mẫu XN-01\nMẫu XN-02",
    "requirements": "Không có",
    "legal_bases-0-number": "60/2014/QH13", "legal_bases-0-issued": "20/11/2014",
    "legal_bases-0-issuer": "Quốc hội", "legal_bases-0-title": "Luật Hộ tịch",
    "announcing_decision": "Quyết định số 1/QĐ-UBND", "level": "mot-phan",
    "online_result": "y",
    "plan-0-name": "Tiếp nhận", "plan-0-role": "receiver", "plan-0-days": "0",
    "plan-1-name": "Thẩm định", "plan-1-role": "processor", "plan-1-days": "2,5",
    "plan-2-name": "Ký duyệt", "plan-2-role": "approver", "plan-2-days": "0.5",
    "action": "luu",
}


def test_a_new_procedure_with_every_item_is_public_only_once_published(editor, session):
    response = editor.post("/quan-tri/thu-tuc/moi", data=NEW)
    assert response.status_code == 303, response.get_data(as_text=True)
    procedure = _procedure(session, "1.999001")
    assert response.headers["Location"].endswith(_edit_url(procedure))
    assert not procedure.published
    assert [s.text for s in procedure.steps] == [NEW["steps-0-text"], NEW["steps-1-text"]]
    first, second = procedure.components
    assert (first.copies, first.accepted_types, first.max_size_mb) == (2, "pdf,jpg", 5)
    assert second.presentation_only and not second.required
    assert [(f.kind.value, f.amount) for f in procedure.fees] == [("le_phi", 15000), ("phi", None)]
    assert procedure.fees_text == "Lệ phí: 15.000 đồng/bản"
    assert {c.channel.value for c in procedure.channels} == {1, 2}
    assert str(procedure.processing_amount) == "3.00"
    assert procedure.online_level.value == "mot_phan" and procedure.online_result
    assert procedure.legal_bases[0].issued.isoformat() == "2014-11-20"
    assert procedure.process_plan[1] == {"name": "Thẩm định", "role": "processor", "days": 2.5}
    assert [a.applicant_type.value for a in procedure.applicant_types] == ["individual"]
    assert editor.get("/thu-tuc/1.999001").status_code == 404

    assert editor.post(f"{_edit_url(procedure)}/xuat-ban").status_code == 303
    page = editor.get("/thu-tuc/1.999001").get_data(as_text=True)
    for text in ("Thủ tục cấp giấy xác nhận thử nghiệm", "Bước 2: Nhận kết quả.",
                 "Nộp trực tiếp hoặc trực tuyến.", "Tờ khai xác nhận thử nghiệm",
                 "03 ngày làm việc", "Công dân Việt Nam", "Chủ tịch Ủy ban nhân dân cấp xã",
                 "Giấy xác nhận thử nghiệm", "15.000", "phí sao lục", "Mẫu XN-02",
                 "Không có", "60/2014/QH13", "Nộp qua Cổng Dịch vụ công",
                 "Quyết định số 1/QĐ-UBND"):
        assert text in page, text
    assert [e.object_id for e in _events(session, "procedure_created")] == [str(procedure.id)]
    assert len(_events(session, "procedure_published")) == 1


def test_validation_errors_are_shown_beside_the_fields_and_keep_what_was_typed(editor, session):
    data = {**NEW, "code": "không-phải-mã", "name": "", "components-0-originals": "hai",
            "fees-0-amount": "nhiều tiền", "legal_bases-0-issued": "31/02/2014",
            "plan-1-days": "-1", "components-1-name": "", "components-1-note": "chỉ ghi chú"}
    response = editor.post("/quan-tri/thu-tuc/moi", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<title>Lỗi:" in html
    for field_id, message in (
            ("code", "Mã thủ tục gồm các số và dấu chấm"), ("name", "Nhập tên thủ tục."),
            ("components-0-originals", "Số bản chính là số nguyên"),
            ("fees-0-amount", "Nhập số tiền"), ("legal_bases-0-issued", "Ngày ban hành chưa đúng"),
            ("plan-1-days", "Nhập số ngày làm việc"), ("components-1-name", "Nhập tên giấy tờ.")):
        assert f'<a href="#{field_id}">{message}' in html, field_id
        assert f'id="{field_id}-error"' in html
    values = form_values(html)
    for key in ("code", "components-0-originals", "fees-0-amount", "legal_bases-0-issued",
                "steps-1-text", "components-1-note", "method_text"):
        assert values[key] == data[key], key
    assert values.getlist("components-1-presentation_only") == ["y"]
    assert _procedure(session, "không-phải-mã") is None


def test_a_code_already_used_is_refused(editor, session, birth):
    response = editor.post("/quan-tri/thu-tuc/moi", data={**NEW, "code": BIRTH})
    assert response.status_code == 422
    assert "Mã thủ tục này đã có thủ tục khác dùng." in response.get_data(as_text=True)


def test_text_is_stored_nfc(editor, session):
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Thủ tục   thử  nghiệm")
    assert editor.post("/quan-tri/thu-tuc/moi", data={**NEW, "name": decomposed}).status_code == 303
    assert _procedure(session, "1.999001").name == "Thủ tục thử nghiệm"


def _components(html: str) -> list[str]:
    values = form_values(html)
    return [values[f"components-{n}-name"] for n in range(20)
            if f"components-{n}-name" in values]


def test_rows_are_added_removed_and_moved_without_javascript(editor, session, birth):
    page = editor.get(_edit_url(birth)).get_data(as_text=True)
    values = form_values(page)
    names = _components(page)
    values["method_text"] = "Đã gõ nhưng chưa lưu"

    values["action"] = "them:thanh-phan"
    added = editor.post(_edit_url(birth), data=values)
    assert added.status_code == 200 and "HX-Request" in added.vary
    html = added.get_data(as_text=True)
    assert "<html" in html and _components(html) == names + [""]
    after = form_values(html)
    assert after["method_text"] == "Đã gõ nhưng chưa lưu"
    assert after.getlist(f"components-{len(names)}-required") == ["y"]
    assert f'value="xoa:thanh-phan:{len(names)}"' in html

    after["action"] = "len:thanh-phan:1"
    moved = _components(editor.post(_edit_url(birth), data=after).get_data(as_text=True))
    assert moved[:2] == [names[1], names[0]]
    after["action"] = "xuong:thanh-phan:0"
    assert _components(editor.post(_edit_url(birth), data=after).get_data(as_text=True))[:2] \
        == [names[1], names[0]]
    after["action"] = "xoa:thanh-phan:0"
    removed = _components(editor.post(_edit_url(birth), data=after).get_data(as_text=True))
    assert removed == names[1:] + [""]
    # Nothing was saved by the row buttons.
    assert len(_procedure(session, BIRTH).components) == len(names)


def test_with_htmx_a_row_button_swaps_only_its_list(editor, birth):
    values = form_values(editor.get(_edit_url(birth)).get_data(as_text=True))
    values["action"] = "them:buoc"
    response = editor.post(_edit_url(birth), data=values, headers=htmx_headers())
    assert response.status_code == 200 and "HX-Request" in response.vary
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<fieldset class="portal-fieldset portal-rows" id="buoc"')
    assert "<html" not in html and 'id="thanh-phan"' not in html
    assert html.count('class="portal-fieldset portal-rows__item"') == len(
        [k for k in values if re.fullmatch(r"steps-\d+-text", k)]) + 1
    assert 'data-hx-post="' in html and 'formaction="' in html
    boosted = editor.post(_edit_url(birth), data=values,
                          headers=htmx_headers(**{"HX-Boosted": "true"}))
    assert "<html" in boosted.get_data(as_text=True)


def test_saving_keeps_a_revision_and_an_audit_entry(editor, session, birth):
    values = form_values(editor.get(_edit_url(birth)).get_data(as_text=True))
    values["processing_time"] = "Ngay trong ngày làm việc"
    values["action"] = "luu"
    response = editor.post(_edit_url(birth), data=values)
    assert response.status_code == 303
    procedure = _procedure(session, BIRTH)
    assert procedure.processing_time_text == "Ngay trong ngày làm việc"
    history = revisions.history(session, "procedure", procedure.id)
    # The state before the first change is kept too, so it can be restored.
    assert [(r.number, r.note) for r in history] == [(2, "Sửa nội dung"),
                                                     (1, "Trạng thái ban đầu")]
    assert history[0].data["published"] is True and history[0].data["process_plan"] is None
    assert history[0].author_label
    assert _events(session, "procedure_updated")[0].details["revision"] == 2


def test_saving_without_changes_keeps_no_new_revision(editor, session, birth):
    values = form_values(editor.get(_edit_url(birth)).get_data(as_text=True))
    values["action"] = "luu"
    response = editor.post(_edit_url(birth), data=values, follow_redirects=True)
    assert "Không có thay đổi nào cần lưu." in response.get_data(as_text=True)
    # The editor's form gives back exactly what was stored: only the first state is kept.
    session.rollback()
    history = revisions.history(session, "procedure", birth.id)
    assert [r.note for r in history] == ["Trạng thái ban đầu"]
    assert _events(session, "procedure_updated") == []


def test_duplicate_makes_an_unpublished_copy_under_a_provisional_code(editor, session, birth):
    response = editor.post(f"{_edit_url(birth)}/nhan-ban")
    copy = _procedure(session, f"{BIRTH}-ban-sao")
    assert response.status_code == 303 and response.headers["Location"].endswith(_edit_url(copy))
    assert copy.name == "Bản sao của Thủ tục đăng ký khai sinh" and not copy.published
    assert [c.name for c in copy.components] == [c.name for c in birth.components]
    assert copy.agency_id == birth.agency_id
    editor.post(f"{_edit_url(birth)}/nhan-ban")
    assert _procedure(session, f"{BIRTH}-ban-sao-2") is not None
    assert len(_events(session, "procedure_duplicated")) == 2
    # The copy needs its own code before it can be saved or published.
    values = form_values(editor.get(_edit_url(copy)).get_data(as_text=True))
    values["action"] = "luu"
    assert editor.post(_edit_url(copy), data=values).status_code == 422
    editor.post(f"{_edit_url(copy)}/xuat-ban")
    assert not _procedure(session, f"{BIRTH}-ban-sao").published
    values["code"] = "1.999002"
    assert editor.post(_edit_url(copy), data=values).status_code == 303
    assert _procedure(session, "1.999002").id == copy.id


def test_preview_shows_an_unpublished_procedure_as_citizens_will_see_it(editor, session, birth):
    public = editor.get(f"/thu-tuc/{BIRTH}").get_data(as_text=True)
    assert editor.post(f"{_edit_url(birth)}/ngung-xuat-ban").status_code == 303
    assert editor.get(f"/thu-tuc/{BIRTH}").status_code == 404
    response = editor.get(f"{_edit_url(birth)}/xem-truoc")
    assert response.status_code == 200
    assert "noindex" in response.headers["X-Robots-Tag"]
    html = response.get_data(as_text=True)
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert "Bản xem trước" in html and "chưa xuất bản" in html

    def article(text: str) -> str:  # the same page, but for its date of change
        found = re.search(r"<article.*?</article>", text, re.S).group(0)
        return re.sub(r"<time [^>]*>[^<]*</time>", "", found)

    assert article(html) == article(public)
    assert len(_events(session, "procedure_unpublished")) == 1
    # Its download links work for editors (privately), and stay closed to everyone else.
    links = re.findall(rf'href="(/thu-tuc/{re.escape(BIRTH)}/(?:tai-ve|bieu-mau/\d+))"', html)
    assert any("bieu-mau" in link for link in links) and any("tai-ve" in link for link in links)
    for link in links:
        with editor.get(link) as download:
            assert download.status_code == 200 and download.data[:2] == b"PK", link  # .docx
            assert download.headers["Cache-Control"] == "private, no-store"
    editor.post("/tai-khoan/dang-xuat")
    assert all(editor.get(link).status_code == 404 for link in links)


def test_history_compares_versions_and_restores_an_old_one(editor, session, birth):
    url = _edit_url(birth)
    for text in ("05 ngày làm việc sau lần sửa một", "07 ngày làm việc sau lần sửa hai"):
        values = form_values(editor.get(url).get_data(as_text=True))
        values["processing_time"], values["action"] = text, "luu"
        assert editor.post(url, data=values).status_code == 303
    history = editor.get(f"{url}/lich-su").get_data(as_text=True)
    assert history.count("Sửa nội dung") == 2 and "Trạng thái ban đầu" in history

    def changes(query: str = "") -> str:
        html = editor.get(f"{url}/so-sanh{query}").get_data(as_text=True)
        return re.search(r"<table.*?</table>", html, re.S).group(0)

    diff = changes("?tu=2&den=3")
    assert "Thời hạn giải quyết" in diff
    assert "<del>05</del>" in diff and "<ins>07</ins>" in diff
    assert "<del>một</del>" in diff and "<ins>hai</ins>" in diff
    assert changes() == diff  # by default, the last two
    assert editor.get(f"{url}/lich-su/9").status_code == 404
    assert "05 ngày làm việc sau lần sửa một" in editor.get(f"{url}/lich-su/2").get_data(
        as_text=True)

    response = editor.post(f"{url}/lich-su/2/khoi-phuc")
    assert response.status_code == 303
    procedure = _procedure(session, BIRTH)
    assert procedure.processing_time_text == "05 ngày làm việc sau lần sửa một"
    assert str(procedure.processing_amount) == "5.00"
    latest = revisions.history(session, "procedure", procedure.id)[0]
    assert (latest.number, latest.note) == (4, "Khôi phục phiên bản 2")
    assert procedure.published  # restoring never changes the publication state
    assert _events(session, "procedure_restored")[0].details["restored"] == 2
    assert editor.post(f"{url}/lich-su/9/khoi-phuc").status_code == 404


# --- The list -------------------------------------------------------------------------------


def test_the_list_searches_without_tone_marks_and_filters(editor, session, birth):
    def results(url: str) -> str:
        html = editor.get(url).get_data(as_text=True)
        return re.search(r'<section id="results".*?</section>', html, re.S).group(0)

    html = results("/quan-tri/thu-tuc?tu-khoa=dang+ky+KHAI+SINH")
    assert "Thủ tục đăng ký khai sinh" in html and "Chứng thực" not in html
    assert BIRTH in editor.get(f"/quan-tri/thu-tuc?tu-khoa={BIRTH}").get_data(as_text=True)
    editor.post(f"{_edit_url(birth)}/ngung-xuat-ban")
    hidden = results("/quan-tri/thu-tuc?trang-thai=chua-xuat-ban")
    assert "Thủ tục đăng ký khai sinh" in hidden and ">1 thủ tục<" in hidden
    field = results(f"/quan-tri/thu-tuc?linh-vuc={birth.field_id}")
    assert "Hộ tịch" in field and f"/quan-tri/thu-tuc/{birth.id}/lich-su" in field
    fragment = editor.get("/quan-tri/thu-tuc?tu-khoa=khai+sinh", headers=htmx_headers())
    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="results"')
    assert "HX-Request" in fragment.vary


# --- Export ---------------------------------------------------------------------------------


def test_the_xlsx_export_has_a_row_per_procedure_and_a_sheet_of_components(editor, session, demo):
    # A name that starts like a formula (say, from an imported file) stays text in the export.
    formula = '=HYPERLINK("http://example.invalid","Bấm vào đây")'
    session.execute(update(Procedure).where(Procedure.code == BIRTH).values(
        name=formula + " – đăng ký khai sinh"))
    session.commit()
    response = editor.get("/quan-tri/danh-muc/xuat?dinh-dang=xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    procedures, papers = book.worksheets
    assert procedures.max_row == demo + 1
    headings = [cell.value for cell in procedures[1]]
    assert headings[:4] == ["Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Trình tự thực hiện"]
    assert "Căn cứ pháp lý" in headings and "Phí, lệ phí" in headings
    birth_row = next(row for row in procedures.iter_rows(min_row=2, values_only=True)
                     if row[0] == BIRTH)
    assert birth_row[3].count("\n") == 3  # four steps, one a line
    assert birth_row[1] == "'" + formula + " – đăng ký khai sinh"
    assert all(cell.data_type != "f" for row in procedures.iter_rows() for cell in row)
    components = session.scalar(select(func.count()).select_from(
        catalog_io.DossierComponent))
    assert papers.max_row == components + 1
    assert _events(session, "catalogue_exported")[0].details["format"] == "xlsx"


def _upload(client, records, *, name="danh-muc.json", headers=None, **options):
    body = records if isinstance(records, bytes) else json.dumps(
        records, ensure_ascii=False).encode("utf-8")
    data = {"file": (io.BytesIO(body), name), **options}
    return client.post("/quan-tri/danh-muc/nhap", data=data, headers=headers or {},
                       content_type="multipart/form-data")


def _job(session) -> Job:
    session.rollback()
    return session.scalar(select(Job).where(Job.kind == "catalog.import").order_by(
        Job.id.desc()))


def test_the_json_export_round_trips(editor, session, demo):
    exported = editor.get("/quan-tri/danh-muc/xuat?dinh-dang=json")
    records = json.loads(exported.data)
    assert len(records) == demo and records == catalog_io.export_procedures(session)
    response = _upload(editor, records)
    assert response.status_code == 303
    job = _job(session)
    assert (job.status, job.progress) == (JobStatus.DONE, 100)
    assert (job.result["created"], job.result["updated"], job.result["failed"]) == (0, demo, 0)
    again = json.loads(editor.get("/quan-tri/danh-muc/xuat?dinh-dang=json").data)
    assert again == records
    published = json.loads(editor.get(
        "/quan-tri/danh-muc/xuat?dinh-dang=json&da-xuat-ban=1").data)
    assert len(published) == len(records)
    assert editor.get("/quan-tri/danh-muc/xuat?dinh-dang=csv").status_code == 404


# --- Import ---------------------------------------------------------------------------------


def _mixed_records() -> list:
    demo = json.loads(DEMO_RECORDS.read_text(encoding="utf-8"))
    new = dict(demo[0], code="1.999101", name="Thủ tục mới nhập một")
    other = dict(demo[1], code="1.999102", name="Thủ tục mới nhập hai")
    changed = dict(demo[2], name=demo[2]["name"] + " (sửa đổi)")
    return [
        new,
        {"code": "1.999103", "field": "Hộ tịch"},  # no name
        other,
        dict(demo[3], code="ABC"),  # not a national code
        "không phải đối tượng",
        changed,
        dict(new, name="Trùng mã"),  # the same code again
        dict(demo[4], code="1.999104",
             dossier_components=[{"name": "Giấy", "originals": -1}]),
    ]


def test_an_import_job_reports_created_updated_and_refused_records(editor, session, demo):
    records = _mixed_records()
    response = _upload(editor, records, publish="y")
    job = _job(session)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/quan-tri/danh-muc/bao-cao/{job.id}")
    assert (job.status, job.progress) == (JobStatus.DONE, 100)
    result = job.result
    assert (result["created"], result["updated"], result["failed"]) == (2, 1, 5)
    assert result["created_codes"] == ["1.999101", "1.999102"]
    refused = {item["number"]: item for item in result["rejected"]}
    assert sorted(refused) == [2, 4, 5, 7, 8]
    assert "Thiếu trường bắt buộc \"name\"." in refused[2]["reasons"]
    assert "không đúng định dạng" in refused[4]["reasons"][0]
    assert "lặp lại trong tệp" in refused[7]["reasons"][0]
    assert "số nguyên không âm" in refused[8]["reasons"][0]
    assert result["url"] == f"/quan-tri/danh-muc/bao-cao/{job.id}"
    assert _procedure(session, "1.999101").published
    assert _procedure(session, records[5]["code"]).name.endswith("(sửa đổi)")

    report = editor.get(f"/quan-tri/danh-muc/bao-cao/{job.id}").get_data(as_text=True)
    assert result["message"] in report
    for reason in ("Thiếu trường bắt buộc", "lặp lại trong tệp", "không đúng định dạng"):
        assert reason in report
    event = _events(session, "catalogue_imported")[0]
    assert (event.details["created"], event.details["failed"]) == (2, 5)
    # Every procedure the import wrote has a revision; a replaced one keeps its old state too.
    updated = _procedure(session, records[5]["code"])
    notes = [r.note for r in revisions.history(session, "procedure", updated.id)]
    assert notes == ["Nhập từ tệp danh mục", "Trạng thái ban đầu"]


def test_a_strict_import_imports_nothing_when_a_record_is_bad(editor, session, demo):
    assert _upload(editor, _mixed_records(), strict="y").status_code == 303
    result = _job(session).result
    assert (result["created"], result["updated"], result["failed"]) == (0, 0, 5)
    assert result["message"].startswith("Không nhập thủ tục nào")
    assert _procedure(session, "1.999101") is None


def test_with_htmx_the_import_answers_with_the_job_status(editor, session, demo):
    response = _upload(editor, _mixed_records()[:1], headers=htmx_headers())
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<section id="import"')
    job = _job(session)
    assert f'id="job-{job.id}"' in html and "Tạo mới 1" in html
    assert f"/quan-tri/danh-muc/bao-cao/{job.id}" in html


def test_progress_is_reported_batch_by_batch(session, demo):
    records = json.loads(DEMO_RECORDS.read_text(encoding="utf-8"))[:25]
    steps: list[tuple[int, int]] = []
    report = catalogue_transfer.import_records(
        session, records, publish=False, strict=False, author=None,
        step=lambda done, total: steps.append((done, total)))
    assert steps == [(10, 25), (20, 25), (25, 25)]
    assert len(report.updated) == 25 and not report.failed


@pytest.mark.parametrize(("body", "message"), [
    (b'[{"code": "1.001193",}]', "Tệp không phải JSON hợp lệ: lỗi ở dòng 1, cột 22"),
    (b'{"code": "1.001193"}', "Tệp phải chứa một mảng JSON"),
    (b"[]", "Tệp không có thủ tục nào."),
    ("[{\"name\": \"Hộ tịch\"}]".encode("utf-16"), "Tệp không phải văn bản UTF-8."),
    (b" " * 1001, "Tệp lớn hơn 1 MB"),
])
def test_unreadable_files_are_refused_with_a_clear_reason(editor, session, monkeypatch, body,
                                                          message):
    # The limit is 10 MB; a small one here spares the test a 10 MB upload.
    monkeypatch.setattr(catalogue_transfer, "MAX_IMPORT_BYTES", 1000)
    response = _upload(editor, body)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'id="file-error"' in html
    assert _job(session) is None


def test_an_import_report_is_for_its_owner_only(editor, session, demo, app):
    _upload(editor, _mixed_records()[:1])
    job = _job(session)
    assert editor.get(f"/quan-tri/danh-muc/bao-cao/{job.id}").status_code == 200
    other = app.test_client()
    login(other, "quantri@demo.local")
    assert other.get(f"/quan-tri/danh-muc/bao-cao/{job.id}").status_code == 404
    assert editor.get(f"/quan-tri/danh-muc/bao-cao/{job.id + 1}").status_code == 404


def test_revisions_of_every_action_are_numbered_per_procedure(session, editor, birth):
    editor.post(f"{_edit_url(birth)}/ngung-xuat-ban")
    editor.post(f"{_edit_url(birth)}/xuat-ban")
    session.rollback()
    numbers = session.scalars(select(Revision.number).where(
        Revision.object_id == birth.id, Revision.kind == "procedure").order_by(Revision.number))
    assert list(numbers) == [1, 2, 3]


def test_the_editors_pages_are_valid_html(editor, session, birth, tmp_path):
    from tests.test_html_valid import validate

    values = form_values(editor.get(_edit_url(birth)).get_data(as_text=True))
    values["processing_time"], values["action"] = "04 ngày làm việc", "luu"
    editor.post(_edit_url(birth), data=values)
    url = _edit_url(birth)
    paths = ["/quan-tri/thu-tuc", "/quan-tri/thu-tuc/moi", url, f"{url}/xem-truoc",
             f"{url}/lich-su", f"{url}/lich-su/1", f"{url}/so-sanh", "/quan-tri/danh-muc"]
    documents = {path: editor.get(path).get_data(as_text=True) for path in paths}
    documents["errors"] = editor.post("/quan-tri/thu-tuc/moi", data={
        **NEW, "name": "", "fees-0-amount": "x"}).get_data(as_text=True)
    _upload(editor, _mixed_records())
    documents["report"] = editor.get(f"/quan-tri/danh-muc/bao-cao/{_job(session).id}").get_data(
        as_text=True)
    assert validate(documents, tmp_path) == {}
