"""The single list of user-facing areas, each a blueprint package."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Mount every area on the app."""
    from portal.blueprints.about import bp as about_bp
    from portal.blueprints.account import bp as account_bp
    from portal.blueprints.admin import bp as admin_bp
    from portal.blueprints.applications import bp as applications_bp
    from portal.blueprints.backoffice import bp as backoffice_bp
    from portal.blueprints.catalog import bp as catalog_bp
    from portal.blueprints.dossiers import bp as dossiers_bp
    from portal.blueprints.faq import bp as faq_bp
    from portal.blueprints.feedback import bp as feedback_bp
    from portal.blueprints.guides import bp as guides_bp
    from portal.blueprints.home import bp as home_bp
    from portal.blueprints.jobs import bp as jobs_bp
    from portal.blueprints.search import bp as search_bp
    from portal.blueprints.site import bp as site_bp
    from portal.blueprints.stats import bp as stats_bp
    from portal.blueprints.surveys import bp as surveys_bp
    from portal.blueprints.tracking import bp as tracking_bp

    for blueprint in (home_bp, catalog_bp, search_bp, guides_bp, faq_bp, about_bp, account_bp,
                      admin_bp, applications_bp, backoffice_bp, dossiers_bp, tracking_bp,
                      jobs_bp, site_bp, feedback_bp, surveys_bp, stats_bp):
        app.register_blueprint(blueprint)
