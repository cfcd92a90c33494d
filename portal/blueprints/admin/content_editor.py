"""Placeholder: filled in by the content_editor work (issue 8)."""
