"""What the form builder's pages show: the editor of each field (its inputs' values, its
problems, the fields a condition may refer to), the words for types and attributes, and the
differences between two versions of a form."""
from __future__ import annotations

import json
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.blueprints.admin.form_editing import AUTOFILL_KEYS, Posted, attributes
from portal.services import revisions
from portal.services.form_versions import bare

TYPE_LABELS = {
    "text": _l("Chữ, một dòng"), "textarea": _l("Đoạn văn, nhiều dòng"),
    "number": _l("Số nguyên"), "money": _l("Số tiền (đồng)"), "date": _l("Ngày, tháng, năm"),
    "radios": _l("Chọn một (nút chọn)"), "select": _l("Chọn một (danh sách thả xuống)"),
    "checkboxes": _l("Chọn nhiều (ô đánh dấu)"), "yesno": _l("Có hoặc Không"),
    "catalogue": _l("Chọn từ danh mục dùng chung"), "cccd": _l("Số định danh cá nhân"),
    "phone": _l("Số điện thoại"), "email": _l("Thư điện tử"), "tax_code": _l("Mã số thuế"),
    "address": _l("Địa chỉ (tỉnh, xã, số nhà)"), "declaration": _l("Lời cam đoan"),
    "group": _l("Nhóm lặp lại (nhiều mục)"),
}
SOURCE_LABELS = {
    "province": _l("Tỉnh, thành phố"), "gender": _l("Giới tính"), "ethnicity": _l("Dân tộc"),
    "nationality": _l("Quốc tịch"), "id_document": _l("Loại giấy tờ tùy thân"),
}
AUTOFILL_LABELS = dict(zip(AUTOFILL_KEYS, (
    _l("Hồ sơ: họ và tên"), _l("Hồ sơ: ngày sinh"), _l("Hồ sơ: giới tính"),
    _l("Hồ sơ: số định danh cá nhân"), _l("Hồ sơ: số điện thoại"), _l("Hồ sơ: thư điện tử"),
    _l("Hồ sơ: nơi thường trú"), _l("Hồ sơ: nơi ở hiện tại"))))
FORM_LABELS = {
    "title": _l("Tên tờ khai"), "form_number": _l("Số hiệu, văn bản ban hành mẫu"),
    "source": _l("Nguồn của mẫu (ghi chú cho người biên tập)"),
    "addressee_hint": _l("Kính gửi (gợi ý nơi nhận)"), "declaration": _l("Lời cam đoan"),
    "component": _l("Thứ tự của tờ khai trong thành phần hồ sơ"),
}
FIELD_LABELS = {
    "name": _l("Tên kỹ thuật"), "type": _l("Kiểu"), "label": _l("Nhãn"), "hint": _l("Gợi ý"),
    "help": _l("Hướng dẫn chi tiết"), "example": _l("Ví dụ"), "required": _l("Bắt buộc"),
    "max_length": _l("Số ký tự tối đa"), "min": _l("Nhỏ nhất"), "max": _l("Lớn nhất"),
    "past": _l("Phải là ngày đã qua"), "options": _l("Các lựa chọn"),
    "source": _l("Danh mục dùng chung"), "autofill": _l("Tự điền từ"),
    "show_if": _l("Chỉ hiện khi"), "birth_date_field": _l("Đối chiếu với ngày sinh ở trường"),
    "gender_field": _l("Đối chiếu với giới tính ở trường"),
    "item_label": _l("Tên gọi mỗi mục"), "section": _l("Phần"),
}


# --- The editor ------------------------------------------------------------------------------


@dataclass
class FieldEditor:
    """One field on the editor page, with its inputs' values and problems."""

    path: str
    raw: dict
    values: dict[str, str]
    problems: dict[str, str]
    earlier: list[tuple[str, str]]
    children: list[FieldEditor]
    open: bool
    first: bool = False
    last: bool = False

    @property
    def kind(self) -> str:
        return str(self.raw.get("type", ""))

    @property
    def attributes(self) -> tuple[str, ...]:
        return attributes(self.kind)

    @property
    def id(self) -> str:
        return "truong-" + self.path.replace(".", "-")

    def input_id(self, attr: str) -> str:
        return "e-" + self.path.replace(".", "-") + "-" + attr

    @property
    def number(self) -> str:
        return ".".join(str(int(part) + 1) for part in self.path.split("."))


def _values(raw: dict) -> dict[str, str]:
    """The text of each input of a field's editor."""
    values = {attr: str(raw.get(attr, "")) for attr in (
        "name", "type", "label", "hint", "help", "example", "max_length", "min", "max",
        "source", "birth_date_field", "gender_field", "item_label")}
    values["required"] = "y" if raw.get("required") else ""
    values["past"] = "y" if raw.get("past") else ""
    values["options"] = "\n".join(f"{o.get('value', '')}|{o.get('label', '')}"
                                  for o in raw.get("options") or [] if isinstance(o, dict))
    autofill = str(raw.get("autofill", ""))
    values["autofill"] = "applicant" if autofill.startswith("applicant.") else autofill
    values["autofill_applicant"] = autofill.partition(".")[2] if values["autofill"] == \
        "applicant" else ""
    condition = raw.get("show_if") or {}
    shown_for = condition.get("in", [condition["equals"]] if "equals" in condition else [])
    values["show_if"] = str(condition.get("field", ""))
    values["show_if_values"] = ", ".join(map(str, shown_for))
    return values


