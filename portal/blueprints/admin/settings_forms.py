"""Forms of the editors' settings and organisation pages: site settings, office hours, logo,
agencies, contact officials and fields."""
from __future__ import annotations

import re
from datetime import time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from portal.edge import parse_int
from portal.extensions import db
from portal.forms import choices, person_name
from portal.models import Agency, AgencyLevel, Field
from portal.services import field_editor, settings_editor
from portal.services import organisation_editor as org
from portal.services.identity import normalize_email
from portal.services.site_settings import EDITABLE

#: Phone numbers as offices write them: "0203 3800 000", "(0203) 3.800.000", "+84 …".
PHONE = re.compile(r"^\+?[0-9 ().-]{6,30}$")
PHONE_MESSAGE = _l("Số điện thoại chỉ gồm chữ số, dấu cách và các dấu + ( ) . -, "
                   "ví dụ 0203 3800 000.")
LEVEL_LABELS = {
    AgencyLevel.PROVINCE: _l("Cấp tỉnh"),
    AgencyLevel.DISTRICT: _l("Cấp huyện (trước 01/7/2025)"),
    AgencyLevel.COMMUNE: _l("Cấp xã"),
    AgencyLevel.UNIT: _l("Đơn vị trực thuộc (phòng, ban, bộ phận một cửa)"),
}
#: Office hours offer at most this many periods a day.
MAX_PERIODS = 6


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _upper(value: str | None) -> str | None:
    return value.strip().upper() if isinstance(value, str) else value


def _email_check(form: FlaskForm, field) -> None:
    """An optional e-mail address must be a real one; it is kept normalised."""
    if field.data:
        normalised = normalize_email(field.data)
        if normalised is None:
            raise ValidationError(_l("Nhập địa chỉ thư điện tử đúng dạng, ví dụ "
                                     "ten@example.gov.vn."))
        field.data = normalised


class SettingsForm(FlaskForm):
    """The authority's name and contact details (site settings of the ``text`` kinds)."""

    authority_name = StringField(EDITABLE["AUTHORITY_NAME"][0], filters=[_strip], validators=[
        DataRequired(_l("Nhập tên cơ quan.")), Length(max=255)])
    authority_name_en = StringField(EDITABLE["AUTHORITY_NAME_EN"][0], filters=[_strip],
                                    validators=[Optional(), Length(max=255)])
    authority_address = StringField(EDITABLE["AUTHORITY_ADDRESS"][0], filters=[_strip],
                                    validators=[DataRequired(_l("Nhập địa chỉ.")),
                                                Length(max=500)])
    authority_phone = StringField(EDITABLE["AUTHORITY_PHONE"][0], filters=[_strip], validators=[
        DataRequired(_l("Nhập số điện thoại.")), Regexp(PHONE, message=PHONE_MESSAGE)])
    feedback_email = EmailField(EDITABLE["FEEDBACK_EMAIL"][0], filters=[_strip], validators=[
        DataRequired(_l("Nhập thư điện tử nhận góp ý.")), _email_check])
    slip_place = StringField(EDITABLE["SLIP_PLACE"][0], filters=[_strip], validators=[
        DataRequired(_l("Nhập địa danh ghi trên phiếu.")), Length(max=100)])
    # Left empty, both follow the configuration (HEAD_TITLE, HEAD_NAME), like the others.
    head_title = StringField(EDITABLE["HEAD_TITLE"][0], filters=[_strip],
                             validators=[Optional(), Length(max=100)])
    head_name = StringField(EDITABLE["HEAD_NAME"][0], filters=[_strip],
                            validators=[Optional(), Length(max=255)])

    def values(self) -> dict[str, str | None]:
        """The settings as entered, keyed by their configuration names."""
        return {name.upper(): self[name].data or None for name in self.setting_names()}

    @staticmethod
    def setting_names() -> tuple[str, ...]:
        """The fields, in page order; each upper-cased is its setting's key."""
        return ("authority_name", "authority_name_en", "authority_address", "authority_phone",
                "feedback_email", "slip_place", "head_title", "head_name")


