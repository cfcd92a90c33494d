"""Citizen accounts and profiles (/tai-khoan)."""
from portal.blueprints.account import profile  # noqa: F401  (registers the profile views)
from portal.blueprints.account.views import bp

__all__ = ["bp"]
