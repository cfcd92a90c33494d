"""Versions of the interactive forms (issue 8): changing a published form never breaks the
drafts in progress.

* Every published version N of a :class:`FormSpec` is kept as a :class:`Revision` of kind
  ``form_spec`` numbered N, holding that version's whole spec JSON. Versions published before
  this module existed get theirs lazily: :func:`keep` records the current version just before
  it is replaced (by the builder or by ``flask forms load``).
* A draft remembers the version it was started with (``Draft.spec_version``). When it is
  opened after the form changed, :func:`migrate` moves it to the current version field by
  field and returns notices, in Vietnamese, for the citizen (see :func:`migrate`).
* Editors change an unpublished working copy first (``portal.services.form_working``);
  citizens only ever see ``FormSpec.spec``, the published version.
"""
from __future__ import annotations

import json
from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import Draft, FormSpec, Revision, User
from portal.services import drafts, eforms, revisions

KIND = "form_spec"


def _empty(value) -> bool:
    return value is None or value is False or value == "" or value == []


def bare(value):
    """A spec without its empty attributes (``"required": false`` and a missing
    ``required`` say the same), to compare what two specs mean."""
    if isinstance(value, dict):
        return {k: bare(v) for k, v in value.items() if not _empty(v)}
    if isinstance(value, list):
        return [bare(v) for v in value]
    return value


def author_label(author: User | None) -> str:
    return (author.display_name or author.email or "") if author else ""


# --- Published versions ---------------------------------------------------------------------


def snapshot(session: Session, form_spec: FormSpec, author: User | None,
             note: str | None = None) -> Revision:
    """Record the current spec as the revision numbered like its version (once)."""
    existing = revisions.get(session, KIND, form_spec.id, form_spec.version)
    if existing is not None:
        return existing
    revision = Revision(kind=KIND, object_id=form_spec.id, number=form_spec.version,
                        data=form_spec.spec, author_id=author.id if author else None,
                        author_label=author_label(author), note=note)
    session.add(revision)
    session.flush()
    return revision


def keep(session: Session, form_spec: FormSpec) -> None:
    """Make sure the current version has its revision before it is replaced."""
    if form_spec.id is not None:
        snapshot(session, form_spec, None, _("phiên bản %(n)d", n=form_spec.version))


@lru_cache(maxsize=64)
def _parsed(form_spec_id: int, number: int, raw_json: str) -> eforms.Spec | None:
    try:
        return eforms.parse_spec(json.loads(raw_json))
    except eforms.SpecError:
        return None  # written under older rules: treated as unknown, never as fatal


def spec_at(session: Session, form_spec: FormSpec, number: int) -> eforms.Spec | None:
    """The spec of version ``number`` (None when that version was never kept)."""
    if number == form_spec.version:
        return drafts.spec_of(form_spec)
    revision = revisions.get(session, KIND, form_spec.id, number)
    if revision is None:
        return None
    return _parsed(form_spec.id, number,
                   json.dumps(revision.data, ensure_ascii=False, sort_keys=True))


def spec_for_draft(session: Session, draft: Draft) -> eforms.Spec:
    """The spec of the version the draft was started with; the current one when that
    version is unknown (so a draft is never unreadable)."""
    return (spec_at(session, draft.form_spec, draft.spec_version)
            or drafts.spec_of(draft.form_spec))


def answers_of(session: Session, dossier, version, options) -> list:
    """A dossier version's answers in words, read with the form as it was when they were
    sent (the current form when that version was never kept)."""
    if dossier.form_spec is None:
        return []
    spec = (spec_at(session, dossier.form_spec, version.spec_version or 0)
            or drafts.spec_of(dossier.form_spec))
    return eforms.answers(spec, version.data, options)


def drafts_behind(session: Session, form_spec: FormSpec) -> int:
    """How many drafts of this form are still on an older version."""
    return session.scalar(select(func.count()).select_from(Draft).where(
        Draft.form_spec_id == form_spec.id, Draft.spec_version != form_spec.version)) or 0


# --- Moving a draft to the current version --------------------------------------------------


def migrate(session: Session, draft: Draft) -> list[str]:
    """Move a draft to its form's current version, field by field.

    Values whose inputs still exist and still validate are kept. A value whose field was
    removed, or that validated before but not any more, is dropped and named in a notice
    with what was typed; new required fields get a notice too. Returns the notices.
    """
    form_spec = draft.form_spec
    if draft.spec_version == form_spec.version:
        return []
    new = drafts.spec_of(form_spec)
    old = spec_at(session, form_spec, draft.spec_version)
    options = drafts.options_fn(session)
    data = dict(draft.data)
    notices = _drop_removed(old, new, data, options)
    notices += _drop_invalid(old, new, data, options)
    notices += _new_required(old, new, data)
    drafts.set_data(draft, data)
    draft.spec_version = form_spec.version
    if draft.section not in {s.key for s in new.sections}:
        draft.section = new.sections[0].key
    session.flush()
    return notices


