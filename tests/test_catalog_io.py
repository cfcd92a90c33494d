"""Catalogue exchange: the importer (all or nothing per record) and the exporter."""
from __future__ import annotations

import json
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.models import (
    ApplicantType,
    Channel,
    FeeKind,
    Field,
    LegalBasis,
    OnlineLevel,
    Procedure,
    TimeUnit,
)
from portal.services.catalog_io import export_procedures, import_procedures, read_record

SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "procedures-sample.json"

GOOD = {
    "code": "1.001193",
    "name": "Thủ tục đăng ký khai sinh",
    "field": "Hộ tịch",
    "agency_level": "Cấp Xã",
    "agency": "Ủy ban nhân dân cấp xã",
    "steps": ["Nộp hồ sơ", "Nhận kết quả"],
    "method": ["Trực tiếp", "Trực tuyến", "Dịch vụ bưu chính"],
    "dossier_components": [
        {"name": "Tờ khai đăng ký khai sinh", "originals": 1, "copies": 0},
        {"name": "Giấy chứng sinh", "originals": 1, "copies": 0, "required": True},
        {"name": "Văn bản ủy quyền", "originals": 1, "copies": 0, "required": False},
    ],
    "processing_time": "Ngay trong ngày tiếp nhận hồ sơ",
    "subjects": "Công dân Việt Nam",
    "result": "Giấy khai sinh",
    "fees": [{"kind": "Lệ phí", "amount": 0, "description": "Miễn lệ phí đúng hạn"},
             {"kind": "Phí", "amount": 8000, "description": "Bản sao: 8.000 đồng/bản"}],
    "legal_basis": [{"number": "60/2014/QH13", "issued": "2014-11-20", "issuer": "Quốc hội",
                     "title": "Luật Hộ tịch"}],
    "forms": ["Tờ khai đăng ký khai sinh"],
    "level": "Toàn trình",
    "requirements": "Không có",
}


def _count(session, model=Procedure):
    return session.scalar(select(func.count()).select_from(model))


def test_a_full_record_is_stored_as_structured_data(session):
    report = import_procedures(session, [GOOD])
    session.commit()
    assert report.created == ["1.001193"] and report.ok
    p = session.scalar(select(Procedure).where(Procedure.code == "1.001193"))
    assert p.field.name == "Hộ tịch" and p.field.code == "H49-HT"
    assert [s.text for s in p.steps] == ["Nộp hồ sơ", "Nhận kết quả"]
    assert [(c.name, c.originals, c.copies, c.required) for c in p.components][2] == (
        "Văn bản ủy quyền", 1, 0, False)
    assert p.processing_amount == 0 and p.processing_unit is TimeUnit.WORKING_DAY
    assert [(f.kind, f.amount) for f in p.fees] == [(FeeKind.CHARGE, 0), (FeeKind.FEE, 8000)]
    assert p.fee_free is False  # a copy costs 8.000 đồng
    assert p.channel_codes == {Channel.IN_PERSON, Channel.ONLINE, Channel.POSTAL}
    assert p.legal_bases[0].issued.isoformat() == "2014-11-20"
    assert p.online_level is OnlineLevel.FULL
    assert [a.applicant_type for a in p.applicant_types] == [ApplicantType.INDIVIDUAL]
    assert [f.title for f in p.form_files] == ["Tờ khai đăng ký khai sinh"]
    assert p.requirements_text == "Không có"
    assert not p.published


def test_text_is_normalised_to_nfc(session):
    record = json.loads(unicodedata.normalize("NFD", json.dumps(GOOD, ensure_ascii=False)))
    assert record["name"] != GOOD["name"]  # really decomposed
    import_procedures(session, [record])
    p = session.scalar(select(Procedure))
    assert p.name == GOOD["name"]
    assert unicodedata.is_normalized("NFC", p.steps[0].text)
    assert _count(session, Field) == 1


def test_free_text_deadlines_and_fees_keep_the_text_and_parse_what_they_can(session):
    record = GOOD | {"code": "1.000001", "processing_time": "05 Ngày làm việc",
                     "fees": "Lệ phí : 8.000 đồng/bản sao"}
    import_procedures(session, [record])
    p = session.scalar(select(Procedure))
    assert p.processing_time_text == "05 Ngày làm việc"
    assert (p.processing_amount, p.working_days) == (5, 5)
    assert p.fees_text == "Lệ phí : 8.000 đồng/bản sao"
    assert p.fees[0].amount == Decimal(8000)


def test_explicitly_free_procedure_is_marked_free(session):
    import_procedures(session, [GOOD | {"fees": "Miễn phí"}])
    assert session.scalar(select(Procedure)).fee_free is True


