"""Site-wide utilities: language switch and health check."""
from portal.blueprints.site.views import bp

__all__ = ["bp"]
