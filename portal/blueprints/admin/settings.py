"""Placeholder: filled in by the settings work (issue 8)."""
