"""The form builder (/quan-tri/bieu-mau) and form versions (issue 8): editors change forms
without JavaScript, with a live preview, publish versions, compare and restore them; drafts
started on an older version stay readable and move to the current one field by field."""
from __future__ import annotations

import copy
import re

import lxml.html
import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from portal.models import AuditEvent, Draft, FormSpec, Procedure, Revision, User
from portal.blueprints.admin import form_editing
from portal.services import drafts, eforms, form_versions, form_working
from tests.conftest import htmx_headers, login
from tests.dossier_support import MARITAL, complete, start_draft

EDITOR = "bientap@demo.local"
CITIZEN = "congdan@demo.local"


@pytest.fixture
def editor(client, demo):
    login(client, EDITOR)
    return client


def _form(session, code: str = MARITAL) -> FormSpec:
    session.rollback()  # end the read snapshot; see the requests' commits
    return session.scalar(select(FormSpec).join(Procedure).where(Procedure.code == code))


def _url(form_spec: FormSpec, suffix: str = "") -> str:
    return f"/quan-tri/bieu-mau/{form_spec.id}{suffix}"


def _values(html: str) -> MultiDict:
    """What a browser without JavaScript sends from the editor form (no button yet)."""
    form = lxml.html.fromstring(html).get_element_by_id("bieu-mau")
    return MultiDict(form.form_values())


def _press(client, form_spec: FormSpec, action: str, page: str | None = None,
           **changes) -> object:
    """Open the editor (or use ``page``), change inputs, press the button ``action``."""
    html = page or client.get(_url(form_spec)).get_data(as_text=True)
    data = _values(html)
    for name, value in changes.items():
        data.setlist(name.replace("__", ":"), value if isinstance(value, list) else [value])
    data["action"] = action
    return client.post(_url(form_spec), data=data)


def _working(session, form_spec: FormSpec) -> dict:
    session.rollback()
    return form_working.working_copy(session, form_spec).spec


def _names(raw: dict, section: int = 0) -> list[str]:
    return [f["name"] for f in raw["sections"][section]["fields"]]


# --- Access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("email", [CITIZEN, "motcua@demo.local"])
def test_only_editors_and_administrators_use_the_builder(client, demo, session, email):
    form_spec = _form(session)
    login(client, email)
    assert client.get("/quan-tri/bieu-mau").status_code == 403
    assert client.get(_url(form_spec)).status_code == 403
    assert client.post(_url(form_spec, "/xem-truoc"), data={}).status_code == 403
    assert client.get(_url(form_spec, "/lich-su")).status_code == 403


def test_the_list_shows_every_form_with_its_version(editor, session):
    response = editor.get("/quan-tri/bieu-mau")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân" in html
    assert 'href="/quan-tri/bieu-mau/' in html
    assert 'name="procedure"' in html  # a form can be started for a procedure without one
    assert "Biểu mẫu điện tử" in editor.get("/quan-tri/").get_data(as_text=True)


def test_the_editor_opens_with_the_published_form(editor, session):
    form_spec = _form(session)
    response = editor.get(_url(form_spec))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Họ, chữ đệm, tên người yêu cầu"' in html
    assert 'id="xem-truoc"' in html and 'data-hx-post="' in html
    assert "Phiên bản đang dùng: 1." in html


# --- Editing without JavaScript ---------------------------------------------------------------


