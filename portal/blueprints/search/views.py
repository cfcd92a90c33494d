"""The search page; as-you-type with htmx, a plain GET form without JavaScript."""
from __future__ import annotations

from flask import Blueprint, request, url_for

from portal.edge import arg_int
from portal.extensions import db
from portal.htmx import render, wants_fragment
from portal.models import SearchKind
from portal.services import catalog, guidance, search

bp = Blueprint("search", __name__, url_prefix="/tim-kiem")


@bp.get("/")
def index():
    """Search procedures (paginated), guides and FAQ entries for ``q``."""
    q = request.args.get("q", "").strip()[:200]
    page = arg_int("trang", 1, minimum=1)
    results = guides = faqs = None
    if q:
        found = search.find(db.session, q)  # one query to the index for every kind
        results = catalog.list_procedures(db.session, catalog.Filters(q=q, page=page or 1),
                                          found=found)
        guides = guidance.guides_by_ids(db.session, found.ids(SearchKind.GUIDE, 5))
        faqs = guidance.faqs_by_ids(db.session, found.ids(SearchKind.FAQ, 5))
    response = render(
        "search/index.html", fragment="results", q=q, results=results, guides=guides, faqs=faqs,
        popular=catalog.most_used(db.session, 6) if not results or not results.total else [],
    )
    if wants_fragment():
        response.headers["HX-Push-Url"] = url_for("search.index", q=q) if q else \
            url_for("search.index")
    return response
