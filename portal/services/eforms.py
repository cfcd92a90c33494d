"""Interactive e-forms: specifications as data, and one validator for a field or a page.

A form specification (``portal/data/forms/<procedure code>.json``, stored in
:class:`~portal.models.FormSpec`) has sections, and sections have fields. Field keys:

``name``, ``type``, ``label``, ``hint`` (shown under the label), ``help`` and ``example``
(the "Hướng dẫn" disclosure), ``required``, ``max_length``, ``min``/``max``, ``past`` (dates),
``options`` (radios, checkboxes, select), ``source`` (catalogue: gender, ethnicity,
nationality, id_document, province), ``autofill``
(``profile.*`` or ``applicant.*``), ``show_if`` (``{"field": f, "equals": v}`` or
``{"field": f, "in": [..]}``), ``birth_date_field``/``gender_field`` (cccd), and for
``group``: ``item_label``, ``min``, ``max``, ``fields``.

Values live in a flat mapping of input names to what was typed (strings; lists for
checkboxes), exactly as the browser sends them, so a draft can be saved one input at a time:

* a simple field: ``name``;
* a date: ``name-ngay``, ``name-thang``, ``name-nam``;
* an address: ``name-duong``, ``name-tinh``, ``name-xa``;
* the n-th item of a group (from 0): ``group.n.name`` (and its parts), with the number of
  items in ``group.count``.

:func:`check` validates one field of a page and :func:`check_section` all of them; both call
the same per-type rules, which also give the value's normal form (``+84 912 345 678`` →
``0912345678``; ``27-3-1990`` typed in the day box → 27 / 3 / 1990).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field as dc_field
from datetime import date
from typing import Any, Callable

from flask_babel import lazy_gettext as _l

from portal import clock
from portal.edge import date_from_parts
from portal.services.identity import (
    cccd_problems,
    email_problems,
    normalize_email,
    normalize_phone,
    phone_problems,
)

FIELD_TYPES = frozenset(
    "text textarea number money date radios checkboxes select catalogue cccd phone email "
    "tax_code address yesno declaration group".split())
#: Shared catalogues a ``catalogue`` field picks from. A commune is always chosen inside an
#: ``address`` field, whose commune list follows its province (with and without JavaScript).
SOURCES = frozenset("gender ethnicity nationality id_document province".split())
DATE_PARTS = ("ngay", "thang", "nam")
ADDRESS_PARTS = ("duong", "tinh", "xa")
YES, NO = "co", "khong"
MAX_GROUP_ITEMS = 50
_NAME = re.compile(r"[a-z][a-z0-9_]{0,59}")
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")
_SPACES = re.compile(r"\s+")


class SpecError(ValueError):
    """A form specification that cannot be used; ``problems`` says why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Field:
    """One field (or repeatable group) of a form specification."""

    name: str
    type: str
    label: str
    hint: str = ""
    help: str = ""
    example: str = ""
    required: bool = False
    max_length: int | None = None
    min: float | None = None
    max: float | None = None
    past: bool = False
    options: tuple[tuple[str, str], ...] = ()
    source: str = ""
    autofill: str = ""
    show_if: tuple[str, tuple[str, ...]] | None = None
    birth_date_field: str = ""
    gender_field: str = ""
    item_label: str = ""
    fields: tuple[Field, ...] = ()

    @property
    def parts(self) -> tuple[str, ...]:
        """The input-name suffixes of a composite field."""
        if self.type == "date":
            return DATE_PARTS
        if self.type == "address":
            return ADDRESS_PARTS
        return ()


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    intro: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Spec:
    procedure: str
    title: str
    form_number: str
    source: str
    addressee_hint: str
    declaration: str
    sections: tuple[Section, ...]
    #: Position of the dossier component this form stands for (the tờ khai itself), which
    #: then needs no upload; 0 when none.
    component: int = 0

    def section(self, key: str | None) -> Section:
        """The section with ``key``, or the first one."""
        return next((s for s in self.sections if s.key == key), self.sections[0])

    def next_section(self, section: Section) -> Section | None:
        index = self.sections.index(section)
        return self.sections[index + 1] if index + 1 < len(self.sections) else None

    def previous_section(self, section: Section) -> Section | None:
        index = self.sections.index(section)
        return self.sections[index - 1] if index else None

    def all_fields(self):
        """Every field, groups' own fields included, in order."""
        for section in self.sections:
            for f in section.fields:
                yield f
                yield from f.fields