class PeriodForm(Form):
    """One period of office hours: from … to …; both left empty, it is dropped."""

    start = StringField(_l("Từ"), filters=[_strip])
    end = StringField(_l("Đến"), filters=[_strip])

    def is_blank(self) -> bool:
        """True when both times were left empty (the period is dropped)."""
        return not self.start.data and not self.end.data

    def validate_start(self, field) -> None:
        if not self.is_blank() and settings_editor.parse_time(field.data) is None:
            raise ValidationError(_l("Nhập giờ bắt đầu dạng giờ:phút, ví dụ 07:30."))

    def validate_end(self, field) -> None:
        if not self.is_blank() and settings_editor.parse_time(field.data) is None:
            raise ValidationError(_l("Nhập giờ kết thúc dạng giờ:phút, ví dụ 11:30."))


class OfficeHoursForm(FlaskForm):
    """Office hours as repeatable periods, checked together (in order, not overlapping)."""

    periods = FieldList(FormField(PeriodForm), label=EDITABLE["OFFICE_HOURS"][0],
                        min_entries=1, max_entries=MAX_PERIODS)

    def validate(self, extra_validators=None) -> bool:
        """Check each period, then (when each is fine) the periods together; a problem
        is shown beside the start of the period concerned."""
        if not super().validate(extra_validators):
            return False
        filled = [entry.form for entry in self.periods if not entry.form.is_blank()]
        problems = settings_editor.period_problems(self.times())
        for index, message in problems:
            target = filled[index].start if filled else self.periods[0].form.start
            target.errors = [*target.errors, message]  # a tuple until validated
            self.periods.errors.append(message)
        return not problems

    def times(self) -> list[tuple[time, time]]:
        """The periods entered (blank rows left out), as times."""
        rows = [entry.form for entry in self.periods if not entry.form.is_blank()]
        return [(settings_editor.parse_time(row.start.data),  # type: ignore[misc]
                 settings_editor.parse_time(row.end.data)) for row in rows]

    def error_items(self) -> list[tuple[str, str]]:
        """(input id, message) of each period's first error, for the error summary."""
        items = []
        for entry in self.periods:
            for sub in (entry.form.start, entry.form.end):
                if sub.errors:
                    items.append((sub.id, str(sub.errors[0])))
        return items


class LogoForm(FlaskForm):
    """A new logo picture."""

    logo = FileField(_l("Tệp ảnh biểu trưng"), validators=[
        FileRequired(_l("Chọn tệp ảnh biểu trưng (PNG hoặc JPEG)."))])


class AgencyForm(FlaskForm):
    """An agency or unit of the organisation chart."""

    name = StringField(_l("Tên cơ quan, đơn vị"), filters=[_strip], validators=[
        DataRequired(_l("Nhập tên cơ quan, đơn vị.")), Length(max=255)])
    name_en = StringField(_l("Tên tiếng Anh"), filters=[_strip],
                          validators=[Optional(), Length(max=255)])
    code = StringField(_l("Mã định danh"), filters=[_upper], validators=[
        DataRequired(_l("Nhập mã định danh của cơ quan, đơn vị.")),
        Regexp(org.AGENCY_CODE, message=_l(
            "Nhập mã định danh đúng dạng 000.00.00.H49 (QCVN 102:2016)."))])
    level = RadioField(_l("Cấp"), validate_choice=False, choices=choices(
        (level.value, label) for level, label in LEVEL_LABELS.items()))
    parent = SelectField(_l("Cơ quan cấp trên"), validate_choice=False)
    receives_dossiers = BooleanField(_l("Là nơi tiếp nhận hồ sơ (Bộ phận Một cửa, Trung tâm "
                                        "Phục vụ hành chính công)"))
    address = StringField(_l("Địa chỉ"), filters=[_strip], validators=[Optional(),
                                                                       Length(max=500)])
    phone = StringField(_l("Điện thoại"), filters=[_strip], validators=[
        Optional(), Regexp(PHONE, message=PHONE_MESSAGE)])
    email = EmailField(_l("Thư điện tử"), filters=[_strip], validators=[Optional(),
                                                                        _email_check])
    description = TextAreaField(_l("Chức năng, nhiệm vụ"), validators=[Length(max=20000)])
    description_en = TextAreaField(_l("Chức năng, nhiệm vụ (tiếng Anh)"),
                                   validators=[Length(max=20000)])

    def set_parents(self, options: list[tuple[Agency, int]], current: Agency | None) -> None:
        """Offer ``options`` as parents, indented by depth."""
        self._agency = current
        self.parent.choices = choices([("", _l("Không có (cơ quan cấp cao nhất)"))] + [
            (str(agency.id), "— " * depth + agency.name) for agency, depth in options])

    def chosen_parent(self) -> Agency | None:
        """The parent picked (None: the agency is at the top of the tree)."""
        agency_id = parse_int(self.parent.data)
        return db.session.get(Agency, agency_id) if agency_id is not None else None

    def validate_code(self, field) -> None:
        agency = getattr(self, "_agency", None)
        if org.code_taken(db.session, Agency, field.data, agency.id if agency else None):
            raise ValidationError(_l("Mã định danh này đã dùng cho một cơ quan, đơn vị khác."))

    def validate_level(self, field) -> None:
        if field.data not in {level.value for level in AgencyLevel}:
            raise ValidationError(_l("Chọn cấp của cơ quan, đơn vị."))

    def validate_parent(self, field) -> None:
        if field.data and self.chosen_parent() is None:
            raise ValidationError(_l("Chọn cơ quan cấp trên trong danh sách."))


