"""The demonstration authority: a fictional commune of Quảng Ninh with real procedures.

Everything here is clearly named as a demo ("Xã Minh Họa" does not exist; its agency codes are
synthetic). The procedures in ``portal/data/demo/procedures.json`` are real national
procedures, written for this project from public facts (see ``SOURCES.md`` beside it).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import Agency, AgencyLevel, Procedure
from portal.services import drafts, reference
from portal.services.catalog_io import ImportReport, import_procedures
from portal.text import fold, slugify

DEMO_DATA = Path(__file__).resolve().parent.parent / "data" / "demo"
COMMUNE_CODE = "000.00.99.H49"  # synthetic, in the QCVN 102 style of Quảng Ninh (H49)

#: (code, name, level, parent code, receives dossiers, English name)
AGENCIES = (
    ("000.00.00.H49", "Ủy ban nhân dân tỉnh Quảng Ninh", AgencyLevel.PROVINCE, None, False,
     "Quang Ninh Provincial People's Committee"),
    (COMMUNE_CODE, "Ủy ban nhân dân xã Minh Họa (đơn vị minh họa)", AgencyLevel.COMMUNE,
     "000.00.00.H49", False, "Minh Hoa Commune People's Committee (demo)"),
    ("000.01.99.H49", "Trung tâm Phục vụ hành chính công xã Minh Họa", AgencyLevel.UNIT,
     COMMUNE_CODE, True, "Minh Hoa Public Administration Service Centre"),
    ("000.02.99.H49", "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân xã", AgencyLevel.UNIT,
     COMMUNE_CODE, False, "Office of the People's Council and People's Committee"),
    ("000.03.99.H49", "Phòng Kinh tế", AgencyLevel.UNIT, COMMUNE_CODE, False,
     "Economic Division"),
    ("000.04.99.H49", "Phòng Văn hóa - Xã hội", AgencyLevel.UNIT, COMMUNE_CODE, False,
     "Culture and Social Affairs Division"),
)
DEMO_ADDRESS = "Số 1 đường Trung tâm, xã Minh Họa, tỉnh Quảng Ninh (địa chỉ minh họa)"

#: Which unit handles which field (folded field name → agency code); the rest go to the office.
FIELD_UNITS = {
    "dat dai": "000.03.99.H49",
    "hoat dong xay dung": "000.03.99.H49",
    "thanh lap va hoat dong cua ho kinh doanh": "000.03.99.H49",
    "nong nghiep": "000.03.99.H49",
    "trong trot": "000.03.99.H49",
    "bao ve thuc vat": "000.03.99.H49",
    "moi truong": "000.03.99.H49",
    "thuy loi": "000.03.99.H49",
    "phong, chong thien tai": "000.03.99.H49",
    "bao tro xa hoi": "000.04.99.H49",
    "nguoi co cong": "000.04.99.H49",
    "giao duc va dao tao": "000.04.99.H49",
    "giao duc mam non": "000.04.99.H49",
    "van hoa": "000.04.99.H49",
    "van hoa co so": "000.04.99.H49",
    "y te": "000.04.99.H49",
    "tre em": "000.04.99.H49",
    "gia dinh": "000.04.99.H49",
    "dan toc": "000.04.99.H49",
    "ton giao": "000.04.99.H49",
    "tin nguong, ton giao": "000.04.99.H49",
}
OFFICE_CODE = "000.02.99.H49"


#: The most used services of the demo commune, most used first (stands in for dossier counts
#: until the portal has its own).
POPULAR = ("1.001193", "2.000815", "1.004873", "1.000894", "1.001612", "1.000656",
           "2.000635", "1.013225")


@dataclass
class DemoReport:
    """What ``seed-demo`` did."""

    agencies: int
    procedures: ImportReport
    reference_loaded: bool
    content: dict[str, int]


def is_empty(session: Session) -> bool:
    """True when the catalogue holds no procedure (``make run`` seeds only then)."""
    return not session.scalar(select(func.count()).select_from(Procedure))


def seed(session: Session) -> DemoReport:
    """Create the demo authority, load the shared catalogues if needed, import procedures."""
    reference_loaded = False
    if not reference.is_loaded(session):
        reference.load_all(session)
        reference_loaded = True
    agencies = ensure_agencies(session)
    with open(DEMO_DATA / "procedures.json", encoding="utf-8") as handle:
        records = json.load(handle)
    report = import_procedures(session, records, publish=True)
    assign_agencies(session, agencies)
    set_popularity(session)
    attach_form_files(session)
    from portal.services.demo_content import seed_content

    content = seed_content(session)
    content["forms"] = sum(drafts.load_form_specs(session).values())
    ensure_demo_accounts(session, agencies)
    return DemoReport(len(agencies), report, reference_loaded, content)


def ensure_agencies(session: Session) -> dict[str, Agency]:
    """Create or update the demo agency tree; return it keyed by code."""
    existing = {a.code: a for a in session.scalars(select(Agency))}
    for order, (code, name, level, parent, receives, name_en) in enumerate(AGENCIES):
        agency = existing.get(code) or Agency(code=code)
        agency.name, agency.level, agency.name_en = name, level, name_en
        agency.parent = existing.get(parent) if parent else None
        agency.receives_dossiers = receives
        agency.sort_order = order
        if level is not AgencyLevel.PROVINCE:
            agency.address = DEMO_ADDRESS
        existing[code] = agency
        session.add(agency)
    session.flush()
    return existing


#: What every printable demo form asks for (the interactive e-forms ask for much more).
FORM_LINES = ("Họ, chữ đệm, tên người yêu cầu", "Ngày, tháng, năm sinh", "Số định danh cá nhân",
              "Nơi cư trú", "Số điện thoại", "Nội dung đề nghị")


def attach_form_files(session: Session) -> None:
    """Give every demo form a printable .docx so it can be downloaded (TT32-LV2)."""
    from portal.models import FormFile
    from portal.services.documents import blank_form_docx
    from portal.services.files import DOCX, store

    for form in session.scalars(select(FormFile).where(FormFile.sha256.is_(None))):
        data = blank_form_docx(
            form.title, AGENCIES[1][1], list(FORM_LINES),
            note="Bản in minh họa của cổng demo; khi nộp, dùng mẫu chính thức ghi ở tiêu đề.",
        )
        form.sha256 = store().put(data)
        form.filename = f"{slugify(form.title, 60)}.docx"
        form.media_type, form.size = DOCX, len(data)


#: One account per role (DESIGN.md), all with this password; demo mode only.
DEMO_PASSWORD = "Demo@12345"
DEMO_ACCOUNTS = (
    ("congdan@demo.local", "Nguyễn Thị Minh Anh", "citizen", None),
    ("motcua@demo.local", "Trần Văn Tiếp", "receiver", "000.01.99.H49"),
    ("chuyenvien@demo.local", "Lê Thị Xử Lý", "processor", "000.02.99.H49"),
    ("lanhdao@demo.local", "Phạm Văn Duyệt", "approver", COMMUNE_CODE),
    ("bientap@demo.local", "Hoàng Thị Biên", "editor", COMMUNE_CODE),
    ("quantri@demo.local", "Đỗ Văn Quản", "admin", COMMUNE_CODE),
)
DEMO_EMAILS = tuple(account[0] for account in DEMO_ACCOUNTS)


def ensure_demo_accounts(session: Session, agencies: dict[str, Agency]) -> None:
    """Create the demo accounts (one per role); the citizen has a filled-in profile."""
    from portal.models import Role, User, UserRole, utcnow
    from portal.services.passwords import hash_password

    password_hash = hash_password(DEMO_PASSWORD)
    for email, name, role, agency_code in DEMO_ACCOUNTS:
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, display_name=name, password_hash=password_hash,
                        email_verified_at=utcnow(), role_rows=[UserRole(role=Role(role))])
            session.add(user)
        user.agency = agencies.get(agency_code) if agency_code else None
        if role == "citizen" and user.profile is None:
            user.profile = _demo_profile(session)
    session.flush()


def _demo_profile(session: Session):
    """The demo citizen's profile: a fictional person living in Quảng Ninh."""
    from datetime import date

    from portal.models import AdminUnit, Profile, UnitLevel

    commune = session.scalar(select(AdminUnit).where(
        AdminUnit.name == "Phường Hạ Long", AdminUnit.level == UnitLevel.COMMUNE,
        AdminUnit.legacy.is_(False)))
    return Profile(full_name="Nguyễn Thị Minh Anh", birth_date=date(1992, 5, 14), gender="2",
                   id_number="022192012345", contact_phone="0912345678",
                   contact_email="congdan@demo.local",
                   permanent_street="Số 12 phố Minh Họa", permanent_unit=commune,
                   current_street="Số 12 phố Minh Họa", current_unit=commune)


def set_popularity(session: Session) -> None:
    """Rank the demo's most used services."""
    ranks = {code: len(POPULAR) - i for i, code in enumerate(POPULAR)}
    for procedure in session.scalars(select(Procedure).where(Procedure.code.in_(ranks))):
        procedure.popularity = ranks[procedure.code] * 100


def assign_agencies(session: Session, agencies: dict[str, Agency]) -> None:
    """Give each demo procedure the unit that resolves its field."""
    for procedure in session.scalars(select(Procedure)):
        code = FIELD_UNITS.get(fold(procedure.field.name), OFFICE_CODE)
        procedure.agency = agencies[code]
    session.flush()
