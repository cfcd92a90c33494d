"""Frequently asked questions (/hoi-dap), grouped by field and searchable (TT32-11.1b), and
citizens' questions (TT22-PL3-11)."""
from portal.blueprints.faq import questions  # noqa: F401 (register routes)
from portal.blueprints.faq.views import bp

__all__ = ["bp"]
