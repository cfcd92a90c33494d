"""Interactive e-forms and drafts (/nop-ho-so): fill in, check, autosave, keep in a file."""
from portal.blueprints.applications.views import bp
from portal.blueprints.applications import submission  # noqa: F401 (registers its routes)

__all__ = ["bp"]
