"""The e-form engine: reading specifications, and the one validator for a field or a page.

TT32-11.2c-2 (format checks with messages), TT32-EF-3 (a hint for every input).
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.services import drafts, eforms
from portal.services.eforms import Instance

FORMS = sorted(drafts.FORMS_DIR.glob("*.json"))
TODAY = date(2026, 11, 22)


@pytest.fixture(autouse=True)
def _request_context(app):
    with app.test_request_context():
        yield


def _spec(*fields, sections=None) -> eforms.Spec:
    return eforms.parse_spec({"procedure": "1.0", "title": "Thử", "sections": sections or [
        {"key": "mot", "title": "Một", "fields": list(fields)}]})


def _options(source: str, province: str) -> list[tuple[str, str]]:
    if source == "province":
        return [("1", "Tỉnh Một"), ("2", "Tỉnh Hai")]
    if source == "commune":
        return {"1": [("11", "Xã A")], "2": [("21", "Xã B")]}.get(province, [])
    return [("1", "Nam"), ("2", "Nữ")]


def _check(field: dict, data: dict, **extra) -> eforms.Result:
    spec = _spec(*extra.get("before", []), field)
    f = spec.sections[0].fields[-1]
    return eforms.check(spec, Instance(f), data, _options, TODAY)


def field(name="x", type="text", **extra) -> dict:
    return {"name": name, "type": type, "label": "Nhãn", "hint": "Gợi ý", **extra}


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.stem)
def test_every_shipped_form_reads_and_has_help_at_every_input(path: Path):
    spec = eforms.parse_spec(json.loads(path.read_text(encoding="utf-8")))
    assert len(spec.sections) >= 2
    inputs = [f for f in spec.all_fields() if f.type != "group"]
    assert inputs and all(f.hint for f in inputs)  # TT32-EF-3
    assert sum(f.type == "declaration" for f in inputs) == 1
    assert path.stem == spec.procedure


def test_the_six_issue_forms_are_shipped():
    wanted = {"1.001193", "1.000894", "1.000656", "1.004873", "1.001612", "1.013225"}
    assert {p.stem for p in FORMS} >= wanted


@pytest.mark.parametrize("raw, problem", [
    ({"procedure": "1", "title": "t", "sections": []}, "no sections"),
    ({"procedure": "1", "title": "t", "sections": [{"key": "a", "title": "A", "fields": [
        field(hint="")]}]}, "hint missing"),
    ({"procedure": "1", "title": "t", "sections": [{"key": "a", "title": "A", "fields": [
        field(type="bogus")]}]}, "unknown or misplaced type"),
    ({"procedure": "1", "title": "t", "sections": [{"key": "a", "title": "A", "fields": [
        field(), field()]}]}, "name repeated"),
    ({"procedure": "1", "title": "t", "sections": [{"key": "a", "title": "A", "fields": [
        field(show_if={"field": "later", "equals": "1"}), field("later")]}]},
     "not an earlier field"),
    ({"procedure": "1", "title": "t", "sections": [{"key": "a", "title": "A", "fields": [
        field(type="catalogue", source="hanh-tinh")]}]}, "unknown source"),
])
def test_broken_specifications_are_refused_with_the_reason(raw, problem):
    with pytest.raises(eforms.SpecError) as error:
        eforms.parse_spec(raw)
    assert any(problem in p for p in error.value.problems)


# --- Per type -------------------------------------------------------------------------------


@pytest.mark.parametrize("typed, stored", [
    ("0912 345 678", "0912345678"), ("+84 912 345 678", "0912345678"),
    ("84912345678", "0912345678"), ("091.234.5678", "0912345678"),
])
def test_phone_variants_are_accepted_and_normalised(typed, stored):
    result = _check(field(type="phone"), {"x": typed})
    assert result.error is None and result.values == {"x": stored}


@pytest.mark.parametrize("typed", ["091234567", "0112345678", "abc", "+1 415 555 0100"])
def test_wrong_phones_say_how_to_fix_them(typed):
    result = _check(field(type="phone"), {"x": typed})
    assert "10 chữ số" in result.error and result.values == {"x": typed}  # input kept


@pytest.mark.parametrize("typed, stored", [
    ("50.000.000", "50.000.000"), ("50000000", "50.000.000"), ("50 000 000 đồng", "50.000.000"),
    ("1,000,000 VND", "1.000.000"),
])
def test_money_is_read_the_vietnamese_way(typed, stored):
    result = _check(field(type="money"), {"x": typed})
    assert result.error is None and result.values == {"x": stored}


def test_numbers_respect_bounds():
    spec = field(type="number", min=0, max=20)
    assert _check(spec, {"x": "21"}).error == "Số lớn nhất có thể nhập là 20."
    assert _check(spec, {"x": "1,000"}).error  # read as 1000, above the maximum
    assert _check(spec, {"x": "hai"}).error.startswith("Nhập một số nguyên")
    assert _check(spec, {"x": " 3 "}).values == {"x": "3"}


@pytest.mark.parametrize("parts, error", [
    (("31", "2", "1990"), "không có trên lịch"),
    (("1", "", "1990"), "Hãy nhập cả tháng."),
    (("1", "2", "90"), "Năm gồm 4 chữ số"),
    (("1", "1", "2030"), "chưa tới"),
    (("1", "1", "1850"), "từ 1900"),
])
def test_impossible_dates_are_explained(parts, error):
    data = dict(zip(("x-ngay", "x-thang", "x-nam"), parts))
    assert error in _check(field(type="date", past=True), data).error


@pytest.mark.parametrize("typed", ["27/3/1990", "27-03-1990", "27.03.1990", "27 / 3 / 1990"])
def test_a_whole_date_typed_in_the_day_box_is_spread(typed):
    result = _check(field(type="date"), {"x-ngay": typed})
    assert result.error is None
    assert result.values == {"x-ngay": "27", "x-thang": "3", "x-nam": "1990"}


def test_cccd_must_agree_with_birth_year_and_gender():
    before = [field("ngay", type="date"), field("gioi", type="catalogue", source="gender")]
    cccd = field("so", type="cccd", birth_date_field="ngay", gender_field="gioi")
    data = {"ngay-ngay": "1", "ngay-thang": "2", "ngay-nam": "1990", "gioi": "2"}
    # 4th digit 1: born in the 1900s, female; then the birth year 90.
    assert _check(cccd, {**data, "so": "022190012345"}, before=before).error is None
    assert "không khớp với ngày sinh" in _check(cccd, {**data, "so": "022191012345"},
                                                before=before).error
    assert "giới tính" in _check(cccd, {**data, "so": "022090012345"}, before=before).error
    assert _check(cccd, {**data, "so": "022 190 012 345"}, before=before).values == {
        "so": "022190012345"}


@pytest.mark.parametrize("typed, stored", [
    ("0101234567", "0101234567"), ("0101234567-001", "0101234567-001"),
    ("0101234567001", "0101234567-001"), ("022190012345", "022190012345"),
])
def test_tax_codes(typed, stored):
    assert _check(field(type="tax_code"), {"x": typed}).values == {"x": stored}


def test_an_address_commune_must_belong_to_the_province():
    address = field(type="address", required=True)
    good = {"x-duong": "Số 1", "x-tinh": "1", "x-xa": "11"}
    assert _check(address, good).error is None
    assert "thuộc tỉnh đã chọn" in _check(address, {**good, "x-xa": "21"}).error
    assert "số nhà" in _check(address, {**good, "x-duong": ""}).error
    assert _check(address, {}).error == "Hãy nhập nhãn."


def test_choices_must_be_offered_ones():
    choice = field(type="radios", options=[{"value": "a", "label": "A"}], required=True)
    assert _check(choice, {"x": "a"}).error is None
    assert _check(choice, {"x": "b"}).error == "Hãy chọn một trong các mục có sẵn."
    assert _check(choice, {}).error == "Hãy chọn nhãn."


def test_the_declaration_must_be_ticked():
    assert "cam đoan" in _check(field(type="declaration"), {}).error
    assert _check(field(type="declaration"), {"x": "y"}).error is None


def test_hidden_fields_are_not_checked_and_hide_their_dependants():
    spec = _spec(field("a", type="yesno"),
                 field("b", required=True, show_if={"field": "a", "equals": "co"}),
                 field("c", type="yesno", show_if={"field": "a", "equals": "co"}),
                 field("d", required=True, show_if={"field": "c", "equals": "co"}))
    section = spec.sections[0]
    errors, _values = eforms.check_section(spec, section, {"a": "khong", "c": "co"}, _options,
                                           TODAY)
    assert errors == {}  # d depends on c, which is hidden, so d is hidden too
    errors, _values = eforms.check_section(spec, section, {"a": "co", "c": "co"}, _options,
                                           TODAY)
    assert set(errors) == {"b", "d"}


def test_groups_expand_to_their_items():
    spec = _spec({"name": "con", "type": "group", "label": "Con", "min": 1, "max": 3,
                  "fields": [field("ten", required=True)]})
    section = spec.sections[0]
    assert [i.key for i in eforms.instances(section, {})] == ["con.0.ten"]
    data = {"con.count": "9", "con.0.ten": "An", "con.1.ten": ""}
    assert [i.key for i in eforms.instances(section, data)] == [
        "con.0.ten", "con.1.ten", "con.2.ten"]  # capped at max
    errors, values = eforms.check_section(spec, section, data, _options, TODAY)
    assert set(errors) == {"con.1.ten", "con.2.ten"} and values["con.count"] == "3"


# --- Properties -------------------------------------------------------------------------------


@given(st.text(max_size=300))
def test_any_text_gets_an_answer_never_an_exception(text):
    for kind in ("text", "textarea", "number", "money", "cccd", "phone", "email", "tax_code"):
        result = _check(field(type=kind), {"x": text})
        assert result.error is None or isinstance(result.error, str)
        assert set(result.values) == {"x"}


@given(st.integers(min_value=0, max_value=10**12))
def test_money_round_trips_through_its_display_form(amount):
    shown = eforms.format_vnd(amount)
    assert eforms.parse_integer(shown) == amount
    assert _check(field(type="money"), {"x": shown}).values == {"x": shown}


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
       st.sampled_from(["/", "-", "."]))
def test_every_real_date_is_accepted_however_it_is_separated(day, separator):
    typed = separator.join((str(day.day), f"{day.month:02d}", str(day.year)))
    result = _check(field(type="date", past=True), {"x-ngay": typed})
    assert result.error is None
    assert eforms.parse_date(result.values, "x") == day


@given(st.text(alphabet="0123456789 +.-", max_size=20))
def test_a_phone_that_is_accepted_is_a_ten_digit_mobile_number(typed):
    result = _check(field(type="phone"), {"x": typed})
    if result.error is None and result.values["x"]:
        stored = result.values["x"]
        assert len(stored) == 10 and stored.startswith("0") and stored.isdigit()