# --- Reading a specification ----------------------------------------------------------------


def parse_spec(raw: dict) -> Spec:
    """A checked :class:`Spec` from its JSON form; :class:`SpecError` lists every problem."""
    problems: list[str] = []
    sections = []
    seen_sections: set[str] = set()
    names: dict[str, Field] = {}
    for index, raw_section in enumerate(raw.get("sections") or []):
        key = str(raw_section.get("key", ""))
        if not _SLUG.fullmatch(key) or key in seen_sections:
            problems.append(f"section {index}: key {key!r} missing, not a slug, or repeated")
        seen_sections.add(key)
        fields = tuple(_parse_fields(raw_section.get("fields") or [], f"{key}", names,
                                     problems, in_group=False))
        if not fields:
            problems.append(f"section {key}: no fields")
        sections.append(Section(key, _text(raw_section.get("title")),
                                _text(raw_section.get("intro")), fields))
    if not sections:
        problems.append("no sections")
    for name in ("procedure", "title"):
        if not _text(raw.get(name)):
            problems.append(f"{name} missing")
    component = raw.get("component", 0)
    if not isinstance(component, int) or isinstance(component, bool) or component < 0:
        problems.append("component: expected the position (1, 2 …) of a dossier component")
    if problems:
        raise SpecError(problems)
    return Spec(_text(raw["procedure"]), _text(raw["title"]), _text(raw.get("form_number")),
                _text(raw.get("source")), _text(raw.get("addressee_hint")),
                _text(raw.get("declaration")), tuple(sections), component)


def _parse_fields(raw_fields: list, where: str, names: dict[str, Field], problems: list[str],
                  in_group: bool, scope: dict[str, Field] | None = None) -> list[Field]:
    scope = names if scope is None else scope
    fields = []
    for raw in raw_fields:
        name, kind = str(raw.get("name", "")), raw.get("type")
        at = f"{where}/{name}"
        if not _NAME.fullmatch(name):
            problems.append(f"{at}: name must be lower-case ascii snake_case")
        if name in scope:
            problems.append(f"{at}: name repeated")
        if kind not in FIELD_TYPES or (in_group and kind == "group"):
            problems.append(f"{at}: unknown or misplaced type {kind!r}")
            continue
        problems.extend(_field_problems(raw, at, scope))
        options = tuple((str(o["value"]), _text(o["label"])) for o in raw.get("options") or [])
        if kind == "yesno":
            options = ((YES, str(_l("Có"))), (NO, str(_l("Không"))))
        source = str(raw.get("source", ""))
        show_if = None
        if raw.get("show_if"):
            cond = raw["show_if"]
            values = tuple(cond["in"]) if "in" in cond else (str(cond.get("equals", "")),)
            show_if = (str(cond.get("field", "")), values)
        children: tuple[Field, ...] = ()
        if kind == "group":
            children = tuple(_parse_fields(raw.get("fields") or [], at, names, problems,
                                           in_group=True, scope={}))
        f = Field(
            name=name, type=kind, label=_text(raw.get("label")), hint=_text(raw.get("hint")),
            help=_text(raw.get("help")), example=_text(raw.get("example")),
            required=bool(raw.get("required")) or kind == "declaration",
            max_length=raw.get("max_length"), min=raw.get("min"), max=raw.get("max"),
            past=bool(raw.get("past")), options=options, source=source,
            autofill=str(raw.get("autofill", "")), show_if=show_if,
            birth_date_field=str(raw.get("birth_date_field", "")),
            gender_field=str(raw.get("gender_field", "")),
            item_label=_text(raw.get("item_label")), fields=children)
        scope[name] = f
        fields.append(f)
    return fields


