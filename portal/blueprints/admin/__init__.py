"""Administration (/quan-tri): staff accounts and roles, the audit log."""
from portal.blueprints.admin.views import bp

__all__ = ["bp"]
