"""The home page: search, most used services, fields, notices and guides."""
from __future__ import annotations

from flask import Blueprint

from portal.extensions import db
from portal.htmx import render
from portal.services import catalog

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    """Everything a citizen needs first, each procedure within three clicks (TT32-11.2b-1)."""
    return render(
        "home/index.html",
        fields=catalog.fields_with_counts(db.session),
        popular=catalog.most_used(db.session),
        notices=catalog.latest_notices(db.session),
        guides=catalog.latest_guides(db.session),
    )
