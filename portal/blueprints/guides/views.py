"""The list of guides and one guide."""
from __future__ import annotations

from flask import Blueprint, abort

from portal.extensions import db
from portal.htmx import render
from portal.services import guidance

bp = Blueprint("guides", __name__, url_prefix="/huong-dan")


@bp.get("/")
def index():
    """All published guides."""
    return render("guides/index.html", guides=guidance.list_guides(db.session))


@bp.get("/<slug>")
def detail(slug: str):
    """One guide, with the procedures it explains."""
    guide = guidance.get_guide(db.session, slug) or abort(404)
    return render("guides/detail.html", guide=guide)
