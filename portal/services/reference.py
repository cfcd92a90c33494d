"""Load the shared catalogues (danh mục dùng chung, TT22-PL2-05).

Administrative units come from the ``vietnamadminunits`` package (MIT): its bundled SQLite
dataset holds the 34 provinces and 3,321 communes in force since 01/07/2025 and the 63 / 696 /
10,035 legacy units, with the legacy → current commune mapping. The dataset is read directly
with :mod:`sqlite3`; the package's own modules (which import shapely and geopy) are never
imported. Small code lists live in ``portal/data/reference/*.json``; nationalities come from
the CLDR territory names shipped with Babel (ISO 3166-1 alpha-2 codes).

Every loader is an upsert keyed on the national code, so running it again is harmless.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from babel import Locale
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import AdminUnit, CodeEntry, CodeList, UnitLevel
from portal.text import fold, nfc

DATA = Path(__file__).resolve().parent.parent / "data" / "reference"
# CLDR territories that are not countries or whose codes are not ISO 3166-1.
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ", "AC", "CP", "CQ", "DG", "EA",
                  "IC", "TA", "XK"}
STATELESS = {"code": "XXA", "name": "Không quốc tịch", "name_en": "Stateless"}


@dataclass
class LoadReport:
    """How many rows each loader inserted or updated."""

    counts: dict[str, int]

    def __str__(self) -> str:
        return ", ".join(f"{name}: {n}" for name, n in self.counts.items())


def load_all(session: Session) -> LoadReport:
    """Load every shared catalogue."""
    counts = {"admin_units": load_admin_units(session)}
    for code_list, entries in code_list_entries():
        counts[code_list.value] = load_code_list(session, code_list, entries)
    return LoadReport(counts)


def is_loaded(session: Session) -> bool:
    """True when the current provinces are present (a cheap "already loaded?" check)."""
    count = session.scalar(
        select(func.count()).select_from(AdminUnit).where(
            AdminUnit.level == UnitLevel.PROVINCE, AdminUnit.legacy.is_(False)
        )
    )
    return bool(count)


# --- Code lists -----------------------------------------------------------------------------


def code_list_entries() -> Iterator[tuple[CodeList, list[dict]]]:
    """Each small catalogue with its entries (dicts with code, name, name_en, active)."""
    for code_list, filename in (
        (CodeList.ETHNICITY, "ethnicities.json"),
        (CodeList.GENDER, "genders.json"),
        (CodeList.ID_DOCUMENT, "id_documents.json"),
    ):
        with open(DATA / filename, encoding="utf-8") as handle:
            yield code_list, json.load(handle)["entries"]
    yield CodeList.NATIONALITY, nationalities()


def nationalities() -> list[dict]:
    """ISO 3166-1 countries named in Vietnamese and English; Việt Nam first, stateless last."""
    vi, en = Locale("vi").territories, Locale("en").territories
    codes = [c for c in vi if len(c) == 2 and c.isalpha() and c not in _NOT_COUNTRIES]
    codes.sort(key=lambda c: (c != "VN", fold(vi[c])))
    return [{"code": c, "name": nfc(vi[c]), "name_en": en.get(c)} for c in codes] + [STATELESS]


def load_code_list(session: Session, code_list: CodeList, entries: list[dict]) -> int:
    """Upsert the entries of one catalogue; the list order becomes ``sort_order``."""
    existing = {
        entry.code: entry
        for entry in session.scalars(select(CodeEntry).where(CodeEntry.code_list == code_list))
    }
    for order, item in enumerate(entries):
        entry = existing.get(item["code"]) or CodeEntry(code_list=code_list, code=item["code"])
        entry.name = nfc(item["name"])
        entry.name_en = item.get("name_en")
        entry.sort_order = order
        entry.active = item.get("active", True)
        session.add(entry)
    session.flush()
    return len(entries)


# --- Administrative units -----------------------------------------------------------------------


def dataset_path() -> Path:
    """The SQLite dataset inside the installed ``vietnamadminunits`` package."""
    return Path(str(resources.files("vietnamadminunits") / "data" / "dataset.db"))


def converter_path() -> Path:
    """The package's legacy → 2025 mapping (keys of folded names)."""
    return Path(str(resources.files("vietnamadminunits") / "data" / "converter_2025.json"))


