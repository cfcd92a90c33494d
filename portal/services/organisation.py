"""The authority as the public sees it: its agency tree and contact officials."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.models import Agency, AgencyLevel, Official


def overview(session: Session) -> dict:
    """The authority (the first commune-level agency, else the first root), its units, officials.

    Returns ``{"org": Agency | None, "units": [Agency], "officials": [Official]}``.
    """
    agencies = session.scalars(
        select(Agency).options(selectinload(Agency.children)).order_by(Agency.sort_order)
    ).all()
    authority = next((a for a in agencies if a.level is AgencyLevel.COMMUNE), None) or next(
        (a for a in agencies if a.parent_id is None), None)
    officials = session.scalars(
        select(Official).options(selectinload(Official.agency)).order_by(Official.sort_order)
    ).all()
    return {
        "org": authority,
        "units": list(authority.children) if authority else [],
        "officials": list(officials),
    }
