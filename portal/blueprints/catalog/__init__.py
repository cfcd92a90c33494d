"""The procedure catalogue (/thu-tuc): list with filters, procedure pages, downloads."""
from portal.blueprints.catalog.views import bp

__all__ = ["bp"]