def _field_problems(raw: dict, at: str, scope: dict[str, Field]) -> list[str]:
    """What is wrong with one field's JSON (its type is known to be valid)."""
    kind, problems = raw["type"], []
    if not _text(raw.get("label")):
        problems.append(f"{at}: label missing")
    if kind != "group" and not _text(raw.get("hint")):
        problems.append(f"{at}: hint missing (every input has help, TT32-EF-3)")
    if kind in ("radios", "checkboxes", "select") and not raw.get("options"):
        problems.append(f"{at}: options missing")
    if kind == "catalogue" and raw.get("source") not in SOURCES:
        problems.append(f"{at}: unknown source {raw.get('source')!r}")
    if raw.get("show_if") and raw["show_if"].get("field") not in scope:
        problems.append(f"{at}: show_if refers to {raw['show_if'].get('field')!r}, "
                        "not an earlier field")
    for ref in ("birth_date_field", "gender_field"):
        if raw.get(ref) and raw[ref] not in scope:
            problems.append(f"{at}: {ref} {raw[ref]!r} is not an earlier field")
    return problems


def _text(value: Any) -> str:
    return unicodedata.normalize("NFC", str(value or "")).strip()


# --- Values ---------------------------------------------------------------------------------


@dataclass
class Instance:
    """A field as it appears on a page: in a group, its ``prefix`` is ``group.n.``."""

    field: Field
    prefix: str = ""

    @property
    def key(self) -> str:
        return self.prefix + self.field.name

    def input_names(self) -> list[str]:
        parts = self.field.parts
        return [f"{self.key}-{part}" for part in parts] if parts else [self.key]


def group_count(data: dict, group: Field) -> int:
    """How many items a group has (at least its minimum, at most its maximum)."""
    try:
        count = int(data.get(f"{group.name}.count", group.min or 0) or 0)
    except (TypeError, ValueError):
        count = int(group.min or 0)
    upper = int(group.max or MAX_GROUP_ITEMS)
    return max(int(group.min or 0), min(count, upper, MAX_GROUP_ITEMS))


def instances(section: Section, data: dict) -> list[Instance]:
    """The inputs of a section, groups expanded to their items (visible or not)."""
    found = []
    for f in section.fields:
        if f.type == "group":
            for n in range(group_count(data, f)):
                found.extend(Instance(child, f"{f.name}.{n}.") for child in f.fields)
        else:
            found.append(Instance(f))
    return found


def is_visible(spec: Spec, inst: Instance, data: dict) -> bool:
    """Whether a field is shown: its condition holds, and the field it depends on is shown.

    A hidden field counts as empty, so fields depending on it are hidden too."""
    f, depth = inst.field, 0
    while f.show_if is not None and depth < 20:
        other_name, values = f.show_if
        other = field_in_scope(spec, inst, other_name)
        if other is None:
            return False
        if _scalar(data, inst.prefix + other_name) not in values:
            return False
        f, depth = other, depth + 1
    return True


def field_in_scope(spec: Spec, inst: Instance, name: str) -> Field | None:
    if inst.prefix:
        group_name = inst.prefix.split(".", 1)[0]
        group = next((f for f in spec.all_fields() if f.name == group_name), None)
        if group is not None:
            found = next((c for c in group.fields if c.name == name), None)
            if found is not None:
                return found
    return next((f for f in spec.all_fields() if f.name == name), None)


def _scalar(data: dict, key: str) -> str:
    value = data.get(key, "")
    if isinstance(value, list):
        return value[0] if value else ""
    return str(value or "")


def clean_text(value: str, multiline: bool = False) -> str:
    """NFC, trimmed, runs of spaces collapsed (new lines kept in long text)."""
    value = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n")
    if multiline:
        return "\n".join(_SPACES.sub(" ", line).strip() for line in value.split("\n")).strip()
    return _SPACES.sub(" ", value).strip()


