"""The authority: organisation and contacts (ND42-04.1e), in Vietnamese and English (ND42-07.2)."""
from portal.blueprints.about.views import bp

__all__ = ["bp"]
