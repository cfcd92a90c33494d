"""The demo authority and its procedures (flask seed-demo)."""
from __future__ import annotations

import re
import unicodedata

import pytest
from sqlalchemy import select

from portal.models import Agency, AgencyLevel, Field, Procedure
from portal.services.catalog_io import export_procedures

E_FORM_PROCEDURES = {
    "1.001193": "đăng ký khai sinh",
    "1.000894": "đăng ký kết hôn",
    "1.000656": "đăng ký khai tử",
    "1.004873": "xác nhận tình trạng hôn nhân",
    "1.001612": "hộ kinh doanh",
    "1.013225": "giấy phép xây dựng",
}


@pytest.fixture
def procedures(demo, session):
    return list(session.scalars(select(Procedure).order_by(Procedure.code)))


def test_at_least_40_published_procedures_in_at_least_8_fields(procedures, session):
    assert len(procedures) >= 40
    assert all(p.published for p in procedures)
    assert len({p.field_id for p in procedures}) >= 8
    assert len(session.scalars(select(Field)).all()) >= 8


def test_the_procedures_that_get_interactive_forms_are_there(procedures):
    by_code = {p.code: p for p in procedures}
    for code, words in E_FORM_PROCEDURES.items():
        assert words in by_code[code].name.lower(), code


def test_every_procedure_has_the_11_basic_items(procedures):
    """TT32-LV1-01 … -11, checked on the stored data."""
    for p in procedures:
        assert p.name, p.code  # 01
        assert len(p.steps) >= 2, p.code  # 02
        assert p.channels, p.code  # 03 and 10
        assert p.components and all(c.originals + c.copies >= 0 for c in p.components), p.code
        assert p.processing_time_text and p.processing_unit is not None, p.code  # 05
        assert p.subjects_text and p.applicant_types, p.code  # 06
        assert p.agency is not None and p.authority_text, p.code  # 07
        assert p.result_text, p.code  # 08
        assert (p.fees or p.fees_text) and p.requirements_text, p.code  # 09
        assert any(b.number for b in p.legal_bases), p.code  # 11


def test_codes_are_national_codes_and_text_is_nfc(procedures):
    for record in export_procedures_for(procedures):
        assert re.fullmatch(r"\d\.\d{6}", record["code"])
        for value in _strings(record):
            assert unicodedata.is_normalized("NFC", value), value


def export_procedures_for(procedures):
    from sqlalchemy.orm import object_session

    return export_procedures(object_session(procedures[0]))


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_the_demo_authority_is_fictional_and_says_so(demo, session):
    commune = session.scalar(select(Agency).where(Agency.level == AgencyLevel.COMMUNE))
    assert "minh họa" in commune.name.lower()
    assert commune.parent.name == "Ủy ban nhân dân tỉnh Quảng Ninh"
    units = commune.children
    assert any(u.receives_dossiers for u in units)  # the one-stop desk
    assert all(re.fullmatch(r"\d{3}\.\d{2}\.\d{2}\.H49", a.code)
               for a in session.scalars(select(Agency)))
    assert [a.level for a in units[0].lineage()] == [
        AgencyLevel.PROVINCE, AgencyLevel.COMMUNE, AgencyLevel.UNIT]
