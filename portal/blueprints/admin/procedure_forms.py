"""The procedure editor's forms: the 11 items of TT32 with repeatable rows, the list filters
and the catalogue import.

Rows are WTForms ``FieldList`` entries named ``<list>-<n>-<field>``. The row buttons
("Thêm dòng", "Xóa dòng", "Lên", "Xuống") are submit buttons ``name="action"``
(``them:thanh-phan``, ``xoa:thanh-phan:2``…): :func:`change_rows` rewrites the posted data,
so the form comes back with everything typed so far, with or without JavaScript.
"""
from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, ValidationError

from portal.blueprints.admin.procedure_rows import (
    ChannelRow,
    ComponentRow,
    FeeRow,
    LegalRow,
    PlanRow,
    StepRow,
    listed,
    rows_out,
)
from portal.edge import parse_int
from portal.extensions import db
from portal.forms import choices
from portal.models import Channel
from portal.services import catalog_io, parsing, procedure_editor
from portal.text import clean, clean_block

#: Row lists: the slug used in button values and anchors → the form's field name.
LISTS = {"buoc": "steps", "thanh-phan": "components", "phi": "fees", "can-cu": "legal_bases",
         "quy-trinh": "plan"}
#: What a new row holds (checkboxes only count when posted, so "required" is set here).
NEW_ROWS: dict[str, dict[str, str]] = {
    "steps": {"text": ""},
    "components": {"name": "", "originals": "1", "copies": "0", "required": "y"},
    "fees": {"kind": "le_phi", "amount": "", "currency": "VND", "description": ""},
    "legal_bases": {"number": "", "issued": "", "issuer": "", "title": ""},
    "plan": {"name": "", "role": "processor", "days": ""},
}
_ACTION = re.compile(r"^(them|xoa|len|xuong):([a-z-]+)(?::(\d+))?$")
LEVELS = {"toan-trinh": "Toàn trình", "mot-phan": "Một phần"}
LEVEL_CHOICES = [("", _l("Chưa xác định")), ("toan-trinh", _l("Toàn trình (Nghị định 42/2022)")),
                 ("mot-phan", _l("Một phần (Nghị định 42/2022)")),
                 *((str(n), _l("Mức độ %(n)d (Thông tư 32/2017)", n=n)) for n in range(1, 5))]
APPLICANTS = [("individual", _l("Cá nhân")), ("organisation", _l("Tổ chức, doanh nghiệp"))]