# --- Checking -------------------------------------------------------------------------------


@dataclass
class Result:
    """The outcome of checking one field: its error (or none) and normalised input values."""

    error: str | None = None
    values: dict[str, Any] = dc_field(default_factory=dict)


#: Options of a catalogue source: ``options(source, province_value)`` → [(value, label)].
OptionsFn = Callable[[str, str], list[tuple[str, str]]]


#: The longest value an input keeps; a field may name a shorter ``max_length``. A longer
#: value is never cut: it is refused with a message beside the field, and stays on the page.
MAX_VALUE_CHARS = 5000


def too_long(value: Any) -> bool:
    """Whether an input's value (text, or the list of a checkbox group) is too long to keep."""
    items = value if isinstance(value, list) else [value]
    return any(isinstance(item, str) and len(item) > MAX_VALUE_CHARS for item in items)


def _too_long_message(inst: Instance, data: dict) -> str | None:
    longest = max((len(item) for name in inst.input_names()
                   for item in (data.get(name) if isinstance(data.get(name), list)
                                else [data.get(name)])
                   if isinstance(item, str)), default=0)
    if longest <= MAX_VALUE_CHARS:
        return None
    return str(_l("Tối đa %(n)d ký tự (bạn đã nhập %(m)d). Phần đã nhập chưa được lưu; hãy "
                  "rút gọn.", n=MAX_VALUE_CHARS, m=longest))


def overlong(spec: Spec, section: Section, data: dict) -> dict[str, str]:
    """The message of every field of ``section`` whose value is too long to keep."""
    found = {inst.key: _too_long_message(inst, data) for inst in instances(section, data)}
    return {key: message for key, message in found.items() if message}


def check(spec: Spec, inst: Instance, data: dict, options: OptionsFn,
          today: date | None = None) -> Result:
    """Check one field against ``data``; hidden fields are always fine (and not kept)."""
    if not is_visible(spec, inst, data):
        return Result()
    message = _too_long_message(inst, data)
    if message:
        return Result(message)
    rule = _RULES[inst.field.type]
    return rule(spec, inst, data, options, today or clock.today())


def check_section(spec: Spec, section: Section, data: dict, options: OptionsFn,
                  today: date | None = None) -> tuple[dict[str, str], dict[str, Any]]:
    """Every error of a section (by field key) and the normalised values of its inputs."""
    errors, values = {}, {}
    for f in section.fields:
        if f.type == "group":
            count = group_count(data, f)
            values[f"{f.name}.count"] = str(count)
    for inst in instances(section, data):
        result = check(spec, inst, data, options, today)
        if result.error:
            errors[inst.key] = result.error
        values.update(result.values)
    return errors, values


def _missing(f: Field) -> str:
    if f.type in ("radios", "select", "catalogue", "yesno"):
        return str(_l("Hãy chọn %(label)s.", label=_lower_first(f.label)))
    if f.type == "declaration":
        return str(_l("Hãy đánh dấu vào ô cam đoan để tiếp tục."))
    return str(_l("Hãy nhập %(label)s.", label=_lower_first(f.label)))


def _empty(f: Field, values: dict) -> Result:
    """Nothing entered: an error only when the field is required."""
    return Result(_missing(f) if f.required else None, values)


def _lower_first(label: str) -> str:
    # "Họ, chữ đệm, tên" → "họ, chữ đệm, tên", but keep acronyms such as "CCCD".
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def _check_text(spec, inst, data, options, today, multiline=False) -> Result:
    f = inst.field
    value = clean_text(_scalar(data, inst.key), multiline)
    if not value:
        return _empty(f, {inst.key: ""})
    if f.max_length and len(value) > f.max_length:
        return Result(str(_l("Tối đa %(n)d ký tự (bạn đã nhập %(m)d).", n=f.max_length,
                             m=len(value))), {inst.key: value})
    return Result(None, {inst.key: value})


