"""Shared catalogues (TT22-PL2-05): administrative units, ethnic groups, nationalities …"""
from __future__ import annotations

from sqlalchemy import func, select

from portal.models import AdminUnit, CodeEntry, CodeList, UnitLevel
from portal.services import reference


def _count(session, *where):
    return session.scalar(select(func.count()).select_from(AdminUnit).where(*where))


def test_current_units_after_the_2025_reform(session):
    assert _count(session, AdminUnit.level == UnitLevel.PROVINCE, ~AdminUnit.legacy) == 34
    assert _count(session, AdminUnit.level == UnitLevel.COMMUNE, ~AdminUnit.legacy) == 3321
    assert _count(session, AdminUnit.level == UnitLevel.DISTRICT, ~AdminUnit.legacy) == 0


def test_legacy_units_are_kept_for_old_addresses(session):
    assert _count(session, AdminUnit.level == UnitLevel.PROVINCE, AdminUnit.legacy) == 63
    assert _count(session, AdminUnit.level == UnitLevel.DISTRICT, AdminUnit.legacy) == 696
    legacy_communes = _count(session, AdminUnit.level == UnitLevel.COMMUNE, AdminUnit.legacy)
    assert legacy_communes > 10_000
    # Every legacy commune points at the current commune that took it over.
    assert _count(session, AdminUnit.level == UnitLevel.COMMUNE, AdminUnit.legacy,
                  AdminUnit.successor_id.is_not(None)) == legacy_communes


def test_units_carry_national_codes_and_hierarchy(session):
    quang_ninh = session.scalar(select(AdminUnit).where(
        AdminUnit.code == "22", AdminUnit.level == UnitLevel.PROVINCE, ~AdminUnit.legacy))
    assert quang_ninh.name == "Quảng Ninh" or quang_ninh.short_name == "Quảng Ninh"
    communes = session.scalars(select(AdminUnit).where(AdminUnit.parent_id == quang_ninh.id))
    names = {c.name for c in communes}
    assert "Phường Hạ Long" in names
    assert all(len(c.code) == 5 for c in session.scalars(select(AdminUnit).where(
        AdminUnit.parent_id == quang_ninh.id)))
    old_ward = session.scalar(select(AdminUnit).where(
        AdminUnit.legacy, AdminUnit.level == UnitLevel.COMMUNE, AdminUnit.name == "Phường Hà Tu"))
    assert old_ward.parent.name == "Thành phố Hạ Long"
    assert old_ward.successor.legacy is False
    assert old_ward.successor.parent.code == "22"


def test_code_lists(session):
    def codes(code_list):
        return list(session.scalars(select(CodeEntry).where(CodeEntry.code_list == code_list)
                                    .order_by(CodeEntry.sort_order)))

    ethnicities = codes(CodeList.ETHNICITY)
    assert len(ethnicities) == 54
    assert (ethnicities[0].code, ethnicities[0].name) == ("01", "Kinh")
    assert (ethnicities[-1].code, ethnicities[-1].name) == ("54", "Rơ-măm")
    nationalities = codes(CodeList.NATIONALITY)
    assert (nationalities[0].code, nationalities[0].name) == ("VN", "Việt Nam")
    assert {"US", "LA", "KH", "CN", "KR", "JP", "FR"} <= {n.code for n in nationalities}
    assert not {"EU", "UN", "ZZ"} & {n.code for n in nationalities}
    assert nationalities[-1].name == "Không quốc tịch"
    assert [g.name for g in codes(CodeList.GENDER)] == ["Nam", "Nữ"]
    documents = {d.code: d for d in codes(CodeList.ID_DOCUMENT)}
    assert documents["CC"].name == "Thẻ căn cước" and documents["CMND"].active is False


def test_loading_again_changes_nothing(session):
    before = _count(session)
    entries_before = session.scalar(select(func.count()).select_from(CodeEntry))
    report = reference.load_all(session)
    session.commit()
    assert report.counts["admin_units"] == before
    assert _count(session) == before
    assert session.scalar(select(func.count()).select_from(CodeEntry)) == entries_before
    assert reference.is_loaded(session)
