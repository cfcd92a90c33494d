"""Guidance (/huong-dan): step-by-step guides for common services (TT32-11.1a)."""
from portal.blueprints.guides.views import bp

__all__ = ["bp"]
