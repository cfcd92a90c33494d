"""The citizen's profile: checks, unique ID number, province → commune pick-lists."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.models import AdminUnit, AuditEvent, Profile, UnitLevel, User
from tests.conftest import htmx_headers, login

BASE = {"full_name": "Nguyễn Thị Minh Anh", "birth_date-ngay": "14", "birth_date-thang": "5",
        "birth_date-nam": "1992", "gender": "2", "id_number": "022192012345",
        "contact_phone": "0912345678", "contact_email": "congdan@example.com",
        "permanent_street": "Số 12", "current_same": "y"}


@pytest.fixture
def citizen(client, demo):
    login(client, "congdan@demo.local")
    return client


def _units(session, province_name="Quảng Ninh", commune="Phường Hạ Long"):
    province = session.scalar(select(AdminUnit).where(
        AdminUnit.short_name == province_name, AdminUnit.level == UnitLevel.PROVINCE,
        ~AdminUnit.legacy))
    unit = session.scalar(select(AdminUnit).where(AdminUnit.name == commune,
                                                  AdminUnit.parent_id == province.id))
    return province, unit


def test_the_profile_is_shown_filled_in(citizen):
    html = citizen.get("/tai-khoan/ho-so").get_data(as_text=True)
    assert 'value="Nguyễn Thị Minh Anh"' in html and 'value="022192012345"' in html
    assert 'name="birth_date-ngay"' in html and 'value="14"' in html
    assert "Phường Hạ Long" in html


def test_saving_the_profile(citizen, session):
    province, unit = _units(session)
    data = BASE | {"permanent_province": province.id, "permanent_commune": unit.id,
                   "full_name": "Nguyễn Thị Minh Anh B", "contact_phone": "+84 987 654 321"}
    assert citizen.post("/tai-khoan/ho-so", data=data).status_code == 303
    session.rollback()  # end the read snapshot; see the requests' commits
    profile = session.scalar(select(Profile).where(Profile.id_number == "022192012345"))
    assert profile.full_name == "Nguyễn Thị Minh Anh B" and profile.contact_phone == "0987654321"
    assert profile.permanent_unit_id == unit.id == profile.current_unit_id
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "profile_updated"))


def test_the_accounts_own_address_is_kept_even_if_new_ones_would_be_refused(citizen, session):
    """The demo login ``@demo.local`` is not deliverable, so a new one is refused, but saving
    the profile must not fail on an address the account already has."""
    data = BASE | {"contact_email": "CongDan@demo.local"}
    assert citizen.post("/tai-khoan/ho-so", data=data).status_code == 303
    session.rollback()
    profile = session.scalar(select(Profile).where(Profile.id_number == "022192012345"))
    assert profile.contact_email == "congdan@demo.local"


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"id_number": "022092012345"}, "id_number", "giới tính"),
    ({"id_number": "022193012345"}, "id_number", "năm sinh 1993"),
    ({"id_number": "1234"}, "id_number", "12 chữ số"),
    ({"contact_phone": "0201234567"}, "contact_phone", "di động"),
    ({"birth_date-ngay": "30", "birth_date-thang": "2"}, "birth_date", "không có thật"),
    ({"birth_date-nam": "2999"}, "birth_date", "sau hôm nay"),
    ({"full_name": ""}, "full_name", "Nhập họ"),
    ({"contact_email": "ai@mot.local"}, "contact_email", "đúng dạng"),
])
def test_mistakes_are_shown_beside_the_field_and_nothing_typed_is_lost(citizen, changes, field,
                                                                       message):
    response = citizen.post("/tai-khoan/ho-so", data=BASE | changes)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'id="{field}-error">(.*?)</p>', html, re.S).group(1)
    assert message in error
    assert f'href="#{field}"' in html  # the error summary links to the field
    assert "<title>Lỗi: " in html
    for key, value in (BASE | changes).items():
        if key not in ("gender", "current_same") and value:
            assert f'value="{value}"' in html, key


def test_an_id_number_belongs_to_one_account(citizen, session):
    other = User(email="khac@example.com", display_name="Khác")
    other.profile = Profile(full_name="Khác", id_number="022192099999")
    session.add(other)
    session.commit()
    response = citizen.post("/tai-khoan/ho-so", data=BASE | {"id_number": "022192099999"})
    assert response.status_code == 422
    assert "đã gắn với một tài khoản khác" in response.get_data(as_text=True)


def test_communes_of_the_chosen_province_as_a_fragment(citizen, session):
    province, unit = _units(session)
    response = citizen.get(f"/tai-khoan/ho-so/xa?dia-chi=current&current_province={province.id}",
                           headers=htmx_headers())
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div class="portal-form-group" id="current_commune-group"')
    assert f'value="{unit.id}"' in html and "<html" not in html
    assert "HX-Request" in response.headers["Vary"]
    full = citizen.get(f"/tai-khoan/ho-so/xa?dia-chi=current&current_province={province.id}")
    assert "<html" in full.get_data(as_text=True)


def test_no_js_two_step_lists_the_communes_and_keeps_what_was_typed(citizen, session):
    province, unit = _units(session, "Hà Nội", "Phường Ba Đình")
    data = BASE | {"permanent_province": province.id, "action": "chon-tinh",
                   "full_name": "Tên đang gõ dở"}
    response = citizen.post("/tai-khoan/ho-so", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and f'value="{unit.id}"' in html
    assert 'value="Tên đang gõ dở"' in html
    session.rollback()  # end the read snapshot; see the requests' commits
    assert session.scalar(select(Profile.full_name).where(
        Profile.id_number == "022192012345")) == "Nguyễn Thị Minh Anh"  # nothing saved yet


def test_a_commune_from_another_province_is_not_saved(citizen, session):
    province, _unit = _units(session)
    _hanoi, ba_dinh = _units(session, "Hà Nội", "Phường Ba Đình")
    data = BASE | {"permanent_province": province.id, "permanent_commune": ba_dinh.id}
    assert citizen.post("/tai-khoan/ho-so", data=data).status_code == 303
    session.rollback()  # end the read snapshot; see the requests' commits
    assert session.scalar(select(Profile.permanent_unit_id).where(
        Profile.id_number == "022192012345")) is None


def test_provinces_list_the_home_province_first(citizen):
    html = citizen.get("/tai-khoan/ho-so").get_data(as_text=True)
    options = re.findall(r'<select[^>]*id="permanent_province".*?</select>', html, re.S)[0]
    names = re.findall(r">([^<]+)</option>", options)
    assert names[1] == "Tỉnh Quảng Ninh" and len(names) == 35
