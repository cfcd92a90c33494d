"""Public tracking of a dossier by its code and a second factor (/tra-cuu)."""
from portal.blueprints.tracking.views import bp

__all__ = ["bp"]
