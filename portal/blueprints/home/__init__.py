"""The home page."""
from portal.blueprints.home.views import bp

__all__ = ["bp"]
