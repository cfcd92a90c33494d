"""Citizens' profiles: the details every later form fills in by itself (TT32-11.2c-1)."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.edge import fits_id
from portal.models import AdminUnit, CodeEntry, CodeList, Profile, UnitLevel, User
from portal.services import audit
from portal.text import sort_key


class ProfileError(ValueError):
    """A profile change that cannot be saved, with the field it concerns."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def provinces(session: Session) -> list[AdminUnit]:
    """Current provinces, the authority's own first, then in alphabetical order."""
    home = current_app.config["HOME_PROVINCE_CODE"]
    units = session.scalars(select(AdminUnit).where(
        AdminUnit.level == UnitLevel.PROVINCE, AdminUnit.legacy.is_(False))).all()
    return sorted(units, key=lambda u: (u.code != home, sort_key(u.short_name)))


def communes(session: Session, province_id: int | None) -> list[AdminUnit]:
    """Current communes of a province, in alphabetical order (none for no province)."""
    if not fits_id(province_id):
        return []  # none, or an id no row can have (the form's value is not trusted)
    units = session.scalars(select(AdminUnit).where(
        AdminUnit.parent_id == province_id, AdminUnit.legacy.is_(False))).all()
    return sorted(units, key=lambda u: sort_key(u.short_name))


def genders(session: Session) -> list[CodeEntry]:
    """The gender code list."""
    return list(session.scalars(select(CodeEntry).where(
        CodeEntry.code_list == CodeList.GENDER, CodeEntry.active.is_(True))
        .order_by(CodeEntry.sort_order)))


def commune_in(session: Session, commune_id: int | None, province_id: int | None
               ) -> AdminUnit | None:
    """The commune, if it really belongs to the province (never trust the form)."""
    if not fits_id(commune_id) or not fits_id(province_id):
        return None
    unit = session.get(AdminUnit, commune_id)
    if unit is None or unit.parent_id != province_id or unit.legacy:
        return None
    return unit


def update_profile(session: Session, user: User, values: dict, address: str | None) -> Profile:
    """Save the profile; the ID number must not belong to another account."""
    profile = user.profile or Profile(user=user)
    number = values.get("id_number")
    if number and number != profile.id_number:
        owner = session.scalar(select(Profile).where(Profile.id_number == number))
        if owner is not None and owner.user_id != user.id:
            raise ProfileError("id_number", "taken")
    for key, value in values.items():
        setattr(profile, key, value)
    session.add(profile)
    audit.record(session, audit.PROFILE_UPDATED, actor=user, address=address,
                 object_type="user", object_id=user.id)
    return profile
