"""Site search (/tim-kiem): procedures, guides and FAQ, tone marks optional."""
from portal.blueprints.search.views import bp

__all__ = ["bp"]
