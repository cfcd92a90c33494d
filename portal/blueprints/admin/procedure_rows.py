"""The repeatable rows of the procedure editor: steps, dossier components, fees, legal bases,
channels and process-plan steps.

Each row form says when it is *blank* (an untouched row is left out rather than refused),
turns itself into the item of the catalogue exchange record (:meth:`out`) and back
(:meth:`initial`). Messages sit beside the field at fault.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FieldList, Form, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, ValidationError

from portal.edge import parse_int
from portal.forms import choices
from portal.models import FeeKind
from portal.services import catalog_io, parsing
from portal.text import clean, clean_block, fold

ROLE_LABELS = {"receiver": _l("Cán bộ một cửa"), "processor": _l("Chuyên viên xử lý"),
               "approver": _l("Lãnh đạo phê duyệt")}
_FILE_TYPE = re.compile(r"^[a-z0-9]{1,10}$")
#: Attributes of short boxes (shown side by side on wide screens) and of text areas.
SHORT = {"data-width": "short"}
NUMERIC = {"inputmode": "numeric", **SHORT}
ROWS = {"rows": 3}


def listed(*values: str) -> AnyOf:
    """The value must be one of the select's options (browsers only send those)."""
    return AnyOf(values, message=_l("Chọn một mục trong danh sách."))


class Row(Form):
    """A row of a repeatable list."""

    def blank(self) -> bool:
        """True for a row nobody filled in (left out when saving)."""
        return False

    def out(self) -> Any:
        raise NotImplementedError


def rows_out(rows: FieldList) -> list:
    """The filled rows of a list as exchange-format items."""
    return [entry.form.out() for entry in rows if not entry.form.blank()]


def _count(text: str | None, *, minimum: int = 0) -> int | None:
    """A whole number typed in a box; None when empty; -1 when not a whole number."""
    text = clean(text)
    if text is None:
        return None
    return parse_int(text, -1, minimum=minimum)


class StepRow(Row):
    """One step of the sequence (TT32-LV1-02)."""

    text = TextAreaField(_l("Nội dung bước"), render_kw=ROWS)

    def blank(self) -> bool:
        return not clean_block(self.text.data)

    def out(self) -> str | None:
        return clean_block(self.text.data)


class ComponentRow(Row):
    """A paper of the dossier (TT32-LV1-04) and the rules for its files."""

    name = TextAreaField(_l("Tên giấy tờ"), render_kw=ROWS)
    originals = StringField(_l("Số bản chính"), default="1", render_kw=NUMERIC)
    copies = StringField(_l("Số bản sao"), default="0", render_kw=NUMERIC)
    required = BooleanField(_l("Bắt buộc"), default=True)
    presentation_only = BooleanField(_l("Chỉ xuất trình để đối chiếu, không nộp"))
    note = TextAreaField(_l("Ghi chú"), render_kw={"rows": 2})
    accepted_types = StringField(
        _l("Loại tệp nhận"),
        description=_l("Đuôi tệp, cách nhau bằng dấu phẩy, ví dụ pdf,jpg,png. Để trống: theo "
                       "mặc định của cổng."))
    max_size_mb = StringField(_l("Dung lượng tối đa mỗi tệp (MB)"), render_kw=NUMERIC,
                              description=_l("Để trống: theo mặc định của cổng."))

    def blank(self) -> bool:
        texts = (self.name, self.note, self.accepted_types, self.max_size_mb)
        return not any(clean(f.data) for f in texts)

    def validate_name(self, field) -> None:
        if not clean_block(field.data) and not self.blank():
            raise ValidationError(_l("Nhập tên giấy tờ."))

    def validate_originals(self, field) -> None:
        if _count(field.data) == -1:
            raise ValidationError(_l("Số bản chính là số nguyên từ 0 trở lên."))

    def validate_copies(self, field) -> None:
        if _count(field.data) == -1:
            raise ValidationError(_l("Số bản sao là số nguyên từ 0 trở lên."))

    def validate_max_size_mb(self, field) -> None:
        if _count(field.data, minimum=1) == -1:
            raise ValidationError(_l("Dung lượng là số MB nguyên, từ 1 trở lên."))

    def validate_accepted_types(self, field) -> None:
        if not all(_FILE_TYPE.match(kind) for kind in self.file_types()):
            raise ValidationError(_l("Ghi đuôi tệp cách nhau bằng dấu phẩy, ví dụ pdf,jpg,png."))

    def file_types(self) -> list[str]:
        return [kind.strip().lstrip(".").lower()
                for kind in (self.accepted_types.data or "").split(",") if kind.strip()]

    def out(self) -> dict[str, Any]:
        return {
            "name": clean_block(self.name.data),
            "originals": max(_count(self.originals.data) or 0, 0),
            "copies": max(_count(self.copies.data) or 0, 0),
            "required": bool(self.required.data),
            "presentation_only": bool(self.presentation_only.data),
            "note": clean_block(self.note.data),
            "accepted_types": ",".join(self.file_types()) or None,
            "max_size_mb": _count(self.max_size_mb.data, minimum=1),
        }

    @staticmethod
    def initial(item: dict[str, Any]) -> dict[str, Any]:
        return {"name": item.get("name"), "originals": str(item.get("originals", 1)),
                "copies": str(item.get("copies", 0)), "required": item.get("required", True),
                "presentation_only": bool(item.get("presentation_only")),
                "note": item.get("note"), "accepted_types": item.get("accepted_types"),
                "max_size_mb": str(item.get("max_size_mb") or "")}


