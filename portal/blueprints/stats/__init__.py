"""Public statistics of the online services (/thong-ke)."""
from portal.blueprints.stats.views import bp

__all__ = ["bp"]
