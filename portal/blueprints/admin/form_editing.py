"""The form builder's editing rules, apart from its views: the editor page's inputs → the
spec JSON, and the structural changes its buttons ask for.

The editor page is one self-contained form: the section being edited is posted input by
input (``<path>:<attribute>``, a path being ``3`` for the 4th field or ``3.1`` for the 2nd
field of that group), the other sections travel as hidden JSON. So any post, valid or not,
can be shown again exactly as it was typed. What cannot be read (a number that is not one,
a malformed option line) is kept as typed in :attr:`Posted.typed`, with its problem.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field as dc_field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from portal.edge import parse_int
from portal.services import eforms

#: The attributes each type has besides name, type, label, hint, help, example, show_if.
TYPE_ATTRIBUTES = {
    "text": ("required", "max_length", "autofill"),
    "textarea": ("required", "max_length", "autofill"),
    "number": ("required", "min", "max", "autofill"),
    "money": ("required", "min", "max", "autofill"),
    "date": ("required", "past", "autofill"),
    "radios": ("required", "options", "autofill"),
    "select": ("required", "options", "autofill"),
    "checkboxes": ("required", "options"),
    "catalogue": ("required", "source", "autofill"),
    "cccd": ("required", "birth_date_field", "gender_field", "autofill"),
    "declaration": (),
    "group": ("item_label", "min", "max"),
}
DEFAULT_ATTRIBUTES = ("required", "autofill")  # yesno, phone, email, tax_code, address
ORDER = ("name", "type", "label", "hint", "help", "example", "required", "max_length", "min",
         "max", "past", "options", "source", "autofill", "show_if", "birth_date_field",
         "gender_field", "item_label", "fields")
AUTOFILL_KEYS = ("profile.full_name", "profile.birth_date", "profile.gender",
                 "profile.id_number", "profile.phone", "profile.email",
                 "profile.permanent_address", "profile.current_address")
_APPLICANT_KEY = re.compile(r"[a-z][a-z0-9_]{0,59}")
_SPACES = re.compile(r"[ \t]+")


def attributes(kind: str) -> tuple[str, ...]:
    """The type-specific attributes of a field type."""
    return TYPE_ATTRIBUTES.get(kind, DEFAULT_ATTRIBUTES)


def clean(value: str | None, multiline: bool = False) -> str:
    """NFC, trimmed, spaces collapsed (line breaks kept when ``multiline``)."""
    value = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n")
    if multiline:
        return "\n".join(_SPACES.sub(" ", line).strip() for line in value.split("\n")).strip()
    return " ".join(value.split())


@dataclass
class Posted:
    """An editor page as posted: the spec JSON, the section being edited, and what could
    not be read (typed text and its problem, by ``(path, attribute)``)."""

    raw: dict
    section: int
    typed: dict[tuple[str, str], str] = dc_field(default_factory=dict)
    problems: dict[tuple[str, str], str] = dc_field(default_factory=dict)

    def problem(self, path: str, attr: str, message: str, typed: str | None = None) -> None:
        self.problems.setdefault((path, attr), message)
        if typed is not None:
            self.typed[(path, attr)] = typed


# --- Reading the editor page ----------------------------------------------------------------


def read(form: MultiDict, procedure_code: str) -> Posted:
    """The spec JSON of a posted editor page (the procedure code is never the editor's)."""
    count = _int(form.get("_sections"), 0, 100)
    posted = Posted({}, _int(form.get("_section"), 0, max(count - 1, 0)))
    raw: dict = {"procedure": procedure_code, "title": clean(form.get("title"))}
    for attr in ("form_number", "addressee_hint"):
        _put(raw, attr, clean(form.get(attr)))
    for attr in ("source", "declaration"):
        _put(raw, attr, clean(form.get(attr), multiline=True))
    component = clean(form.get("component")) or "0"
    if (number := parse_int(component)) is not None:
        raw["component"] = number
    else:
        posted.problem("", "component", _("Nhập số thứ tự (1, 2 …) hoặc 0."), component)
    raw["sections"] = [_read_section(form, i, posted) for i in range(count)]
    posted.raw = raw
    return posted


def _int(value: str | None, low: int, high: int) -> int:
    return max(low, min(parse_int(value, low), high))


def _put(raw: dict, attr: str, value) -> None:
    """Set an attribute that has a value (0 is one; False, "" and [] are not)."""
    if not (value is None or value is False or value == "" or value == []):
        raw[attr] = value


def _read_section(form: MultiDict, index: int, posted: Posted) -> dict:
    section = {"key": clean(form.get(f"s{index}-key")).lower(),
               "title": clean(form.get(f"s{index}-title"))}
    _put(section, "intro", clean(form.get(f"s{index}-intro"), multiline=True))
    if index != posted.section:
        try:
            section["fields"] = list(json.loads(form.get(f"s{index}-fields") or "[]"))
        except (TypeError, ValueError):
            section["fields"] = []
            posted.problem(f"s{index}", "fields", _("Trang gửi lên bị hỏng; hãy tải lại."))
        return section
    fields: list[dict] = []
    for path in (form.get("_paths") or "").split():
        if "." not in path:
            fields.append(_read_field(form, path, posted))
        elif fields and fields[-1]["type"] == "group":
            fields[-1].setdefault("fields", []).append(_read_field(form, path, posted))
    section["fields"] = fields
    return section


def _read_field(form: MultiDict, path: str, posted: Posted) -> dict:
    def text(attr: str, multiline: bool = False) -> str:
        return clean(form.get(f"{path}:{attr}"), multiline)

    kind = text("type")
    raw: dict = {"name": text("name"), "type": kind, "label": text("label")}
    _put(raw, "hint", text("hint"))
    _put(raw, "help", text("help", multiline=True))
    _put(raw, "example", text("example"))
    for attr in attributes(kind):
        _put(raw, attr, _READERS[attr](form, path, posted))
    _put(raw, "show_if", _read_show_if(form, path, posted))
    if kind == "group":
        raw["fields"] = []
    if kind == "declaration":
        raw["required"] = True  # always, as eforms reads it; written out like the data files
    return {attr: raw[attr] for attr in ORDER if attr in raw}


def _read_checkbox(attr: str):
    return lambda form, path, posted: form.get(f"{path}:{attr}") == "y"


def _read_text(attr: str):
    return lambda form, path, posted: clean(form.get(f"{path}:{attr}"))


def _read_number(attr: str):
    def reader(form: MultiDict, path: str, posted: Posted) -> int | None:
        typed = clean(form.get(f"{path}:{attr}"))
        if not typed:
            return None
        number = eforms.parse_integer(typed)
        if number is None or (attr == "max_length" and number < 1):
            posted.problem(path, attr, _("Nhập một số nguyên dương bằng chữ số, ví dụ 100."),
                           typed)
        return number
    return reader


def _read_options(form: MultiDict, path: str, posted: Posted) -> list[dict]:
    typed = clean(form.get(f"{path}:options"), multiline=True)
    options, seen = [], set()
    for line in filter(None, typed.split("\n")):
        value, _bar, label = (part.strip() for part in line.partition("|"))
        label = label or value
        if not value or value in seen:
            posted.problem(path, "options", _("Mỗi dòng một lựa chọn “giá trị|nhãn”; giá trị "
                                              "không được để trống hay trùng nhau."), typed)
            return []
        seen.add(value)
        options.append({"value": value, "label": label})
    return options


def _read_autofill(form: MultiDict, path: str, posted: Posted) -> str:
    chosen = clean(form.get(f"{path}:autofill"))
    if chosen != "applicant":
        return chosen
    key = clean(form.get(f"{path}:autofill_applicant")).lower()
    if not _APPLICANT_KEY.fullmatch(key):
        posted.problem(path, "autofill_applicant", _(
            "Nhập khoá bằng chữ thường không dấu, chữ số và dấu gạch dưới, ví dụ "
            "id_document_type."), key)
        return ""
    return f"applicant.{key}"


def _read_show_if(form: MultiDict, path: str, posted: Posted) -> dict | None:
    other = clean(form.get(f"{path}:show_if"))
    typed = clean(form.get(f"{path}:show_if_values"))
    if not other:
        return None
    values = [v.strip() for v in typed.split(",") if v.strip()]
    if not values:
        posted.problem(path, "show_if_values", _("Nhập ít nhất một giá trị của trường điều "
                                                 "kiện, cách nhau bằng dấu phẩy."), typed)
    if len(values) == 1:  # the form the forms in portal/data use for one value
        return {"field": other, "equals": values[0]}
    return {"field": other, "in": values}


_READERS = {
    "required": _read_checkbox("required"), "past": _read_checkbox("past"),
    "max_length": _read_number("max_length"), "min": _read_number("min"),
    "max": _read_number("max"), "options": _read_options, "source": _read_text("source"),
    "autofill": _read_autofill, "birth_date_field": _read_text("birth_date_field"),
    "gender_field": _read_text("gender_field"), "item_label": _read_text("item_label"),
}


# --- eforms' problems in the editors' words, next to the element ------------------------------

_MESSAGES = (
    ("name must be", "name", _l("Tên kỹ thuật: chữ thường không dấu, chữ số và dấu gạch dưới, "
                                "bắt đầu bằng một chữ cái (ví dụ ho_ten).")),
    ("name repeated", "name", _l("Tên kỹ thuật này đã dùng cho một trường khác.")),
    ("unknown or misplaced type", "type", _l("Chọn một kiểu trường (không đặt nhóm lặp lại "
                                             "trong một nhóm).")),
    ("label missing", "label", _l("Hãy nhập nhãn của trường.")),
    ("hint missing", "hint", _l("Hãy nhập gợi ý: ô nhập nào cũng cần hướng dẫn "
                                "(TT32-EF-3).")),
    ("options missing", "options", _l("Hãy nhập các lựa chọn, mỗi dòng một “giá trị|nhãn”.")),
    ("unknown source", "source", _l("Hãy chọn một danh mục dùng chung.")),
    ("show_if refers", "show_if", _l("Điều kiện phải dựa vào một trường đứng trước trường "
                                     "này.")),
    ("birth_date_field", "birth_date_field", _l("Hãy chọn một trường ngày sinh đứng trước.")),
    ("gender_field", "gender_field", _l("Hãy chọn một trường giới tính đứng trước.")),
    ("key ", "key", _l("Mã phần: chữ thường không dấu, chữ số và dấu gạch ngang, không trùng "
                       "với phần khác.")),
    ("no fields", "fields", _l("Mỗi phần cần ít nhất một trường.")),
    ("no sections", "sections", _l("Tờ khai cần ít nhất một phần.")),
    ("title missing", "title", _l("Hãy nhập tên tờ khai.")),
    ("expected the position", "component", _l("Nhập số thứ tự (1, 2 …) hoặc 0.")),
)


def check(posted: Posted) -> eforms.Spec | None:
    """Check the posted spec with :func:`eforms.parse_spec`; its problems are added to
    ``posted.problems`` where the editor will see them. The spec when there are none."""
    try:
        spec = eforms.parse_spec(posted.raw)
    except eforms.SpecError as error:
        places = _places(posted)
        for problem in error.problems:
            where, _colon, what = problem.partition(": ")
            if not what:
                where, what = "", where
            attr, message = next(((a, str(m)) for start, a, m in _MESSAGES
                                  if what.startswith(start)), ("", what))
            path, elsewhere = places.get(where, ("", ""))
            if elsewhere:  # a field of a section not on the page: named beside that section
                attr, message = "fields", f"“{elsewhere}”: {message}"
            posted.problem(path, attr, message)
        return None
    return None if posted.problems else spec


def _places(posted: Posted) -> dict[str, tuple[str, str]]:
    """eforms' problem locations → (path on the page, field name when not on the page)."""
    places: dict[str, tuple[str, str]] = {"component": ("", "")}
    for i, section in enumerate(posted.raw["sections"]):
        key, here = section.get("key", ""), i == posted.section
        places[f"section {i}"] = places[f"section {key}"] = (f"s{i}", "")
        for j, f in enumerate(section.get("fields") or []):
            name = str(f.get("name", ""))
            places[f"{key}/{name}"] = (str(j), "") if here else (f"s{i}", name)
            for k, child in enumerate(f.get("fields") or []):
                child_name = str(child.get("name", ""))
                places[f"{key}/{name}/{child_name}"] = (
                    (f"{j}.{k}", "") if here else (f"s{i}", f"{name}/{child_name}"))
    return places
