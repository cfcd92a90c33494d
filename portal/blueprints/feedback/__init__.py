"""Feedback and petitions (/phan-anh-kien-nghi, TT22-PL3-18, QĐ31-43.2)."""
from portal.blueprints.feedback.views import bp

__all__ = ["bp"]
