"""Administrators' forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.forms import DateParts, choices, person_name
from portal.models import Role
from portal.services.identity import email_problems

ROLE_LABELS = {
    Role.EDITOR: _l("Biên tập viên"),
    Role.RECEIVER: _l("Cán bộ một cửa (tiếp nhận, trả kết quả)"),
    Role.PROCESSOR: _l("Chuyên viên (xử lý hồ sơ)"),
    Role.APPROVER: _l("Lãnh đạo (phê duyệt)"),
    Role.ADMIN: _l("Quản trị"),
}


class StaffForm(FlaskForm):
    """A staff account's identity, agency, roles and state."""

    display_name = StringField(_l("Họ và tên"), validators=[
        DataRequired(_l("Nhập họ và tên.")), Length(max=120), person_name])
    email = EmailField(_l("Thư điện tử công vụ"), validators=[
        DataRequired(_l("Nhập thư điện tử."))])
    agency = SelectField(_l("Cơ quan, đơn vị"), validate_choice=False)
    roles = SelectMultipleField(
        _l("Vai trò"), validate_choice=False,
        choices=choices((role.value, label) for role, label in ROLE_LABELS.items()))
    active = BooleanField(_l("Đang hoạt động"), default=True)

    def set_agencies(self, agencies) -> None:
        """Offer these agencies, after an empty first choice: a browser shows the first
        option of a select that has none selected, and that must never be a real agency."""
        self._agencies = list(agencies)
        self.agency.choices = choices(
            [("", _l("— Chọn cơ quan, đơn vị —"))]
            + [(str(a.id), a.name) for a in self._agencies])

    def chosen_agency(self):
        """The agency picked, if it is one this administrator may assign."""
        return next((a for a in self._agencies if str(a.id) == self.agency.data), None)

    def validate_email(self, field):
        problems = email_problems(field.data)
        if problems:
            raise ValidationError(problems[0])

    def validate_roles(self, field):
        known = {r.value for r in ROLE_LABELS}
        if not field.data or not set(field.data) <= known:
            raise ValidationError(_l("Chọn ít nhất một vai trò."))

    def chosen_roles(self) -> set[Role]:
        return {Role(value) for value in self.roles.data}


class AuditFilterForm(FlaskForm):
    """Filters of the audit log (a GET form)."""

    class Meta:
        csrf = False

    action = SelectField(_l("Thao tác"), name="thao-tac", validate_choice=False)
    actor = StringField(_l("Người thực hiện"), name="nguoi", validators=[Optional()])
    start = DateParts(_l("Từ ngày"), name="tu-ngay")
    end = DateParts(_l("Đến ngày"), name="den-ngay")
