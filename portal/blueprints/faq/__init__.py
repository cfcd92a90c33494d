"""Frequently asked questions (/hoi-dap), grouped by field and searchable (TT32-11.1b)."""
from portal.blueprints.faq.views import bp

__all__ = ["bp"]