def field_values(spec: eforms.Spec, data: dict, names, options) -> list[tuple[str, str]]:
    """(label, value as shown) of every field having one of the input ``names``, in form
    order: what another tab saved, shown when a save conflicts with it."""
    names = set(names)
    return [(_label(spec, inst), _shown(spec, inst, data, options) or "—")
            for inst in _all_instances(spec, data) if names.intersection(inst.input_names())]


def _all_instances(spec: eforms.Spec, data: dict) -> list[eforms.Instance]:
    return [inst for section in spec.sections for inst in eforms.instances(section, data)]


def _label(spec: eforms.Spec, inst: eforms.Instance) -> str:
    if not inst.prefix:
        return inst.field.label
    group_name, number, _rest = inst.prefix.split(".", 2)
    group = next((f for f in spec.all_fields() if f.name == group_name), None)
    item = (group.item_label or group.label) if group else group_name
    return f"{item} {int(number) + 1}: {inst.field.label}"


def _shown(spec: eforms.Spec, inst: eforms.Instance, data: dict, options) -> str:
    shown = eforms.display_value(spec, inst, data, options)
    if shown:
        return shown
    values = [data.get(name) for name in inst.input_names()]
    return ", ".join(v if isinstance(v, str) else ", ".join(v) for v in values if v)


def _has_value(data: dict, inst: eforms.Instance) -> bool:
    return any(data.get(name) not in (None, "", []) for name in inst.input_names())


def _drop_removed(old: eforms.Spec | None, new: eforms.Spec, data: dict,
                  options) -> list[str]:
    """Drop the values of inputs the current version no longer has."""
    known = eforms.all_input_keys(new, data)
    gone = {key for key in data if key not in known}
    notices = []
    new_keys = {inst.key for inst in _all_instances(new, data)}
    for inst in _all_instances(old, data) if old else []:
        if not gone.intersection(inst.input_names()) or not _has_value(data, inst):
            continue
        message = (_("Trường “%(label)s” đã đổi cách nhập; giá trị bạn đã nhập: %(value)s. "
                     "Hãy nhập lại.") if inst.key in new_keys else
                   _("Trường “%(label)s” đã bỏ khỏi tờ khai; giá trị bạn đã nhập: %(value)s"))
        notices.append(message % {"label": _label(old, inst),
                                  "value": _shown(old, inst, data, options)})
    for key in sorted(gone):
        value = data.pop(key)
        if old is None and value and not key.endswith(".count"):
            shown = value if isinstance(value, str) else ", ".join(value)
            notices.append(_("Trường “%(label)s” đã bỏ khỏi tờ khai; giá trị bạn đã nhập: "
                             "%(value)s", label=key, value=shown))
    return notices


def _drop_invalid(old: eforms.Spec | None, new: eforms.Spec, data: dict,
                  options) -> list[str]:
    """Drop values that were valid under the old version and are not under the new one
    (a value that was already wrong is kept: the citizen sees the error as usual)."""
    if old is None:
        return []
    old_by_key = {inst.key: inst for inst in _all_instances(old, data)}
    notices = []
    for inst in _all_instances(new, data):
        before = old_by_key.get(inst.key)
        if before is None or not _has_value(data, inst):
            continue
        if not eforms.check(new, inst, data, options).error:
            continue
        if eforms.check(old, before, data, options).error:
            continue
        notices.append(_("Trường “%(label)s” đã thay đổi; giá trị bạn đã nhập không còn "
                         "dùng được: %(value)s. Hãy nhập lại.",
                         label=_label(new, inst), value=_shown(old, before, data, options)))
        for name in inst.input_names():
            data.pop(name, None)
    return notices


def _new_required(old: eforms.Spec | None, new: eforms.Spec, data: dict) -> list[str]:
    """Notices for required fields the old version did not have (or did not require)."""
    if old is None:
        return []
    before = {f.name: f for f in old.all_fields()}
    notices = []
    for section in new.sections:
        for f in section.fields:
            for child in (f.fields if f.type == "group" else (f,)):
                if not child.required or (before.get(child.name) and before[child.name].required):
                    continue
                if f.type == "group" and not eforms.group_count(data, f):
                    continue
                inst = eforms.Instance(child, f"{f.name}.0." if f.type == "group" else "")
                if _has_value(data, inst) or not eforms.is_visible(new, inst, data):
                    continue
                notices.append(_("Trường “%(label)s” mới, bắt buộc: hãy điền.",
                                 label=child.label))
    return notices