class ProcedureForm(FlaskForm):
    """Every item of a procedure (TT32-LV1-01 … -11), its service level and process plan."""

    code = StringField(_l("Mã thủ tục"), validators=[DataRequired(_l("Nhập mã thủ tục."))],
                       description=_l("Mã trên Cơ sở dữ liệu quốc gia, ví dụ 1.001193."))
    name = TextAreaField(_l("Tên thủ tục"), validators=[
        DataRequired(_l("Nhập tên thủ tục.")), Length(max=1000)])
    field = SelectField(_l("Lĩnh vực"), validate_choice=False,
                        validators=[DataRequired(_l("Chọn lĩnh vực."))])
    steps = FieldList(FormField(StepRow))
    channels = FieldList(FormField(ChannelRow), min_entries=3, max_entries=3)
    method_text = TextAreaField(_l("Mô tả thêm về cách thức thực hiện"))
    components = FieldList(FormField(ComponentRow))
    processing_time = TextAreaField(
        _l("Thời hạn giải quyết"),
        description=_l("Ghi như văn bản công bố, ví dụ: 05 ngày làm việc kể từ ngày nhận đủ "
                       "hồ sơ hợp lệ. Số ngày được đọc ra để tính hạn trả kết quả."))
    subjects = TextAreaField(_l("Đối tượng thực hiện"))
    applicant_types = SelectMultipleField(
        _l("Loại đối tượng"), choices=choices(APPLICANTS), validate_choice=False,
        description=_l("Để trống thì cổng tự nhận biết từ phần Đối tượng thực hiện."))
    agency = SelectField(_l("Cơ quan, đơn vị giải quyết trên cổng"), validate_choice=False)
    authority = StringField(_l("Cơ quan thực hiện (theo văn bản công bố)"))
    competent_authority = StringField(_l("Cơ quan có thẩm quyền quyết định"))
    agency_level = StringField(_l("Cấp thực hiện"), description=_l("Ví dụ: Cấp xã."))
    result = TextAreaField(_l("Kết quả thực hiện"))
    fees = FieldList(FormField(FeeRow))
    fees_text = TextAreaField(
        _l("Phí, lệ phí theo văn bản công bố"),
        description=_l("Hiện nguyên văn trên trang thủ tục; để trống nếu các khoản ở trên "
                       "đã đủ. Ghi \u201cKhông có\u201d nếu miễn phí."))
    forms = TextAreaField(_l("Mẫu đơn, tờ khai"), description=_l("Mỗi dòng một mẫu."))
    requirements = TextAreaField(_l("Yêu cầu, điều kiện"),
                                 description=_l("Ghi \u201cKhông có\u201d nếu không có."))
    legal_bases = FieldList(FormField(LegalRow))
    announcing_decision = StringField(_l("Quyết định công bố thủ tục"))
    level = SelectField(_l("Mức độ dịch vụ công trực tuyến"), choices=choices(LEVEL_CHOICES),
                        validate_choice=False,
                        validators=[listed(*(value for value, _label in LEVEL_CHOICES))])
    online_result = BooleanField(_l("Trả kết quả điện tử"))
    plan = FieldList(FormField(PlanRow))

    def setup(self, fields: list[str], agencies: list[tuple[int, str]],
              procedure_id: int | None) -> ProcedureForm:
        """Give the form its choices and the procedure it edits (for the unique code)."""
        known = list(fields)
        if self.field.data and self.field.data not in known:
            known.append(self.field.data)  # a field only an import has named so far
        self.field.choices = choices([("", _l("Chọn lĩnh vực"))] + [(f, f) for f in known])
        self.agency.choices = choices([("", _l("Không gắn đơn vị"))]
                                      + [(str(i), n) for i, n in agencies])
        self.procedure_id = procedure_id
        return self

    def validate_code(self, field) -> None:
        code = clean(field.data) or ""
        if not catalog_io.CODE_PATTERN.fullmatch(code):
            raise ValidationError(_l("Mã thủ tục gồm các số và dấu chấm, ví dụ 1.001193."))
        if procedure_editor.code_in_use(db.session, code, exclude_id=self.procedure_id):
            raise ValidationError(_l("Mã thủ tục này đã có thủ tục khác dùng."))

    def error_links(self) -> list[tuple[str | None, str]]:
        """Every error as (id of the field, message), rows included, for the summary."""
        links: list[tuple[str | None, str]] = [(None, str(m)) for m in self.form_errors]
        for item in self:
            if isinstance(item, FieldList):
                links += [(sub.id, str(sub.errors[0]))
                          for entry in item for sub in entry.form if sub.errors]
            elif item.errors and isinstance(item.errors, list):
                links.append((item.id, str(item.errors[0])))
        return links

    def record(self, base: dict[str, Any] | None = None) -> dict[str, Any]:
        """The form as revision data; keys it does not show are kept from ``base``."""
        data = dict(base or {})
        for key, item in (("agency", self.authority), ("competent_authority",
                                                       self.competent_authority),
                          ("agency_level", self.agency_level),
                          ("announcing_decision", self.announcing_decision)):
            data[key] = clean(item.data)
        for key in ("subjects", "method_text", "processing_time", "result", "requirements"):
            data[key] = clean_block(self[key].data)
        fees = rows_out(self.fees)
        data.update({
            "code": clean(self.code.data), "name": clean(self.name.data),
            "field": self.field.data, "steps": rows_out(self.steps),
            "dossier_components": rows_out(self.components),
            "fees": fees or clean_block(self.fees_text.data),
            "fees_text": clean_block(self.fees_text.data),
            "legal_basis": rows_out(self.legal_bases),
            "forms": [line for line in (clean(x) for x in (self.forms.data or "").splitlines())
                      if line],
            "level": LEVELS.get(self.level.data) or (int(self.level.data)
                                                     if self.level.data else None),
            "online_result": bool(self.online_result.data),
            "agency_id": parse_int(self.agency.data),
            "applicant_types": list(self.applicant_types.data or []),
            "process_plan": rows_out(self.plan) or None,
        })
        data.update(_channels_out(self.channels))
        return data


def _channels_out(channels: FieldList) -> dict[str, Any]:
    method, details = [], []
    for channel, entry in zip(Channel, channels):
        row = entry.form
        if not row.enabled.data:
            continue
        name = catalog_io.CHANNEL_NAMES[channel]
        method.append(name)
        extra = {key: clean(row[key].data) for key in ("processing_time", "fee", "note")}
        if any(extra.values()):
            details.append({"method": name, **extra})
    return {"method": method, "channels": details or None}


