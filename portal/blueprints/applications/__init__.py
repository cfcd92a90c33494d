"""Interactive e-forms and drafts (/nop-ho-so): fill in, check, autosave, keep in a file."""
from portal.blueprints.applications.views import bp

__all__ = ["bp"]