class OfficialForm(FlaskForm):
    """A contact official."""

    name = StringField(_l("Họ và tên"), filters=[_strip], validators=[
        DataRequired(_l("Nhập họ và tên.")), Length(max=255), person_name])
    title = StringField(_l("Chức vụ"), filters=[_strip], validators=[
        DataRequired(_l("Nhập chức vụ.")), Length(max=255)])
    title_en = StringField(_l("Chức vụ (tiếng Anh)"), filters=[_strip],
                           validators=[Optional(), Length(max=255)])
    agency = SelectField(_l("Đơn vị"), validate_choice=False)
    phone = StringField(_l("Điện thoại"), filters=[_strip], validators=[
        Optional(), Regexp(PHONE, message=PHONE_MESSAGE)])
    email = EmailField(_l("Thư điện tử"), filters=[_strip], validators=[Optional(),
                                                                        _email_check])

    def set_agencies(self, options: list[tuple[Agency, int]]) -> None:
        """Offer ``options`` as the official's agency, indented by depth."""
        self.agency.choices = choices((str(agency.id), "— " * depth + agency.name)
                                      for agency, depth in options)

    def chosen_agency(self) -> Agency | None:
        """The agency picked, None if there is no such agency."""
        agency_id = parse_int(self.agency.data)
        return db.session.get(Agency, agency_id) if agency_id is not None else None

    def validate_agency(self, field) -> None:
        if self.chosen_agency() is None:
            raise ValidationError(_l("Chọn đơn vị của cán bộ."))


class FieldForm(FlaskForm):
    """A field of administration."""

    name = StringField(_l("Tên lĩnh vực"), filters=[_strip], validators=[
        DataRequired(_l("Nhập tên lĩnh vực.")), Length(max=255)])
    code = StringField(_l("Mã lĩnh vực"), filters=[_upper], validators=[
        DataRequired(_l("Nhập mã lĩnh vực.")),
        Regexp(field_editor.FIELD_CODE, message=_l(
            "Nhập mã lĩnh vực đúng dạng H49-HT: mã địa phương, dấu gạch ngang, ký hiệu lĩnh "
            "vực bằng chữ in hoa hoặc chữ số."))])
    description = TextAreaField(_l("Mô tả"), validators=[Length(max=5000)])

    def __init__(self, *args, field: Field | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._field = field

    def validate_code(self, field) -> None:
        if org.code_taken(db.session, Field, field.data, self._field.id if self._field else None):
            raise ValidationError(_l("Mã lĩnh vực này đã dùng cho một lĩnh vực khác."))

    def validate_name(self, field) -> None:
        if field_editor.name_taken(db.session, field.data,
                                   self._field.id if self._field else None):
            raise ValidationError(_l("Đã có lĩnh vực mang tên này."))