def load_admin_units(session: Session) -> int:
    """Upsert current and legacy provinces, districts and communes; link legacy successors."""
    rows = _read_dataset()
    units = {
        (u.level, u.code, u.legacy): u for u in session.scalars(select(AdminUnit))
    }
    keyed: dict[tuple, AdminUnit] = {}
    for row in rows:
        key = (row["level"], row["code"], row["legacy"])
        unit = units.get(key) or AdminUnit(
            level=row["level"], code=row["code"], legacy=row["legacy"]
        )
        unit.name, unit.short_name, unit.kind = row["name"], row["short_name"], row["kind"]
        unit.parent = keyed[row["parent"]] if row["parent"] else None
        keyed[key] = unit
        session.add(unit)
    for row in rows:
        if row.get("successor"):
            keyed[(row["level"], row["code"], True)].successor = keyed.get(row["successor"])
    session.flush()
    return len(rows)


def _read_dataset() -> list[dict]:
    """Units in parent-first order, as dicts with a ``parent`` key tuple."""
    with sqlite3.connect(f"file:{dataset_path()}?mode=ro", uri=True) as conn:
        conn.row_factory = sqlite3.Row
        current = conn.execute(
            "SELECT DISTINCT province, provinceShort, provinceCode, ward, wardShort, wardType,"
            " wardCode, provinceKey, wardKey FROM admin_units ORDER BY provinceCode, wardCode"
        ).fetchall()
        legacy = conn.execute(
            "SELECT DISTINCT province, provinceShort, provinceCode, district, districtShort,"
            " districtType, districtCode, ward, wardShort, wardType, wardCode, provinceKey,"
            " districtKey, wardKey FROM admin_units_legacy"
            " ORDER BY provinceCode, districtCode, wardCode"
        ).fetchall()
    rows: list[dict] = []
    new_wards = _current_units(current, rows)
    _legacy_units(legacy, rows, _successors(new_wards))
    return rows


def _unit(level, code, name, short, kind, legacy, parent=None) -> dict:
    return {"level": level, "code": code, "name": nfc(name), "short_name": nfc(short),
            "kind": nfc(kind), "legacy": legacy, "parent": parent}


def _province_kind(name: str) -> str:
    return "Thành phố" if name.startswith("Thành phố") else "Tỉnh"


def _current_units(current, rows: list[dict]) -> dict[tuple[str, str], tuple]:
    """Append current provinces and communes; return (provinceKey, wardKey) → unit key."""
    seen: set[str] = set()
    by_key: dict[tuple[str, str], tuple] = {}
    for r in current:
        province_key = (UnitLevel.PROVINCE, r["provinceCode"], False)
        if r["provinceCode"] not in seen:
            seen.add(r["provinceCode"])
            rows.append(_unit(*province_key[:2], r["province"], r["provinceShort"],
                              _province_kind(r["province"]), False))
        rows.append(_unit(UnitLevel.COMMUNE, r["wardCode"], r["ward"], r["wardShort"],
                          r["wardType"], False, province_key))
        by_key[(r["provinceKey"], r["wardKey"])] = (UnitLevel.COMMUNE, r["wardCode"], False)
    return by_key


def _legacy_units(legacy, rows: list[dict], successors) -> None:
    seen: set[tuple] = set()
    for r in legacy:
        province = (UnitLevel.PROVINCE, r["provinceCode"], True)
        district = (UnitLevel.DISTRICT, r["districtCode"], True)
        if province not in seen:
            seen.add(province)
            rows.append(_unit(*province[:2], r["province"], r["provinceShort"],
                              _province_kind(r["province"]), True))
        if district not in seen:
            seen.add(district)
            rows.append(_unit(*district[:2], r["district"], r["districtShort"],
                              r["districtType"], True, province))
        if r["wardCode"] and (UnitLevel.COMMUNE, r["wardCode"], True) not in seen:
            seen.add((UnitLevel.COMMUNE, r["wardCode"], True))
            row = _unit(UnitLevel.COMMUNE, r["wardCode"], r["ward"], r["wardShort"],
                        r["wardType"], True, district)
            old_key = f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}"
            row["successor"] = successors(old_key)
            rows.append(row)


def _successors(new_wards: dict[tuple[str, str], tuple]):
    """A function mapping a legacy "province_district_ward" key to its current commune key."""
    with open(converter_path(), encoding="utf-8") as handle:
        data = json.load(handle)
    mapping: dict[str, tuple] = {}
    for province_key, wards in data["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, old_keys in wards.items():
            for old_key in old_keys:
                mapping[old_key] = new_wards.get((province_key, ward_key))
    for province_key, divided in data["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, parts in divided.items():
            # A commune split between several new ones maps to the package's default part.
            default = next((p for p in parts if p.get("isDefaultNewWard")), None)
            default = default or (parts[0] if parts else None)
            if default and old_key not in mapping:
                mapping[old_key] = new_wards.get((province_key, default["newWardKey"]))
    return mapping.get
