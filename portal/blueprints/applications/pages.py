"""What a form page shows: each field with its value, error, choices and condition.

Views build these small objects so that templates only lay them out.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from flask_babel import gettext as _

from portal.services import eforms
from portal.services.eforms import Field, Instance, Spec


@dataclass
class FieldView:
    """One field of a page, ready for the templates."""

    inst: Instance
    value: object
    error: str | None
    choices: list[tuple[str, str]]
    condition: str  # JSON for the script that shows and hides it; "" when unconditional
    condition_text: str  # the same condition in words, for everyone

    @property
    def field(self) -> Field:
        return self.inst.field

    @property
    def key(self) -> str:
        return self.inst.key

    @property
    def id(self) -> str:
        return "f-" + self.inst.key.replace(".", "-").replace("_", "-")

    def part(self, name: str) -> str:
        return str(self.value.get(name, "")) if isinstance(self.value, dict) else ""

    def is_checked(self, option: str) -> bool:
        if isinstance(self.value, list):
            return option in self.value
        return self.value == option

    @property
    def describedby(self) -> str:
        ids = [self.id + "-hint"]
        if self.error:
            ids.append(self.id + "-error")
        return " ".join(ids)


@dataclass
class GroupView:
    field: Field
    items: list[list[FieldView]]

    @property
    def can_add(self) -> bool:
        return len(self.items) < int(self.field.max or eforms.MAX_GROUP_ITEMS)

    @property
    def can_remove(self) -> bool:
        return len(self.items) > int(self.field.min or 0)


def field_view(spec: Spec, inst: Instance, data: dict, errors: dict[str, str],
               options: eforms.OptionsFn) -> FieldView:
    f = inst.field
    if f.parts:
        value: object = {p: data.get(f"{inst.key}-{p}", "") for p in f.parts}
    elif f.type == "checkboxes":
        raw = data.get(inst.key) or []
        value = [raw] if isinstance(raw, str) else list(raw)
    else:
        raw = data.get(inst.key, "")
        value = raw[0] if isinstance(raw, list) and raw else (raw or "")
    choices: list[tuple[str, str]] = []
    if f.type in ("radios", "select", "yesno", "catalogue", "checkboxes"):
        choices = eforms.field_options(spec, inst, data, options)
    elif f.type == "address":
        choices = options("province", "")
    condition, text = "", ""
    if f.show_if:
        other_name, values = f.show_if
        other = eforms.field_in_scope(spec, inst, other_name)
        condition = json.dumps({"field": inst.prefix + other_name, "in": list(values)})
        if other is not None:
            labels = dict(eforms.field_options(spec, Instance(other, inst.prefix), data, options)
                          if other.type != "checkboxes" else other.options)
            shown = ", ".join(f"“{labels.get(v, v)}”" for v in values)
            text = _("Chỉ điền khi “%(label)s” là %(values)s.", label=other.label, values=shown)
    return FieldView(inst, value, errors.get(inst.key), choices, condition, text)


def section_views(spec: Spec, section: eforms.Section, data: dict, errors: dict[str, str],
                  options: eforms.OptionsFn) -> list[FieldView | GroupView]:
    views: list[FieldView | GroupView] = []
    for f in section.fields:
        if f.type == "group":
            items = [[field_view(spec, Instance(child, f"{f.name}.{n}."), data, errors, options)
                      for child in f.fields] for n in range(eforms.group_count(data, f))]
            views.append(GroupView(f, items))
        else:
            views.append(field_view(spec, Instance(f), data, errors, options))
    return views


def find_view(views: list[FieldView | GroupView], key: str) -> FieldView | None:
    for view in views:
        if isinstance(view, GroupView):
            for item in view.items:
                for child in item:
                    if child.key == key:
                        return child
        elif view.key == key:
            return view
    return None
