"""Consultation surveys (/khao-sat, TT22-PL3-11): the open surveys and, once closed, their
results; one response per person, with nothing stored about who answered."""
from portal.blueprints.surveys.views import bp

__all__ = ["bp"]