def test_a_field_is_added_opened_and_edited_without_javascript(editor, session):
    form_spec = _form(session)
    response = _press(editor, form_spec, "them-truong:0", **{"loai-moi": "radios"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("?phan=nguoi-yeu-cau&mo=8#truong-8")
    added = _working(session, form_spec)["sections"][0]["fields"][8]
    assert added["type"] == "radios" and len(added["options"]) == 2
    page = editor.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="truong-8">.*?<details class="admin-forms__details" open>', page, re.S)
    response = _press(editor, form_spec, "luu", page, **{
        "8__label": "Nhận kết quả qua", "8__name": "nhan_ket_qua",
        "8__options": "buu-dien|Bưu điện\ntai-cho|Tại bộ phận một cửa", "8__required": "y"})
    assert response.status_code == 303
    added = _working(session, form_spec)["sections"][0]["fields"][8]
    assert added == {"name": "nhan_ket_qua", "type": "radios", "label": "Nhận kết quả qua",
                     "hint": added["hint"], "required": True,
                     "options": [{"value": "buu-dien", "label": "Bưu điện"},
                                 {"value": "tai-cho", "label": "Tại bộ phận một cửa"}]}
    # The published form is untouched until "Xuất bản".
    assert _form(session).version == 1 and "nhan_ket_qua" not in str(_form(session).spec)


def test_fields_move_up_and_down_and_are_removed(editor, session):
    form_spec = _form(session)
    names = _names(form_spec.spec)
    assert _press(editor, form_spec, "xuong:0").headers["Location"].endswith("mo=1#truong-1")
    assert _names(_working(session, form_spec)) == [names[1], names[0], *names[2:]]
    _press(editor, form_spec, "len:1")
    assert _names(_working(session, form_spec)) == names
    assert _press(editor, form_spec, "xoa:7").headers["Location"].endswith("#truong-6")
    assert _names(_working(session, form_spec)) == names[:7]


def test_sections_are_added_renamed_moved_and_removed(editor, session):
    form_spec = _form(session)
    keys = [s["key"] for s in form_spec.spec["sections"]]
    response = _press(editor, form_spec, "them-phan", **{"s0-title": "Người đề nghị"})
    assert response.status_code == 303 and "phan=phan-moi" in response.headers["Location"]
    raw = _working(session, form_spec)
    assert [s["key"] for s in raw["sections"]] == [*keys, "phan-moi"]
    assert raw["sections"][0]["title"] == "Người đề nghị"
    page = editor.get(response.headers["Location"]).get_data(as_text=True)
    assert "Các trường của phần “Phần mới”" in page
    _press(editor, form_spec, "len-phan:4", page, **{"s4-title": "Giấy tờ kèm theo"})
    raw = _working(session, form_spec)
    assert [s["title"] for s in raw["sections"]][3:] == ["Giấy tờ kèm theo",
                                                         "Mục đích sử dụng"]
    # The other sections travelled as hidden JSON and are intact.
    assert raw["sections"][4]["fields"] == form_spec.spec["sections"][3]["fields"]
    _press(editor, form_spec, "xoa-phan:3")
    assert [s["key"] for s in _working(session, form_spec)["sections"]] == keys
    # Removing a section before the one being edited keeps the editor on its own.
    page = editor.get(_url(form_spec, "?phan=muc-dich-su-dung")).get_data(as_text=True)
    response = _press(editor, form_spec, "xoa-phan:2", page)
    assert "phan=muc-dich-su-dung" in response.headers["Location"]


def test_a_group_gets_child_fields(editor, session):
    form_spec = _form(session, "1.001612")
    page = editor.get(_url(form_spec, "?phan=ho-kinh-doanh")).get_data(as_text=True)
    response = _press(editor, form_spec, "them-truong-con:4", page, **{"4__loai-con": "money"})
    assert response.headers["Location"].endswith("#truong-4-2")
    group = _working(session, form_spec)["sections"][1]["fields"][4]
    assert group["type"] == "group" and group["fields"][-1]["type"] == "money"


# --- Problems are refused with the reason, and nothing typed is lost ----------------------------


def test_an_invalid_edit_is_refused_beside_the_input_and_keeps_what_was_typed(editor, session):
    form_spec = _form(session)
    response = _press(editor, form_spec, "luu", **{
        "0__label": "", "0__hint": "Gợi ý vừa gõ", "0__max_length": "một trăm"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and html.count("<title>Lỗi: ") == 1
    assert 'id="e-0-label-error"' in html and "Hãy nhập nhãn của trường." in html
    assert 'aria-describedby="e-0-label-error" aria-invalid="true"' in html
    assert 'value="Gợi ý vừa gõ"' in html and 'value="một trăm"' in html
    assert 'href="#e-0-max_length"' in html  # the summary links to the input
    assert not form_working.working_copy(session, _form(session)).exists


def test_removing_a_field_others_depend_on_is_refused(editor, session):
    form_spec = _form(session)
    response = _press(editor, form_spec, "xoa:5")  # nyc_quan_he: conditions refer to it
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Điều kiện phải dựa vào một trường đứng trước trường này." in html
    assert "“xn_ho_ten”" in html  # a field of another section that depends on it too
    assert not form_working.working_copy(session, _form(session)).exists


def test_a_wrong_options_list_is_refused_and_kept_as_typed(editor, session):
    form_spec = _form(session)
    response = _press(editor, form_spec, "luu", **{"5__options": "a|A\na|B"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "không được để trống hay trùng nhau" in html
    assert ">a|A\na|B</textarea>" in html


# --- Live preview ---------------------------------------------------------------------------------


def test_the_preview_is_a_fragment_for_htmx_and_a_page_otherwise(editor, session):
    form_spec = _form(session)
    data = _values(editor.get(_url(form_spec)).get_data(as_text=True))
    data["0:label"] = "Tên đầy đủ của người yêu cầu"
    fragment = editor.post(_url(form_spec, "/xem-truoc"), data=data, headers=htmx_headers())
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    assert html.lstrip().startswith('<section class="admin-forms__preview" id="xem-truoc"')
    assert "<html" not in html and "Tên đầy đủ của người yêu cầu" in html
    assert 'name="nyc_ho_ten"' in html  # rendered with the citizens' own field macro
    page = editor.post(_url(form_spec, "/xem-truoc"), data=data)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "HX-Request" in page.headers["Vary"]
    assert "<html" in html and 'id="bieu-mau"' in html and "chưa có gì được lưu" in html
    assert 'value="Tên đầy đủ của người yêu cầu"' in html
    assert not form_working.working_copy(session, _form(session)).exists  # nothing saved


def test_a_preview_of_an_invalid_form_says_why(editor, session):
    form_spec = _form(session)
    data = _values(editor.get(_url(form_spec)).get_data(as_text=True))
    data["0:hint"] = ""
    response = editor.post(_url(form_spec, "/xem-truoc"), data=data, headers=htmx_headers())
    assert response.status_code == 422
    assert "Chưa xem trước được" in response.get_data(as_text=True)


# --- Publishing, history, restore -------------------------------------------------------------


def _audit(session, action: str) -> list[AuditEvent]:
    session.rollback()
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_publishing_bumps_the_version_and_keeps_every_version(editor, session):
    form_spec = _form(session)
    old = form_spec.spec
    response = _press(editor, form_spec, "xuat-ban", **{"0__label": "Họ và tên"})
    assert response.status_code == 303
    form_spec = _form(session)
    assert form_spec.version == 2
    assert drafts.spec_of(form_spec).sections[0].fields[0].label == "Họ và tên"
    kept = session.scalars(select(Revision).where(
        Revision.kind == "form_spec", Revision.object_id == form_spec.id)
        .order_by(Revision.number)).all()
    assert [r.number for r in kept] == [1, 2] and kept[0].data == old
    assert kept[1].data == form_spec.spec and kept[1].author_label
    assert not form_working.working_copy(session, form_spec).exists
    assert _audit(session, "form_spec_updated") and _audit(session, "form_spec_published")
    html = editor.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã xuất bản phiên bản 2." in html
    # Nothing new: nothing is published.
    _press(editor, form_spec, "xuat-ban")
    assert _form(session).version == 2


def test_history_compares_and_restores_versions(editor, session):
    form_spec = _form(session)
    _press(editor, form_spec, "xuat-ban", **{"0__label": "Họ và tên"})
    _press(editor, form_spec, "xoa:7")  # an unpublished change
    html = editor.get(_url(form_spec, "/lich-su")).get_data(as_text=True)
    assert "Phiên bản 1" in html and "đang dùng" in html
    diff = editor.get(_url(form_spec, "/so-sanh?tu=1&den=2")).get_data(as_text=True)
    assert "<del>Họ,</del>" in diff or "<del>" in diff
    assert "Họ và tên" in diff and "nyc_ho_ten" in diff
    working = editor.get(_url(form_spec, "/so-sanh?tu=2&den=lam-viec")).get_data(as_text=True)
    assert "nyc_uy_quyen" in working and "bỏ" in working
    assert editor.get(_url(form_spec, "/so-sanh?tu=9&den=2")).status_code == 404
    response = editor.post(_url(form_spec, "/lich-su/1/khoi-phuc"))
    assert response.status_code == 303
    assert _working(session, form_spec) == _form(session).spec.__class__(
        session.scalar(select(Revision.data).where(
            Revision.kind == "form_spec", Revision.number == 1)))
    assert _form(session).version == 2  # restored as the working copy only
    assert _audit(session, "form_spec_restored")


def test_a_stale_editor_page_does_not_overwrite_a_newer_save(app, editor, session):
    form_spec = _form(session)
    stale = editor.get(_url(form_spec)).get_data(as_text=True)
    assert _press(editor, form_spec, "luu", **{"0__label": "Bản của người thứ nhất"}) \
        .status_code == 303
    response = _press(editor, form_spec, "luu", stale, **{"1__label": "Bản thứ hai"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "vừa được người khác lưu" in html
    assert 'value="Bản thứ hai"' in html
    assert _press(editor, form_spec, "luu", html).status_code == 303  # overwrite on purpose
    assert _working(session, form_spec)["sections"][0]["fields"][1]["label"] == "Bản thứ hai"


def test_a_form_is_started_for_a_procedure_without_one(editor, session):
    procedure = session.scalar(select(Procedure).where(
        Procedure.id.not_in(select(FormSpec.procedure_id))).order_by(Procedure.code))
    assert editor.post("/quan-tri/bieu-mau/moi", data={"procedure": ""}).status_code == 422
    response = editor.post("/quan-tri/bieu-mau/moi", data={"procedure": procedure.id})
    assert response.status_code == 303
    form_spec = _form(session, procedure.code)
    assert form_spec.version == 1 and eforms.parse_spec(form_spec.spec).procedure == \
        procedure.code
    assert session.scalar(select(Revision).where(
        Revision.kind == "form_spec", Revision.object_id == form_spec.id)).number == 1
    assert editor.post("/quan-tri/bieu-mau/moi",
                       data={"procedure": procedure.id}).status_code == 422


# --- Drafts in progress survive a change of the form ------------------------------------------


def _draft(session, token: str) -> Draft:
    session.rollback()
    return drafts.find(session, token)


def test_a_draft_started_on_an_older_version_moves_to_the_current_one(app, editor, session):
    from tests.dossier_support import submit

    citizen = app.test_client()
    login(citizen, CITIZEN)
    token = start_draft(citizen, MARITAL)
    complete(app, token)
    before = dict(_draft(session, token).data)
    assert before["md_muc_dich"]
    form_spec = _form(session)
    # Version 2: "Mục đích sử dụng" removed, a new required field in the first section.
    page = editor.get(_url(form_spec, "?phan=muc-dich-su-dung")).get_data(as_text=True)
    assert _press(editor, form_spec, "xoa:1", page).status_code == 303
    response = _press(editor, form_spec, "them-truong:0", **{"loai-moi": "number"})
    page = editor.get(response.headers["Location"]).get_data(as_text=True)
    response = _press(editor, form_spec, "xuat-ban", page, **{
        "8__label": "Số bản cần cấp", "8__name": "so_ban", "8__required": "y"})
    assert response.status_code == 303 and _form(session).version == 2

    html = citizen.get(f"/nop-ho-so/nhap/{token}").get_data(as_text=True)
    assert ("Trường “Mục đích sử dụng Giấy xác nhận tình trạng hôn nhân” đã bỏ khỏi tờ khai; "
            f"giá trị bạn đã nhập: {before['md_muc_dich']}") in html
    assert "Trường “Số bản cần cấp” mới, bắt buộc: hãy điền." in html
    assert 'name="so_ban"' in html  # the page is the new version
    draft = _draft(session, token)
    assert draft.spec_version == 2
    assert draft.data == {k: v for k, v in before.items() if k != "md_muc_dich"}
    again = citizen.get(f"/nop-ho-so/nhap/{token}").get_data(as_text=True)
    assert "đã bỏ khỏi tờ khai" not in again  # told once
    complete(app, token)  # the citizen fills in the new field
    assert submit(citizen, token).status_code == 303


def test_saving_an_unchanged_page_changes_nothing_in_any_form(editor, session):
    """The editor page gives back exactly the JSON it was made from (every form, every
    section), so a save without changes makes no working copy and no difference."""
    for form_spec in session.scalars(select(FormSpec)).all():
        for section in form_spec.spec["sections"]:
            page = editor.get(_url(form_spec, f"?phan={section['key']}"))
            data = _values(page.get_data(as_text=True))
            posted = form_editing.read(data, form_spec.procedure.code)
            assert not posted.problems, section["key"]
            assert form_versions.bare(posted.raw) == form_versions.bare(form_spec.spec)
            data["action"] = "luu"
            assert editor.post(_url(form_spec), data=data).status_code == 303
        assert not form_working.working_copy(session, form_spec).exists


def _editor_user(session) -> User:
    return session.scalar(select(User).where(User.email == EDITOR))


def _publish(session, form_spec: FormSpec, raw: dict) -> None:
    form_working.save_working(session, form_spec, raw, _editor_user(session), None)
    form_working.publish(session, form_spec, _editor_user(session))


def test_a_value_that_no_longer_fits_is_dropped_with_a_notice(app, client, demo, session):
    login(client, CITIZEN)
    token = start_draft(client, MARITAL)
    complete(app, token)
    draft = _draft(session, token)
    typed = draft.data["nyc_ho_ten"]
    raw = copy.deepcopy(draft.form_spec.spec)
    raw["sections"][0]["fields"][0]["max_length"] = 3
    raw["sections"][0]["fields"][0]["label"] = "Họ và tên"
    _publish(session, draft.form_spec, raw)
    assert form_versions.spec_for_draft(session, draft).sections[0].fields[0].label == \
        "Họ, chữ đệm, tên người yêu cầu"  # still the version it was started with
    notices = form_versions.migrate(session, draft)
    assert notices == [f"Trường “Họ và tên” đã thay đổi; giá trị bạn đã nhập không còn dùng "
                       f"được: {typed}. Hãy nhập lại."]
    assert "nyc_ho_ten" not in draft.data and draft.spec_version == 2
    assert form_versions.spec_for_draft(session, draft).sections[0].fields[0].label == \
        "Họ và tên"


def test_a_draft_of_a_version_never_kept_is_still_read(app, client, demo, session):
    login(client, CITIZEN)
    token = start_draft(client, MARITAL)
    complete(app, token)
    draft = _draft(session, token)
    before = dict(draft.data)
    draft.spec_version, draft.data = 0, {**before, "truong_cu": "giá trị cũ"}
    assert form_versions.spec_for_draft(session, draft) is drafts.spec_of(draft.form_spec)
    assert form_versions.migrate(session, draft) == [
        "Trường “truong_cu” đã bỏ khỏi tờ khai; giá trị bạn đã nhập: giá trị cũ"]
    assert draft.data == before and draft.spec_version == draft.form_spec.version


def test_loading_the_form_files_keeps_the_version_they_replace(app, demo, session):
    form_spec = _form(session)
    changed = copy.deepcopy(form_spec.spec)
    changed["title"] = "Tờ khai đã sửa ở cơ sở dữ liệu"
    form_spec.spec = changed
    session.commit()
    drafts.load_form_specs(session)
    session.commit()
    form_spec = _form(session)
    assert form_spec.version == 2 and form_spec.spec["title"] != changed["title"]
    assert form_versions.spec_at(session, form_spec, 1).title == changed["title"]


def test_the_builder_pages_are_valid_html(editor, session, tmp_path):
    from tests.test_html_valid import validate

    form_spec = _form(session, "1.001612")
    _press(editor, form_spec, "xuat-ban", **{"0__label": "Họ và tên chủ hộ"})
    invalid = _press(editor, form_spec, "luu", **{"0__label": "", "0__max_length": "x"})
    documents = {
        "list": editor.get("/quan-tri/bieu-mau").get_data(as_text=True),
        "group": editor.get(_url(form_spec, "?phan=thanh-vien-cam-ket&mo=0")).get_data(
            as_text=True),
        "invalid": invalid.get_data(as_text=True),
        "history": editor.get(_url(form_spec, "/lich-su")).get_data(as_text=True),
        "diff": editor.get(_url(form_spec, "/so-sanh?tu=1&den=2")).get_data(as_text=True),
    }
    assert validate(documents, tmp_path) == {}