def _check_textarea(spec, inst, data, options, today) -> Result:
    return _check_text(spec, inst, data, options, today, multiline=True)


def parse_integer(raw: str) -> int | None:
    """``1 000``, ``1.000``, ``1,000`` and ``1000 đồng`` → 1000; None when not a whole number."""
    text = clean_text(raw).lower()
    text = re.sub(r"\s*(vnđ|vnd|đồng|đ)$", "", text)
    text = re.sub(r"[\s.,]", "", text)
    if not re.fullmatch(r"\d{1,15}", text):
        return None
    return int(text)


def format_vnd(amount: int) -> str:
    """1000000 → ``1.000.000`` (Vietnamese digit grouping)."""
    return f"{amount:,}".replace(",", ".")


def _check_number(spec, inst, data, options, today, money=False) -> Result:
    f = inst.field
    raw = clean_text(_scalar(data, inst.key))
    if not raw:
        return _empty(f, {inst.key: ""})
    number = parse_integer(raw)
    if number is None:
        message = (_l("Nhập số tiền bằng chữ số, ví dụ 50.000.000.") if money
                   else _l("Nhập một số nguyên bằng chữ số, ví dụ 2."))
        return Result(str(message), {inst.key: raw})
    shown = format_vnd(number) if money else str(number)
    if f.min is not None and number < f.min:
        return Result(str(_l("Số nhỏ nhất có thể nhập là %(n)s.", n=_num(f.min, money))),
                      {inst.key: shown})
    if f.max is not None and number > f.max:
        return Result(str(_l("Số lớn nhất có thể nhập là %(n)s.", n=_num(f.max, money))),
                      {inst.key: shown})
    return Result(None, {inst.key: shown})


def _num(value: float, money: bool) -> str:
    return format_vnd(int(value)) if money else str(int(value))


def _check_money(spec, inst, data, options, today) -> Result:
    return _check_number(spec, inst, data, options, today, money=True)


def date_parts(data: dict, key: str) -> tuple[str, str, str]:
    """The day, month and year typed for a date; a whole date typed in the day box
    (``27/3/1990``, ``27-03-1990``, ``27.3.1990``) is spread over the three."""
    day, month, year = (clean_text(_scalar(data, f"{key}-{p}")) for p in DATE_PARTS)
    whole = re.fullmatch(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})", day)
    if whole and not month and not year:
        day, month, year = whole.groups()
    return day, month, year


def parse_date(data: dict, key: str) -> date | None:
    """The date typed for ``key``; None when it is not a day on the calendar."""
    return date_from_parts(*date_parts(data, key))


def _check_date(spec, inst, data, options, today) -> Result:
    f, key = inst.field, inst.key
    day, month, year = date_parts(data, key)
    values = {f"{key}-ngay": day, f"{key}-thang": month, f"{key}-nam": year}
    if not (day or month or year):
        return _empty(f, values)
    if not day or not month or not year:
        missing = [label for part, label in ((day, _l("ngày")), (month, _l("tháng")),
                                             (year, _l("năm"))) if not part]
        return Result(str(_l("Hãy nhập cả %(parts)s.", parts=", ".join(map(str, missing)))),
                      values)
    value = parse_date(data, key)
    if value is None:
        if not (year.isascii() and year.isdigit() and len(year) == 4):
            return Result(str(_l("Năm gồm 4 chữ số, ví dụ 1990.")), values)
        return Result(str(_l("Ngày %(d)s/%(m)s/%(y)s không có trên lịch. Hãy kiểm tra lại.",
                             d=day, m=month, y=year)), values)
    values = {f"{key}-ngay": str(value.day), f"{key}-thang": str(value.month),
              f"{key}-nam": str(value.year)}
    if value.year < 1900:
        return Result(str(_l("Năm phải từ 1900 trở về sau.")), values)
    if f.past and value > today:
        return Result(str(_l("Ngày này chưa tới. Hãy nhập một ngày đã qua.")), values)
    return Result(None, values)


