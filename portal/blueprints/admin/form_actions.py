"""The form builder's buttons: add, move and remove sections and fields of a posted
editor page (:class:`~portal.blueprints.admin.form_editing.Posted`), and the new fields,
sections and forms they start from, each already valid so that the spec stays usable."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from portal.blueprints.admin.form_editing import Posted
from portal.edge import parse_int
from portal.models import Procedure
from portal.services import eforms


def _int(value: str, high: int) -> int:
    return min(parse_int(value, 0), high)


@dataclass
class Outcome:
    """Where the editor goes back to after an action: the section, the field shown open."""

    section: int
    open: str = ""
    anchor: str = ""


_ACTION = re.compile(r"(phan|them-phan|len-phan|xuong-phan|xoa-phan|them-truong|"
                     r"them-truong-con|len|xuong|xoa|luu)(?::([0-9.]+))?")


def apply(posted: Posted, action: str, form: MultiDict) -> Outcome:
    """Carry out the button ``action`` on ``posted.raw`` (in place)."""
    match = _ACTION.fullmatch(action or "")
    outcome = Outcome(posted.section)
    if not match:
        return outcome
    verb, where = match.group(1), match.group(2) or ""
    sections = posted.raw["sections"]
    if verb == "luu":  # the whole page, or a field's own button: back to that field, open
        return Outcome(posted.section, where, "truong-" + where.replace(".", "-") if where
                       else "")
    if verb.endswith("phan"):
        return _section_action(verb, _int(where, max(len(sections) - 1, 0)), sections,
                               outcome)
    if verb == "them-truong":
        index = _int(where, max(len(sections) - 1, 0))
        if sections:
            fields = sections[index]["fields"]
            fields.append(new_field(form.get("loai-moi", "text"), posted.raw))
            return Outcome(index, str(len(fields) - 1), f"truong-{len(fields) - 1}")
        return outcome
    return _field_action(verb, where, posted, form)


def _section_action(verb: str, index: int, sections: list, outcome: Outcome) -> Outcome:
    if verb == "phan" and sections:
        return Outcome(index, anchor="phan-dang-sua")
    if verb == "them-phan":
        sections.append(new_section(sections))
        return Outcome(len(sections) - 1, anchor="phan-dang-sua")
    if not sections:
        return outcome
    if verb == "xoa-phan":
        del sections[index]
        current = outcome.section - (index < outcome.section)  # it keeps its place
        return Outcome(min(current, max(len(sections) - 1, 0)), anchor="cac-phan")
    other = index - 1 if verb == "len-phan" else index + 1
    if 0 <= other < len(sections):
        sections[index], sections[other] = sections[other], sections[index]
        current = {index: other, other: index}.get(outcome.section, outcome.section)
        return Outcome(current, anchor=f"phan-{other}")
    return Outcome(outcome.section, anchor=f"phan-{index}")


def _field_action(verb: str, path: str, posted: Posted, form: MultiDict) -> Outcome:
    sections = posted.raw["sections"]
    if not sections:
        return Outcome(posted.section)
    parts = [n for n in (parse_int(p) for p in path.split(".")) if n is not None][:2]
    siblings = sections[posted.section]["fields"]
    if len(parts) == 2:
        if parts[0] >= len(siblings):
            return Outcome(posted.section)
        siblings = siblings[parts[0]].setdefault("fields", [])
    prefix = f"{parts[0]}." if len(parts) == 2 else ""
    index = parts[-1] if parts else len(siblings)
    if verb == "them-truong-con" and len(parts) == 1 and index < len(siblings):
        children = siblings[index].setdefault("fields", [])
        children.append(new_field(form.get(f"{path}:loai-con", "text"), posted.raw,
                                  in_group=True))
        child = f"{index}.{len(children) - 1}"
        return Outcome(posted.section, child, "truong-" + child.replace(".", "-"))
    if index >= len(siblings):
        return Outcome(posted.section)
    if verb == "xoa":  # back to the field now in its place (or the one before)
        del siblings[index]
        near = f"{prefix}{min(index, len(siblings) - 1)}" if siblings else prefix[:-1]
        return Outcome(posted.section, anchor="truong-" + near.replace(".", "-") if near
                       else "phan-dang-sua")
    other = index - 1 if verb == "len" else index + 1
    if not 0 <= other < len(siblings):
        other = index
    siblings[index], siblings[other] = siblings[other], siblings[index]
    moved = f"{prefix}{other}"
    return Outcome(posted.section, moved, "truong-" + moved.replace(".", "-"))


def _names(raw: dict) -> set[str]:
    names = set()
    for section in raw.get("sections") or []:
        for f in section.get("fields") or []:
            names.add(f.get("name"))
            names.update(child.get("name") for child in f.get("fields") or [])
    return names


def _unique(base: str, taken: set, sep: str) -> str:
    number = 1
    while (name := base if number == 1 else f"{base}{sep}{number}") in taken:
        number += 1
    return name


def new_field(kind: str, raw: dict, in_group: bool = False) -> dict:
    """A new field of ``kind`` that is already valid (the editor then changes it)."""
    if kind not in eforms.FIELD_TYPES or (in_group and kind == "group"):
        kind = "text"
    name = _unique("truong_moi", _names(raw), "_")
    field = {"name": name, "type": kind, "label": _("Trường mới"),
             "hint": _("Gợi ý cho người khai (hãy sửa dòng này).")}
    if kind in ("radios", "select", "checkboxes"):
        field["options"] = [{"value": "lua-chon-1", "label": _("Lựa chọn 1")},
                            {"value": "lua-chon-2", "label": _("Lựa chọn 2")}]
    elif kind == "catalogue":
        field["source"] = "province"
    elif kind == "declaration":
        field["label"] = _("Tôi cam đoan những nội dung khai trên đây là đúng sự thật.")
        field["required"] = True
    elif kind == "group":
        field["item_label"] = _("Mục")
        field["fields"] = []
        field["fields"].append(new_field("text", {"sections": [{"fields": [field]}]}, True))
    return field


def new_section(sections: list) -> dict:
    """A new section with one field (a section cannot be empty)."""
    key = _unique("phan-moi", {s.get("key") for s in sections}, "-")
    return {"key": key, "title": _("Phần mới"),
            "fields": [new_field("text", {"sections": sections})]}


def starter_spec(procedure: Procedure) -> dict:
    """The first version of a new form: who applies, and the declaration."""
    pledge = _("Tôi cam đoan những nội dung khai trên đây là đúng sự thật và chịu trách "
               "nhiệm trước pháp luật về cam đoan của mình.")
    applicant = [
        {"name": "ho_ten", "type": "text", "label": _("Họ, chữ đệm, tên"),
         "hint": _("Ghi đúng như giấy tờ tùy thân, ví dụ: Nguyễn Văn An."), "required": True,
         "max_length": 100, "autofill": "profile.full_name"},
        {"name": "so_dinh_danh", "type": "cccd", "label": _("Số định danh cá nhân"),
         "hint": _("12 chữ số in trên thẻ căn cước hoặc căn cước công dân."),
         "required": True, "autofill": "profile.id_number"},
        {"name": "dien_thoai", "type": "phone", "label": _("Số điện thoại"),
         "hint": _("Để cơ quan liên hệ khi cần, ví dụ 0912 345 678."), "required": True,
         "autofill": "profile.phone"},
        {"name": "noi_cu_tru", "type": "address", "label": _("Nơi cư trú"),
         "hint": _("Nơi thường trú; nếu không có thì nơi tạm trú."), "required": True,
         "autofill": "profile.permanent_address"},
        {"name": "cam_doan", "type": "declaration", "label": pledge,
         "hint": _("Đánh dấu để xác nhận lời cam đoan trước khi nộp."), "required": True},
    ]
    return {"procedure": procedure.code, "title": _("Tờ khai %(name)s", name=procedure.name),
            "declaration": pledge, "component": 0,
            "sections": [{"key": "nguoi-khai", "title": _("Người khai"), "fields": applicant}]}
