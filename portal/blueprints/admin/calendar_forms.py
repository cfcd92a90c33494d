"""The form of the working-day calendar page (HOL-2026): one day off or worked day."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.extensions import db
from portal.forms import DateParts, choices
from portal.models import Agency, DayKind
from portal.services.calendar_editor import DayData

#: The years the calendar takes (a typo such as 20226 gets a message, not a 500).
YEARS = range(2000, 2101)
KIND_LABELS = {
    DayKind.DAY_OFF: _l("Ngày nghỉ"),
    DayKind.WORKING_DAY: _l("Ngày làm việc (làm bù, hoặc bỏ một ngày nghỉ có trong lịch "
                            "chung)"),
}


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class CalendarDayForm(FlaskForm):
    """A day that differs from the national calendar, the decision behind it, and where it
    applies."""

    day = DateParts(_l("Ngày"), name="ngay")
    kind = RadioField(_l("Ngày này là"), default=DayKind.DAY_OFF.value, validate_choice=False,
                      choices=choices((kind.value, label) for kind, label in KIND_LABELS.items()))
    decision = StringField(_l("Văn bản quyết định"), name="van-ban", filters=[_strip],
                           validators=[DataRequired(_l("Nhập số, ký hiệu văn bản quyết định, ví "
                                                       "dụ 12729/VPCP-KGVX.")),
                                       Length(max=120)])
    note = TextAreaField(_l("Ghi chú"), name="ghi-chu", filters=[_strip],
                         validators=[Optional(), Length(max=1000)])
    agency = SelectField(_l("Áp dụng cho"), name="co-quan", validate_choice=False)

    def set_agencies(self, options: list[tuple[Agency, int]], everywhere: bool) -> None:
        """Offer ``options`` (indented by depth), and the whole deployment when
        ``everywhere``."""
        self._everywhere = everywhere
        first = [("", _l("Mọi cơ quan, đơn vị"))] if everywhere else []
        self.agency.choices = choices(first + [
            (str(agency.id), "— " * depth + agency.name) for agency, depth in options])
        self._allowed = {str(agency.id) for agency, _depth in options}

    def validate_day(self, field) -> None:
        if field.data is None and not field.errors:
            raise ValidationError(_l("Nhập ngày, ví dụ 2 1 2026."))
        if field.data is not None and field.data.year not in YEARS:
            raise ValidationError(_l("Năm phải từ 2000 đến 2100."))

    def validate_kind(self, field) -> None:
        if field.data not in {kind.value for kind in DayKind}:
            raise ValidationError(_l("Chọn ngày nghỉ hay ngày làm việc."))

    def validate_agency(self, field) -> None:
        if not (field.data in self._allowed or (not field.data and self._everywhere)):
            raise ValidationError(_l("Chọn cơ quan, đơn vị trong danh sách."))

    def values(self) -> DayData:
        """What was entered, for the service."""
        agency = db.session.get(Agency, int(self.agency.data)) if self.agency.data else None
        return DayData(day=self.day.data, kind=DayKind(self.kind.data),
                       decision=self.decision.data, note=self.note.data or None, agency=agency)