def _check_choice(spec, inst, data, options, today) -> Result:
    f = inst.field
    value = _scalar(data, inst.key).strip()
    if not value:
        return _empty(f, {inst.key: ""})
    allowed = {v for v, _label in field_options(spec, inst, data, options)}
    if value not in allowed:
        return Result(str(_l("Hãy chọn một trong các mục có sẵn.")), {inst.key: ""})
    return Result(None, {inst.key: value})


def _check_checkboxes(spec, inst, data, options, today) -> Result:
    f = inst.field
    raw = data.get(inst.key) or []
    chosen = [raw] if isinstance(raw, str) else list(raw)
    allowed = [v for v, _label in f.options]
    kept = [v for v in allowed if v in chosen]
    if not kept and f.required:
        return Result(_missing(f), {inst.key: []})
    return Result(None, {inst.key: kept})


def _check_declaration(spec, inst, data, options, today) -> Result:
    checked = _scalar(data, inst.key) == "y"
    if not checked and inst.field.required:
        return Result(_missing(inst.field), {inst.key: ""})
    return Result(None, {inst.key: "y" if checked else ""})


def field_options(spec: Spec, inst: Instance, data: dict,
                  options: OptionsFn) -> list[tuple[str, str]]:
    """The choices of a radios, select, yes/no or catalogue field."""
    f = inst.field
    if f.type != "catalogue":
        return list(f.options)
    return options(f.source, "")


def _check_cccd(spec, inst, data, options, today) -> Result:
    f = inst.field
    raw = clean_text(_scalar(data, inst.key))
    if not raw:
        return _empty(f, {inst.key: ""})
    number = re.sub(r"[\s.\-]", "", raw)
    birth = parse_date(data, inst.prefix + f.birth_date_field) if f.birth_date_field else None
    gender = _scalar(data, inst.prefix + f.gender_field) if f.gender_field else None
    problems = cccd_problems(number, birth, gender)
    shown = number if re.fullmatch(r"\d{12}", number) else raw
    return Result(problems[0] if problems else None, {inst.key: shown})


def _normalising(normalize: Callable[[str], str | None], problem: Callable[[str], str]):
    """The rule of a value with one normal form: empty, wrong (what was typed is kept, with
    ``problem``'s message) or stored normalised."""

    def rule(spec, inst, data, options, today) -> Result:
        f = inst.field
        raw = clean_text(_scalar(data, inst.key))
        if not raw:
            return _empty(f, {inst.key: ""})
        value = normalize(raw)
        if value is None:
            return Result(problem(raw), {inst.key: raw})
        return Result(None, {inst.key: value})

    return rule


def normalize_tax_code(raw: str) -> str | None:
    """A tax code (mã số thuế) in its normal form: 10 digits, 10 digits ``-`` 3 digits for a
    branch, or the 12-digit personal ID that serves as an individual's tax code since
    01/07/2025; None otherwise."""
    digits = re.sub(r"[\s.]", "", raw or "")
    match = re.fullmatch(r"(\d{10})-?(\d{3})?", digits)
    if match and (match.group(2) is None or len(digits) >= 13):
        return match.group(1) + (f"-{match.group(2)}" if match.group(2) else "")
    if re.fullmatch(r"\d{12}", digits):
        return digits
    return None


def _tax_code_problem(raw: str) -> str:
    return str(_l("Mã số thuế gồm 10 chữ số (đơn vị phụ thuộc: thêm 3 chữ số, ví dụ "
                  "0101234567-001), hoặc số định danh cá nhân 12 chữ số."))


