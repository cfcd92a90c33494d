"""Revision history of what editors change (procedures, forms, guides, FAQ, notices): every
save keeps the whole object as JSON, so any version can be shown, compared with another and
restored (TT32-11.x-MAINT, "publication history with restore")."""
from __future__ import annotations

import difflib
import html
import json
from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.models import Revision, User


#: How often a revision number taken by a parallel save is taken again (PostgreSQL).
NUMBER_ATTEMPTS = 5


def record(session: Session, kind: str, object_id: int, data: dict, author: User | None,
           note: str | None = None) -> Revision:
    """Keep a new revision of an object (numbered after the last one).

    The number is unique per object (a constraint). Two saves at once may both read the
    same last number: the second one's insert fails in its savepoint and it takes the
    next number (on SQLite the write lock taken as the request began already orders them).
    """
    for _attempt in range(NUMBER_ATTEMPTS):
        last = session.scalar(select(func.max(Revision.number)).where(
            Revision.kind == kind, Revision.object_id == object_id)) or 0
        revision = Revision(kind=kind, object_id=object_id, number=last + 1, data=data,
                            author_id=author.id if author else None,
                            author_label=(author.display_name or author.email or "")
                            if author else "", note=note)
        try:
            with session.begin_nested():
                session.add(revision)
        except IntegrityError:
            continue
        return revision
    raise RuntimeError(f"no free revision number for {kind} {object_id}")


def history(session: Session, kind: str, object_id: int) -> list[Revision]:
    """Every revision of an object, the latest first."""
    return list(session.scalars(select(Revision).where(
        Revision.kind == kind, Revision.object_id == object_id)
        .order_by(Revision.number.desc())))


def get(session: Session, kind: str, object_id: int, number: int) -> Revision | None:
    return session.scalar(select(Revision).where(
        Revision.kind == kind, Revision.object_id == object_id, Revision.number == number))


@dataclass(frozen=True)
class Change:
    """One item that differs between two revisions, with a word-level diff for humans."""

    key: str
    old: str
    new: str

    @property
    def html(self) -> Markup:
        """The change as ``<del>``/``<ins>`` words (escaped; safe to show)."""
        before, after = self.old.split(), self.new.split()
        parts = []
        for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, before, after).get_opcodes():
            if op in ("delete", "replace"):
                parts.append(f"<del>{html.escape(' '.join(before[a1:a2]))}</del>")
            if op in ("insert", "replace"):
                parts.append(f"<ins>{html.escape(' '.join(after[b1:b2]))}</ins>")
            if op == "equal":
                parts.append(html.escape(" ".join(before[a1:a2])))
        return Markup(" ".join(parts))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)


def diff(old: dict, new: dict) -> list[Change]:
    """The items whose value differs between two revisions' data, in a stable order."""
    keys = list(dict.fromkeys([*old.keys(), *new.keys()]))
    return [Change(key, _text(old.get(key)), _text(new.get(key)))
            for key in keys if old.get(key) != new.get(key)]
