"""The FAQ page (searchable in place with htmx) and one answer per page."""
from __future__ import annotations

from flask import Blueprint, abort, request, url_for

from portal.extensions import db
from portal.htmx import render, wants_fragment
from portal.services import guidance

bp = Blueprint("faq", __name__, url_prefix="/hoi-dap")


@bp.get("/")
def index():
    """All published questions by field, or those matching ``q``."""
    q = request.args.get("q", "").strip()[:200]
    groups, relaxed = guidance.faq_groups(db.session, q)
    response = render("faq/index.html", fragment="answers", q=q, groups=groups, relaxed=relaxed)
    if wants_fragment():
        response.headers["HX-Push-Url"] = url_for("faq.index", q=q) if q else url_for("faq.index")
    return response


@bp.get("/<slug>")
def detail(slug: str):
    """One question and its answer, on its own page (to share or bookmark)."""
    faq = guidance.get_faq(db.session, slug) or abort(404)
    return render("faq/detail.html", faq=faq)
