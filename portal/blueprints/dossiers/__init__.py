"""My dossiers (/ho-so): follow, answer, supplement, withdraw; the receipt."""
from portal.blueprints.dossiers.views import bp

__all__ = ["bp"]
