"""Administration (/quan-tri): staff accounts and roles, the audit log and the working-day
calendar (administrators); procedures, e-forms, guides, FAQ, notices, site settings and the
catalogue (editors)."""
from portal.blueprints.admin import (  # noqa: F401 (each registers its routes on bp)
    calendar,
    content_editor,
    form_builder,
    procedures,
    settings,
    surveys,
    traffic,
)
from portal.blueprints.admin.views import bp

__all__ = ["bp"]
