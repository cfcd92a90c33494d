"""Placeholder: filled in by the procedures work (issue 8)."""