def _choices(fields: list[dict], refs: set[str]) -> list[tuple[str, str]]:
    """The fields a condition may refer to, and those it does refer to (kept selectable
    even when they are not allowed, so that nothing typed is lost)."""
    found = [(str(f.get("name", "")), f"{f.get('label', '')} ({f.get('name', '')})")
             for f in fields]
    names = {name for name, _label in found}
    return found + [(ref, ref) for ref in sorted(refs - names)]


def _editor(posted: Posted, path: str, raw: dict, earlier: list[dict],
            open_path: str) -> FieldEditor:
    values = _values(raw)
    problems = {}
    for (where, attr), message in posted.problems.items():
        if where == path:
            problems[attr] = message
    values.update({attr: text for (where, attr), text in posted.typed.items() if where == path})
    children = [_editor(posted, f"{path}.{k}", child, raw["fields"][:k], open_path)
                for k, child in enumerate(raw.get("fields") or [])]
    _ends(children)
    refs = {values[a] for a in ("show_if", "birth_date_field", "gender_field") if values[a]}
    return FieldEditor(path, raw, values, problems, _choices(earlier, refs), children,
                       open=bool(problems) or path == open_path or any(
                           c.open for c in children))


def editors(posted: Posted, open_path: str = "") -> list[FieldEditor]:
    """The editors of the fields of the section being edited."""
    sections = posted.raw["sections"]
    if not sections:
        return []
    before = [f for s in sections[:posted.section] for f in s.get("fields") or []]
    fields = sections[posted.section].get("fields") or []
    return _ends([_editor(posted, str(j), f, before + fields[:j], open_path)
                  for j, f in enumerate(fields)])


def _ends(editors: list[FieldEditor]) -> list[FieldEditor]:
    """Mark the first and last (they cannot move up, or down)."""
    if editors:
        editors[0].first = editors[-1].last = True
    return editors


def problem_links(posted: Posted) -> list[tuple[str, str]]:
    """The page's problems for its error summary, each with the id it is about."""
    links = []
    for (path, attr), text in posted.problems.items():
        if path.startswith("s"):
            target = f"{path}-{attr}" if attr in ("key", "title", "intro") else \
                f"phan-{path[1:]}"
        elif path:
            number = ".".join(str(int(p) + 1) for p in path.split("."))
            target = "e-" + path.replace(".", "-") + "-" + attr if attr else \
                "truong-" + path.replace(".", "-")
            text = _l("Trường %(n)s: %(problem)s", n=number, problem=text)
        else:
            target = f"e-{attr}" if attr in FORM_LABELS else (
                "cac-phan" if attr == "sections" else "thong-tin-chung")
        links.append((target, str(text)))
    return links


def paths(fields: list[FieldEditor]) -> str:
    """Every field path of the page, in order (tells the server what was posted)."""
    return " ".join(p for f in fields for p in [f.path] + [c.path for c in f.children])


def hidden_fields(section: dict) -> str:
    """A section that is not on the page, as JSON in a hidden input."""
    return json.dumps(section.get("fields") or [], ensure_ascii=False)


# --- Differences between two versions --------------------------------------------------------


@dataclass
class FieldDiff:
    """A field added, removed or changed between two versions."""

    name: str
    label: str
    status: str  # "them" (added), "bo" (removed), "doi" (changed)
    changes: list[revisions.Change]


def _flat(raw: dict) -> dict[str, tuple[dict, str]]:
    """Every field by name (``group/child`` for a group's), with its section's title."""
    found = {}
    for section in raw.get("sections") or []:
        for f in section.get("fields") or []:
            found[f.get("name", "")] = (f, section.get("title", ""))
            for child in f.get("fields") or []:
                found[f"{f.get('name')}/{child.get('name')}"] = (child, section.get("title"))
    return found


def _attrs(field: dict, section: str) -> dict:
    return {**{k: v for k, v in bare(field).items() if k != "fields"}, "section": section}


def compare(old: dict, new: dict) -> tuple[list[revisions.Change], list[revisions.Change],
                                           list[FieldDiff]]:
    """How two versions differ: form attributes, sections (by key), fields (by name)."""
    general = revisions.diff({k: v for k, v in bare(old).items() if k != "sections"},
                             {k: v for k, v in bare(new).items() if k != "sections"})
    titles = [{s.get("key"): s.get("title", "") for s in raw.get("sections") or []}
              for raw in (old, new)]
    sections = revisions.diff(*titles)
    if list(titles[0]) != list(titles[1]) and not sections:
        sections.append(revisions.Change("", " → ".join(titles[0].values()),
                                         " → ".join(titles[1].values())))
    before, after = _flat(old), _flat(new)
    fields = []
    for name in dict.fromkeys([*before, *after]):
        if name not in after:
            fields.append(FieldDiff(name, before[name][0].get("label", ""), "bo", []))
        elif name not in before:
            fields.append(FieldDiff(name, after[name][0].get("label", ""), "them", []))
        elif changes := revisions.diff(_attrs(*before[name]), _attrs(*after[name])):
            fields.append(FieldDiff(name, after[name][0].get("label", ""), "doi", changes))
    return general, sections, fields
