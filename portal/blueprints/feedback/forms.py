"""Forms for feedback and petitions: the public form, and the one officers fill in for
feedback received by phone, letter, e-mail or in person."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.forms import choices, person_name
from portal.models import PetitionChannel
from portal.services import petitions
from portal.services.dossiers import CODE_FORMAT
from portal.services.identity import email_problems
from portal.services.tracking import normalize_code

CHANNEL_LABELS = {
    PetitionChannel.WEB: _l("Cổng Dịch vụ công"),
    PetitionChannel.PHONE: _l("Điện thoại"),
    PetitionChannel.LETTER: _l("Thư, văn bản gửi qua bưu chính"),
    PetitionChannel.EMAIL: _l("Thư điện tử"),
    PetitionChannel.IN_PERSON: _l("Trực tiếp tại cơ quan"),
}


def _max(n: int):
    return Length(max=n, message=_l("Nhập tối đa %(n)d ký tự.", n=n))


def _email(_form, field) -> None:
    if field.data and email_problems(field.data):
        raise ValidationError(email_problems(field.data)[0])


def _phone(_form, field) -> None:
    if field.data and petitions.normalize_phone(field.data) is None:
        raise ValidationError(_l("Nhập số điện thoại gồm 10 chữ số (di động) hoặc 11 chữ số "
                                 "(cố định), ví dụ 0912 345 678."))


def _dossier_code(_form, field) -> None:
    if field.data and not re.match(CODE_FORMAT, normalize_code(field.data)):
        raise ValidationError(_l("Mã hồ sơ có dạng như 000.01.99.H49-250715-0001 (in trên "
                                 "giấy tiếp nhận). Nếu không có mã, để trống ô này."))


class PetitionForm(FlaskForm):
    """What the feedback is about, what it says, and who sent it."""

    procedure = SelectField(_l("Thủ tục hành chính liên quan (nếu có)"), choices=[],
                            default="", validate_choice=False)
    dossier_code = StringField(_l("Mã hồ sơ liên quan (nếu có)"),
                               validators=[Optional(), _max(40), _dossier_code],
                               render_kw={"spellcheck": "false", "autocomplete": "off",
                                          "autocapitalize": "characters"})
    subject = StringField(_l("Tiêu đề"), validators=[
        DataRequired(_l("Nhập tiêu đề, ví dụ “Chậm trả kết quả đăng ký khai sinh”.")),
        _max(200)])
    body = TextAreaField(_l("Nội dung phản ánh, kiến nghị"), validators=[
        DataRequired(_l("Nhập nội dung phản ánh, kiến nghị.")), _max(5000)],
        render_kw={"rows": 8})
    name = StringField(_l("Họ và tên"), validators=[DataRequired(_l("Nhập họ và tên.")),
                                                    _max(120), person_name],
                       render_kw={"autocomplete": "name"})
    phone = TelField(_l("Số điện thoại"), validators=[Optional(), _phone],
                     render_kw={"autocomplete": "tel", "inputmode": "tel"})
    email = EmailField(_l("Thư điện tử"), validators=[Optional(), _max(255), _email],
                       render_kw={"autocomplete": "email", "spellcheck": "false"})
    address = TextAreaField(_l("Địa chỉ (nếu muốn nhận trả lời bằng thư)"),
                            validators=[Optional(), _max(300)],
                            render_kw={"autocomplete": "street-address", "rows": 2})
    tep = MultipleFileField(_l("Tệp đính kèm (nếu có)"))

    def set_procedures(self, procedures) -> None:
        """Offer the published procedures (none chosen by default)."""
        self.procedure.choices = [("", _l("Không gắn với thủ tục nào"))] + [
            (str(p.id), p.name) for p in procedures]

    def validate_procedure(self, field) -> None:
        allowed = {value for value, _label in field.choices}
        if (field.data or "") not in allowed:
            raise ValidationError(_l("Chọn một thủ tục trong danh sách."))

    def submission(self, channel: PetitionChannel) -> petitions.Submission:
        """What was typed, as the service takes it."""
        return petitions.Submission(
            subject=self.subject.data, body=self.body.data, name=self.name.data,
            phone=self.phone.data or None, email=self.email.data or None,
            address=self.address.data or None,
            procedure_id=int(self.procedure.data) if self.procedure.data else None,
            dossier_code=normalize_code(self.dossier_code.data) or None, channel=channel)


class SendForm(PetitionForm):
    """The public form: the sender must leave a way to be answered and consent."""

    consent = BooleanField(
        _l("Tôi đồng ý để cơ quan dùng thông tin trên để xem xét, trả lời phản ánh, kiến "
           "nghị này. Họ tên, số điện thoại, thư điện tử và địa chỉ của tôi không được công "
           "khai."),
        validators=[DataRequired(_l("Đánh dấu ô đồng ý để gửi phản ánh, kiến nghị."))])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.phone.data and not self.email.data:
            # Checked here: Optional() stops each field's own validators when it is empty.
            self.phone.errors = [*self.phone.errors, _l(
                "Nhập số điện thoại hoặc thư điện tử để cơ quan trả lời bạn.")]
            return False
        return valid


class RecordForm(PetitionForm):
    """An officer enters feedback received off the portal, with the details as given."""

    channel = RadioField(_l("Nhận qua"), choices=choices(
        (c.value, label) for c, label in CHANNEL_LABELS.items() if c is not PetitionChannel.WEB),
        validators=[DataRequired(_l("Chọn kênh đã nhận phản ánh, kiến nghị."))])
