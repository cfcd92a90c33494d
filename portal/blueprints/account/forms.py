"""Account forms. Rules live in ``portal.services.identity`` and ``.passwords``; these classes
only attach them to fields, so forms, e-forms and imports say the same things."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TelField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.forms import DateParts, PastDate, choices, person_name
from portal.services.identity import (
    cccd_problems,
    email_key,
    email_problems,
    normalize_email,
    normalize_phone,
    phone_problems,
)
from portal.services.passwords import password_problems


def _check(problems_of):
    """A WTForms validator from a ``value -> [messages]`` function (empty values pass)."""
    def validator(_form, field):
        if field.data:
            problems = problems_of(field.data)
            if problems:
                raise ValidationError(problems[0])
    return validator


class NewPasswordMixin:
    """A new password, checked for strength against the person's own details."""

    password = PasswordField(_l("Mật khẩu"), validators=[InputRequired(
        _l("Nhập mật khẩu."))], render_kw={"autocomplete": "new-password"})

    def personal_inputs(self) -> list[str]:
        return []

    def validate_password(self, field):
        problems = password_problems(field.data or "", self.personal_inputs())
        if problems:
            raise ValidationError(problems[0])


class RegisterForm(NewPasswordMixin, FlaskForm):
    """Register with an e-mail address or a mobile number, and a password."""

    display_name = StringField(_l("Họ và tên"), validators=[
        DataRequired(_l("Nhập họ và tên.")), Length(max=120), person_name],
        render_kw={"autocomplete": "name"})
    email = EmailField(_l("Thư điện tử"), validators=[Optional(), _check(email_problems)],
                       render_kw={"autocomplete": "email", "spellcheck": "false"})
    phone = TelField(_l("Số điện thoại di động"), validators=[Optional(),
                                                              _check(phone_problems)],
                     render_kw={"autocomplete": "tel", "inputmode": "tel"})

    def personal_inputs(self) -> list[str]:
        return [self.display_name.data or "", self.email.data or "", self.phone.data or ""]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.email.data and not self.phone.data:
            # Checked here: Optional() on each field stops its own validators when empty.
            self.email.errors = [*self.email.errors,
                                 _l("Nhập thư điện tử hoặc số điện thoại di động.")]
            return False
        return valid

    def normalized(self) -> tuple[str | None, str | None]:
        """The e-mail and phone in their stored form."""
        return (normalize_email(self.email.data) if self.email.data else None,
                normalize_phone(self.phone.data) if self.phone.data else None)


class LoginForm(FlaskForm):
    """Log in with e-mail, mobile number or personal ID number."""

    identifier = StringField(_l("Thư điện tử, số điện thoại hoặc số định danh cá nhân"),
                             validators=[DataRequired(_l("Nhập thông tin đăng nhập."))],
                             render_kw={"autocomplete": "username", "spellcheck": "false"})
    password = PasswordField(_l("Mật khẩu"), validators=[InputRequired(_l("Nhập mật khẩu."))],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Ghi nhớ đăng nhập trên thiết bị này"), default=False)


class ForgotPasswordForm(FlaskForm):
    """Ask for a password reset link."""

    identifier = StringField(_l("Thư điện tử, số điện thoại hoặc số định danh cá nhân"),
                             validators=[DataRequired(_l("Nhập thông tin tài khoản."))],
                             render_kw={"autocomplete": "username"})


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    """Choose a new password from a reset link."""


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    """Change the password, knowing the current one."""

    current_password = PasswordField(_l("Mật khẩu hiện tại"), validators=[
        InputRequired(_l("Nhập mật khẩu hiện tại."))],
        render_kw={"autocomplete": "current-password"})


class DeleteAccountForm(FlaskForm):
    """Confirm the deletion of the account with the password."""

    current_password = PasswordField(_l("Mật khẩu"), validators=[
        InputRequired(_l("Nhập mật khẩu để xác nhận."))],
        render_kw={"autocomplete": "current-password"})
    confirm = BooleanField(_l("Tôi hiểu rằng tài khoản sẽ bị xóa và không khôi phục được"),
                           validators=[DataRequired(_l("Đánh dấu ô xác nhận để xóa tài khoản."))])


class PhoneCodeForm(FlaskForm):
    """The code received by SMS."""

    code = StringField(_l("Mã xác nhận"), validators=[
        DataRequired(_l("Nhập mã gồm 6 chữ số.")), Length(min=6, max=6, message=_l(
            "Nhập mã gồm 6 chữ số."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class ProfileForm(FlaskForm):
    """Personal details reused to fill every form (TT32-11.2c-1)."""

    full_name = StringField(_l("Họ, chữ đệm và tên"), validators=[
        DataRequired(_l("Nhập họ, chữ đệm và tên.")), Length(max=120), person_name],
        render_kw={"autocomplete": "name"})
    birth_date = DateParts(_l("Ngày sinh"), validators=[PastDate(
        _l("Ngày sinh không được sau hôm nay."))])
    gender = RadioField(_l("Giới tính"), validators=[Optional()], validate_choice=False)
    id_number = StringField(_l("Số định danh cá nhân (số căn cước công dân)"),
                            validators=[Optional()],
                            render_kw={"inputmode": "numeric", "autocomplete": "off",
                                       "maxlength": "12"})
    contact_phone = TelField(_l("Số điện thoại di động"), validators=[
        Optional(), _check(phone_problems)], render_kw={"autocomplete": "tel"})
    contact_email = EmailField(_l("Thư điện tử"), validators=[Optional()],
                               render_kw={"autocomplete": "email"})
    permanent_street = StringField(_l("Số nhà, đường, thôn, tổ dân phố"),
                                   validators=[Optional(), Length(max=200)])
    permanent_province = SelectField(_l("Tỉnh, thành phố"), validate_choice=False)
    permanent_commune = SelectField(_l("Xã, phường, đặc khu"), validate_choice=False)
    current_same = BooleanField(_l("Nơi ở hiện tại giống nơi thường trú"), default=True)
    current_street = StringField(_l("Số nhà, đường, thôn, tổ dân phố"),
                                 validators=[Optional(), Length(max=200)])
    current_province = SelectField(_l("Tỉnh, thành phố"), validate_choice=False)
    current_commune = SelectField(_l("Xã, phường, đặc khu"), validate_choice=False)

    def set_choices(self, genders, provinces, communes_of) -> None:
        """Fill the pick lists; ``communes_of(province_id)`` lists a province's communes."""
        self.gender.choices = choices((g.code, g.name) for g in genders)
        blank = [("", _l("Chọn"))]
        province_choices = choices(blank + [(str(p.id), p.name) for p in provinces])
        self.permanent_province.choices = province_choices
        self.current_province.choices = list(province_choices)
        for province_field, commune_field in ((self.permanent_province, self.permanent_commune),
                                              (self.current_province, self.current_commune)):
            communes = communes_of(_int(province_field.data))
            commune_field.choices = choices(blank + [(str(c.id), c.name) for c in communes])

    #: Addresses the account already holds (its login, the stored contact): kept as they are
    #: even where today's rules would refuse them, such as the demo accounts' ``@demo.local``.
    known_emails: frozenset[str] = frozenset()

    def validate_contact_email(self, field):
        if field.data and email_key(field.data) not in self.known_emails:
            problems = email_problems(field.data)
            if problems:
                raise ValidationError(problems[0])

    def validate_id_number(self, field):
        if field.data:
            problems = cccd_problems(field.data.strip(), self.birth_date.data, self.gender.data)
            if problems:
                raise ValidationError(problems[0])


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
