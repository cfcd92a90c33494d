"""Language switch (works without JavaScript) and the monitoring health check."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from portal import health
from portal.extensions import db
from portal.i18n import LANGUAGE_COOKIE
from portal.services import sitemap

bp = Blueprint("site", __name__)


@bp.get("/ngon-ngu/<lang>")
def set_language(lang: str):
    """Remember the chosen language in a cookie and go back to the page the visitor was on."""
    if lang not in current_app.config["LANGUAGES"]:
        abort(404)
    response = redirect(safe_next(request.args.get("next")), code=303)
    response.set_cookie(
        LANGUAGE_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax",
        secure=request.is_secure, httponly=True,
    )
    return response


@bp.get("/healthz")
def healthz():
    """Each dependency's state and check time, as JSON; 503 when one the deployment needs is
    down, 200 ``"degraded"`` when only Redis is (see :mod:`portal.health`)."""
    status, answer = health.report()
    response = jsonify(answer)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/sitemap.xml")
def sitemap_xml():
    """Every public page search engines should know: procedures, guides, FAQ (TT32-11.2b-2)."""
    body = render_template("site/sitemap.xml", entries=sitemap.entries(db.session))
    return make_response(body, 200, {"Content-Type": "application/xml; charset=utf-8"})


@bp.get("/robots.txt")
def robots_txt():
    """Allow the public pages; keep crawlers out of personal and staff areas."""
    body = render_template("site/robots.txt")
    return make_response(body, 200, {"Content-Type": "text/plain; charset=utf-8"})


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else the home page (no open redirects)."""
    if target and target.isprintable():  # no control characters (header splitting)
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith("//") and "\\" not in target:
            return target
    return url_for("home.index")
