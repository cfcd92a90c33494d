"""Placeholder: filled in by the form_builder work (issue 8)."""