def form_data(data: dict[str, Any] | None) -> dict[str, Any]:
    """Revision data (or nothing, for a new procedure) as the form's initial data."""
    if not data:
        return {"steps": [{}], "components": [NEW_ROWS["components"] | {"required": True}],
                "channels": [{}, {}, {}], "level": ""}
    fees = data.get("fees")
    level = data.get("level")
    return {
        "code": data.get("code"), "name": data.get("name"), "field": data.get("field"),
        "agency": str(data.get("agency_id") or ""), "authority": data.get("agency"),
        "competent_authority": data.get("competent_authority"),
        "agency_level": data.get("agency_level"), "subjects": data.get("subjects"),
        "applicant_types": data.get("applicant_types") or [],
        "method_text": data.get("method_text"), "processing_time": data.get("processing_time"),
        "result": data.get("result"), "requirements": data.get("requirements"),
        "fees_text": data.get("fees_text") if isinstance(fees, list) else fees,
        "forms": "\n".join(data.get("forms") or []),
        "announcing_decision": data.get("announcing_decision"),
        "level": {v: k for k, v in LEVELS.items()}.get(level, str(level or "")),
        "online_result": bool(data.get("online_result")),
        "steps": [{"text": text} for text in data.get("steps") or []],
        "components": [ComponentRow.initial(c) for c in data.get("dossier_components") or []],
        "fees": [FeeRow.initial(f) for f in fees] if isinstance(fees, list) else [],
        "legal_bases": [LegalRow.initial(b) for b in data.get("legal_basis") or []],
        "channels": _channels_in(data),
        "plan": [PlanRow.initial(step) for step in data.get("process_plan") or []],
    }


def _channels_in(data: dict[str, Any]) -> list[dict[str, Any]]:
    chosen = {parsing.parse_channel(name) for name in data.get("method") or []}
    details = {parsing.parse_channel(item.get("method") or ""): item
               for item in data.get("channels") or [] if isinstance(item, dict)}
    return [{"enabled": channel in chosen or channel in details,
             "processing_time": details.get(channel, {}).get("processing_time"),
             "fee": details.get(channel, {}).get("fee"),
             "note": details.get(channel, {}).get("note")} for channel in Channel]


def change_rows(formdata: MultiDict, action: str) -> tuple[MultiDict, str] | None:
    """Apply a row button to the posted data: ``(new data, list name)``, or None when
    ``action`` is not a row button. Rows are renumbered from 0, so nothing typed is lost."""
    match = _ACTION.fullmatch(action or "")
    if not match or match.group(2) not in LISTS:
        return None
    verb, name = match.group(1), LISTS[match.group(2)]
    rows = _rows(formdata, name)
    index = int(match.group(3) or 0)
    if verb == "them":
        rows.append(list(NEW_ROWS[name].items()))
    elif index < len(rows):
        if verb == "xoa":
            del rows[index]
        else:
            other = index - 1 if verb == "len" else index + 1
            if 0 <= other < len(rows):
                rows[index], rows[other] = rows[other], rows[index]
    prefix = f"{name}-"
    result = MultiDict([(k, v) for k, v in formdata.items(multi=True)
                        if not k.startswith(prefix)])
    for number, row in enumerate(rows):
        for key, value in row:
            result.add(f"{name}-{number}-{key}", value)
    return result, name


def _rows(formdata: MultiDict, name: str) -> list[list[tuple[str, str]]]:
    pattern = re.compile(rf"^{re.escape(name)}-(\d+)-(.+)$")
    rows: dict[int, list[tuple[str, str]]] = {}
    for key, value in formdata.items(multi=True):
        if found := pattern.match(key):
            rows.setdefault(int(found.group(1)), []).append((found.group(2), value))
    return [rows[number] for number in sorted(rows)]


def slug_of(name: str) -> str:
    """The slug of a row list (``components`` → ``thanh-phan``)."""
    return next(slug for slug, field_name in LISTS.items() if field_name == name)


class FilterForm(FlaskForm):
    """Filters of the editors' procedure list (a GET form)."""

    class Meta:
        csrf = False

    q = StringField(_l("Tìm theo tên hoặc mã"), name="tu-khoa")
    field = SelectField(_l("Lĩnh vực"), name="linh-vuc", validate_choice=False)
    state = SelectField(_l("Trạng thái"), name="trang-thai", choices=choices([
        ("", _l("Tất cả")), ("da-xuat-ban", _l("Đã xuất bản")),
        ("chua-xuat-ban", _l("Chưa xuất bản"))]))

    def published(self) -> bool | None:
        return {"da-xuat-ban": True, "chua-xuat-ban": False}.get(self.state.data or "")


class ImportForm(FlaskForm):
    """Upload of a catalogue file to import in the background."""

    file = FileField(_l("Tệp JSON"), validators=[FileRequired(_l("Chọn tệp JSON để nhập."))],
                     description=_l("Mảng các thủ tục theo định dạng trao đổi danh mục; "
                                    "tối đa 10 MB."))
    publish = BooleanField(_l("Xuất bản các thủ tục được nhập"))
    strict = BooleanField(_l("Chỉ nhập khi mọi bản ghi đều hợp lệ"),
                          description=_l("Nếu có bản ghi lỗi thì không nhập bản ghi nào."))
