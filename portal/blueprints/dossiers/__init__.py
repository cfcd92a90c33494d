"""My dossiers (/ho-so): follow, answer, supplement, withdraw, rate; the receipt."""
from portal.blueprints.dossiers import ratings  # noqa: F401  (registers the rating views)
from portal.blueprints.dossiers.views import bp

__all__ = ["bp"]
