"""Organisation chart and contact pages."""
from __future__ import annotations

from flask import Blueprint, current_app

from portal.extensions import db
from portal.services import site_settings
from portal.htmx import render
from portal.services import organisation as org

bp = Blueprint("about", __name__)


@bp.get("/gioi-thieu")
def organisation():
    """Functions, duties and structure of the authority, with its contact officials."""
    return render("about/organisation.html", **org.overview(db.session))


@bp.get("/lien-he")
def contact():
    """Addresses, office hours, phones and e-mails of the authority and its units."""
    return render("about/contact.html", office_hours=site_settings.value("OFFICE_HOURS"),
                  weekdays=current_app.config["WORKING_WEEKDAYS"],
                  **org.overview(db.session))
