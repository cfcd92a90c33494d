"""Who may use the editors' pages: editors and administrators (DESIGN.md). Editors never
reach dossiers (/mot-cua) or accounts (/quan-tri/can-bo)."""
from __future__ import annotations

from portal.auth import roles_required
from portal.models import Role

#: Decorator for every editors' view.
editor_required = roles_required(Role.EDITOR, Role.ADMIN)
