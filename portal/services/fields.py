"""Fields of administration (lĩnh vực) and their sector codes (TT01-20)."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Field
from portal.text import fold, slugify

# Sector code letters for common fields, so codes read like the national ones (H49-HT).
KNOWN_ABBREVIATIONS = {
    "ho tich": "HT",
    "chung thuc": "CT",
    "dat dai": "DD",
    "hoat dong xay dung": "XD",
    "nuoi con nuoi": "NCN",
    "bao tro xa hoi": "BTXH",
    "nguoi co cong": "NCC",
}


def get_or_create_field(
    session: Session, name: str, *, province_prefix: str | None = None
) -> Field:
    """Return the field called ``name`` (compared without tone marks), creating it if new.

    A new field gets the sector code ``<province prefix>-<initials>`` (``H49-HT``), made
    unique with a number when two fields share initials.
    """
    folded = fold(name)
    for field in session.scalars(select(Field)):
        if fold(field.name) == folded:
            return field
    prefix = province_prefix or current_app.config.get("SECTOR_CODE_PREFIX", "H49")
    base = f"{prefix}-{abbreviate(name)}"
    code, n = base, 1
    taken = set(session.scalars(select(Field.code)))
    while code in taken:
        n += 1
        code = f"{base}{n}"
    slug, n = slugify(name), 1
    slugs = set(session.scalars(select(Field.slug)))
    while slug in slugs:
        n += 1
        slug = f"{slugify(name)}-{n}"
    field = Field(code=code, name=name, slug=slug)
    session.add(field)
    session.flush()
    return field


def abbreviate(name: str) -> str:
    """Initials of a field name: "Thành lập và hoạt động của hộ kinh doanh" → TLHDHKD."""
    folded = fold(name)
    if folded in KNOWN_ABBREVIATIONS:
        return KNOWN_ABBREVIATIONS[folded]
    words = [w for w in slugify(name).split("-") if w not in {"va", "cua", "ve", "cac", "voi"}]
    return "".join(word[0] for word in words).upper()[:10] or "LV"