class FeeRow(Row):
    """A fee or charge (TT32-LV1-09); no amount means "as set by the competent authority"."""

    kind = SelectField(_l("Loại"), choices=choices([("le_phi", _l("Lệ phí")), ("phi", _l("Phí"))]),
                       validate_choice=False, validators=[listed("le_phi", "phi")])
    amount = StringField(_l("Số tiền"), render_kw={"inputmode": "decimal", **SHORT}, description=_l(
        "Ví dụ 50.000. Để trống nếu mức thu do cơ quan có thẩm quyền quy định."))
    currency = SelectField(_l("Đơn vị tiền"), choices=choices([("VND", "VND"), ("USD", "USD")]),
                           validate_choice=False, validators=[listed("VND", "USD")])
    description = TextAreaField(_l("Diễn giải"), render_kw={"rows": 2})

    def amount_text(self) -> str | None:
        """The amount as typed, or None when it is left to the competent authority."""
        text = clean(self.amount.data)
        return None if text is None or fold(text).startswith("theo") else text

    def validate_amount(self, field) -> None:
        text = self.amount_text()
        if text is not None and parsing.parse_amount(text, self.currency.data) is None:
            raise ValidationError(_l("Nhập số tiền, ví dụ 50.000; hoặc để trống nếu mức thu "
                                     "theo quy định."))

    def out(self) -> dict[str, Any]:
        kind = FeeKind.FEE if self.kind.data == "phi" else FeeKind.CHARGE
        return {"kind": catalog_io.KIND_NAMES[kind], "amount": self.amount_text(),
                "currency": self.currency.data or "VND",
                "description": clean(self.description.data)}

    @staticmethod
    def initial(item: dict[str, Any]) -> dict[str, Any]:
        amount = item.get("amount")
        if isinstance(amount, int):
            amount = f"{amount:,}".replace(",", ".")  # as Vietnamese write money
        return {"kind": parsing.fee_kind(item.get("kind")).value,
                "amount": "" if amount is None else str(amount),
                "currency": item.get("currency") or "VND", "description": item.get("description")}


class LegalRow(Row):
    """A legal document (TT32-LV1-11)."""

    number = StringField(_l("Số, ký hiệu"), render_kw=SHORT,
                         description=_l("Ví dụ 123/2015/NĐ-CP."))
    issued = StringField(_l("Ngày ban hành"), render_kw=SHORT,
                         description=_l("Ví dụ 15/11/2015."))
    issuer = StringField(_l("Cơ quan ban hành"))
    title = TextAreaField(_l("Tên, trích yếu"), render_kw=ROWS)

    def blank(self) -> bool:
        return not any(clean(f.data) for f in self)

    def validate_number(self, field) -> None:
        if not self.blank() and not (clean(field.data) or clean(self.title.data)):
            raise ValidationError(_l("Nhập số, ký hiệu hoặc tên văn bản."))

    def validate_issued(self, field) -> None:
        if clean(field.data) and parsing.parse_date(clean(field.data)) is None:
            raise ValidationError(_l("Ngày ban hành chưa đúng, ví dụ 15/11/2015."))

    def out(self) -> dict[str, Any]:
        issued = parsing.parse_date(clean(self.issued.data))
        return {"number": clean(self.number.data), "issued": issued.isoformat() if issued else None,
                "issuer": clean(self.issuer.data), "title": clean(self.title.data)}

    @staticmethod
    def initial(item: dict[str, Any]) -> dict[str, Any]:
        issued = parsing.parse_date(item.get("issued"))
        return {"number": item.get("number"), "issuer": item.get("issuer"),
                "title": item.get("title"), "issued": f"{issued:%d/%m/%Y}" if issued else ""}


class ChannelRow(Row):
    """One of the three channels (TT32-LV1-10): used or not, with its own details."""

    enabled = BooleanField(_l("Áp dụng cách nộp này"))
    processing_time = StringField(_l("Thời hạn riêng"),
                                  description=_l("Để trống nếu như thời hạn chung."))
    fee = StringField(_l("Phí, lệ phí riêng"), description=_l("Để trống nếu như mục phí chung."))
    note = StringField(_l("Ghi chú"))


class PlanRow(Row):
    """A step of the one-stop office's internal process, its role and its working days."""

    name = StringField(_l("Tên bước"))
    role = SelectField(_l("Người thực hiện"), choices=choices(ROLE_LABELS.items()),
                       validate_choice=False, validators=[listed(*ROLE_LABELS)])
    days = StringField(_l("Số ngày làm việc"), render_kw={"inputmode": "decimal", **SHORT},
                       description=_l("Phần thời hạn dành cho bước này, ví dụ 2 hoặc 0,5."))

    def blank(self) -> bool:
        return not (clean(self.name.data) or clean(self.days.data))

    def validate_name(self, field) -> None:
        if not clean(field.data) and not self.blank():
            raise ValidationError(_l("Nhập tên bước."))

    def validate_days(self, field) -> None:
        if not self.blank() and self.day_count() is None:
            raise ValidationError(_l("Nhập số ngày làm việc từ 0 trở lên, ví dụ 2 hoặc 0,5."))

    def day_count(self) -> Decimal | None:
        try:
            days = Decimal((clean(self.days.data) or "0").replace(",", "."))
        except InvalidOperation:
            return None
        return days if days.is_finite() and days >= 0 else None

    def out(self) -> dict[str, Any]:
        days = self.day_count() or Decimal(0)
        return {"name": clean(self.name.data), "role": self.role.data,
                "days": int(days) if days == days.to_integral_value() else float(days)}

    @staticmethod
    def initial(item: dict[str, Any]) -> dict[str, Any]:
        return {"name": item.get("name"), "role": item.get("role"),
                "days": str(item.get("days", "")).replace(".", ",")}