def _check_address(spec, inst, data, options, today) -> Result:
    f, key = inst.field, inst.key
    street = clean_text(_scalar(data, f"{key}-duong"))
    province = _scalar(data, f"{key}-tinh").strip()
    commune = _scalar(data, f"{key}-xa").strip()
    values = {f"{key}-duong": street, f"{key}-tinh": province, f"{key}-xa": commune}
    if not (street or province or commune):
        return _empty(f, values)
    if province not in {v for v, _label in options("province", "")}:
        values[f"{key}-tinh"] = values[f"{key}-xa"] = ""
        return Result(str(_l("Hãy chọn tỉnh, thành phố.")), values)
    if commune not in {v for v, _label in options("commune", province)}:
        values[f"{key}-xa"] = ""
        return Result(str(_l("Hãy chọn xã, phường, đặc khu thuộc tỉnh đã chọn.")), values)
    if not street:
        return Result(str(_l("Hãy nhập số nhà, đường, thôn, ấp hoặc tổ dân phố.")), values)
    if len(street) > 200:
        return Result(str(_l("Tối đa %(n)d ký tự (bạn đã nhập %(m)d).", n=200, m=len(street))),
                      values)
    return Result(None, values)


_RULES = {
    "text": _check_text, "textarea": _check_textarea, "number": _check_number,
    "money": _check_money, "date": _check_date, "radios": _check_choice,
    "select": _check_choice, "catalogue": _check_choice, "yesno": _check_choice,
    "checkboxes": _check_checkboxes, "declaration": _check_declaration, "cccd": _check_cccd,
    "phone": _normalising(normalize_phone, lambda raw: phone_problems(raw)[0]),
    "email": _normalising(normalize_email, lambda raw: email_problems(raw)[0]),
    "tax_code": _normalising(normalize_tax_code, _tax_code_problem),
    "address": _check_address,
}


def input_keys(spec: Spec, section: Section, data: dict) -> set[str]:
    """Every input name a section may send (used to keep only known keys from a request)."""
    keys = {f"{f.name}.count" for f in section.fields if f.type == "group"}
    for inst in instances(section, data):
        keys.update(inst.input_names())
    return keys


def all_input_keys(spec: Spec, data: dict) -> set[str]:
    keys: set[str] = set()
    for section in spec.sections:
        keys |= input_keys(spec, section, data)
    return keys


# --- Answers in words (review page, printout, documents) ------------------------------------


def display_value(spec: Spec, inst: Instance, data: dict, options: OptionsFn) -> str:
    """A field's answer in words, for the review page and the printout."""
    f, key = inst.field, inst.key
    if f.type == "date":
        day, month, year = date_parts(data, key)
        return f"{day}/{month}/{year}" if day or month or year else ""
    if f.type == "address":
        street = data.get(f"{key}-duong", "")
        province = dict(options("province", "")).get(data.get(f"{key}-tinh", ""), "")
        commune = dict(options("commune", data.get(f"{key}-tinh", ""))).get(
            data.get(f"{key}-xa", ""), "")
        return ", ".join(p for p in (street, commune, province) if p)
    if f.type == "declaration":
        return str(_l("Đã cam đoan")) if data.get(key) == "y" else ""
    if f.type in ("radios", "select", "yesno", "catalogue"):
        return dict(field_options(spec, inst, data, options)).get(
            str(data.get(key, "")), "")
    if f.type == "checkboxes":
        raw = data.get(key) or []
        chosen = [raw] if isinstance(raw, str) else raw
        return ", ".join(label for value, label in f.options if value in chosen)
    value = data.get(key, "")
    return value if isinstance(value, str) else ""


def answers(spec: Spec, data: dict, options: OptionsFn):
    """Every section with its visible answers: [(section, [(label, answer, key)])]."""
    result = []
    for section in spec.sections:
        rows = []
        for inst in instances(section, data):
            if not is_visible(spec, inst, data):
                continue
            label = inst.field.label
            if inst.prefix:
                group_name, number, _rest = inst.prefix.split(".", 2)
                group = next(f for f in section.fields if f.name == group_name)
                label = f"{group.item_label or group.label} {int(number) + 1}: {label}"
            rows.append((label, display_value(spec, inst, data, options), inst.key))
        result.append((section, rows))
    return result