@pytest.mark.parametrize(("record", "reason"), [
    ({k: v for k, v in GOOD.items() if k != "name"}, "name"),
    (GOOD | {"code": "abc"}, "định dạng"),
    (GOOD | {"method": ["Fax"]}, "Fax"),
    (GOOD | {"level": "Mức 9"}, "Mức 9"),
    (GOOD | {"dossier_components": [{"name": "A", "copies": -1}]}, "copies"),
    (GOOD | {"legal_basis": [{"issued": "31/02/2020", "number": "1/2020/NĐ-CP"}]}, "31/02/2020"),
    (GOOD | {"fees": [{"kind": "Phí", "amount": "nhiều"}]}, "số tiền"),
    (GOOD | {"steps": "Một bước"} | {"forms": 5}, "forms"),
    ("không phải đối tượng", "đối tượng"),
])
def test_invalid_records_are_reported_with_the_reason(record, reason):
    from portal import create_app

    with create_app({"TESTING": True, "DATABASE_URL": "sqlite://"}).app_context():
        with pytest.raises(ValueError) as raised:
            read_record(record)
    assert reason in str(raised.value)


def test_a_malformed_file_reports_each_record_and_changes_nothing(session):
    bad = [GOOD | {"code": "sai mã"}, {"code": "1.000002"}, 42]
    report = import_procedures(session, bad)
    session.commit()
    assert [index for index, _code, _reasons in report.failed] == [1, 2, 3]
    assert report.failed[1][1] == "1.000002"
    assert _count(session) == 0 and _count(session, Field) == 0


def test_good_records_are_imported_and_bad_ones_skipped_whole(session):
    records = [GOOD, GOOD | {"code": "1.000003", "legal_basis": [{"issued": "xx"}]},
               GOOD | {"code": "1.000004", "name": "Thủ tục khác"}]
    report = import_procedures(session, records)
    session.commit()
    assert report.created == ["1.001193", "1.000004"]
    assert [code for _i, code, _r in report.failed] == ["1.000003"]
    # Nothing of the failed record reached the database, not even its legal bases.
    assert _count(session) == 2 and _count(session, LegalBasis) == 2


def test_strict_mode_imports_nothing_when_one_record_fails(session):
    report = import_procedures(session, [GOOD, {"code": "1.000005"}], strict=True)
    session.commit()
    assert not report.ok and _count(session) == 0


def test_duplicate_codes_in_one_file_are_refused(session):
    report = import_procedures(session, [GOOD, GOOD])
    assert report.created == ["1.001193"]
    assert "lặp lại" in report.failed[0][2][0]


def test_reimport_replaces_the_record_and_keeps_publication(session):
    import_procedures(session, [GOOD], publish=True)
    session.commit()
    changed = GOOD | {"steps": ["Một bước duy nhất"], "method": ["Trực tuyến"]}
    report = import_procedures(session, [changed])
    session.commit()
    assert report.updated == ["1.001193"]
    p = session.scalar(select(Procedure))
    assert [s.text for s in p.steps] == ["Một bước duy nhất"]
    assert p.channel_codes == {Channel.ONLINE}
    assert p.published and p.published_at is not None


def test_export_then_import_gives_the_same_catalogue(app, session):
    import_procedures(session, [GOOD, GOOD | {"code": "1.000006", "fees": "Phí : 0 Đồng",
                                              "level": 3}])
    session.commit()
    exported = export_procedures(session)
    assert [r["code"] for r in exported] == ["1.000006", "1.001193"]
    assert exported[1]["fees"][1] == {"kind": "Phí", "amount": 8000,
                                      "description": "Bản sao: 8.000 đồng/bản"}
    for procedure in session.scalars(select(Procedure)):
        session.delete(procedure)
    session.commit()
    assert import_procedures(session, exported).ok
    session.commit()
    assert export_procedures(session) == exported


@pytest.mark.skipif(not SAMPLE.exists(), reason=f"{SAMPLE} not present (it lives in ../shared)")
def test_the_reference_sample_imports_completely(session):
    records = json.loads(SAMPLE.read_text(encoding="utf-8"))
    report = import_procedures(session, records)
    session.commit()
    assert report.failed == []
    assert len(report.created) == len(records) == _count(session)
    # Every record kept its 11 items; the channel details arrived too.
    p = session.scalar(select(Procedure).where(Procedure.code == "1.013133"))
    assert {c.channel for c in p.channels} == {Channel.IN_PERSON, Channel.ONLINE}
    assert any(row.processing_time_text == "02 Giờ" for row in p.channels)
    # "Quyết định số 12/2021/QĐ-TTg" had its number cut to "12" in the sample; the title
    # gives it back.
    numbers = set(session.scalars(select(LegalBasis.number)))
    assert "12/2021/QĐ-TTg" in numbers and "12" not in numbers
