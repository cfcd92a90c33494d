"""Helpers shared by the areas' forms."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import ValidationError

from portal import clock
from portal.edge import date_from_parts
from portal.services.identity import name_problems


def choices(pairs: Iterable[tuple[str, object]]) -> list[SelectChoice]:
    """``(value, label)`` pairs as WTForms select choices (labels may be lazy strings)."""
    return [SelectChoice(value, label) for value, label in pairs]


class DateParts(Field):
    """A date entered as three boxes, day / month / year (GOV.UK's date input).

    Phones and older users fill three numeric boxes more reliably than a date picker. The
    boxes are named ``<name>-ngay``, ``<name>-thang``, ``<name>-nam``; what was typed is kept
    (``raw``) so a mistake is shown back as typed, with the message beside it.
    """

    widget = None  # rendered by the date_field macro

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.raw = {"ngay": "", "thang": "", "nam": ""}

    def process_formdata(self, valuelist):  # WTForms hook; values come from process()
        pass

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.object_data = data
        self.data = data if isinstance(data, date) else None
        if isinstance(self.data, date):
            self.raw = {"ngay": str(self.data.day), "thang": str(self.data.month),
                        "nam": str(self.data.year)}
        if formdata is None:
            return
        parts = {part: (formdata.get(f"{self.name}-{part}") or "").strip()
                 for part in ("ngay", "thang", "nam")}
        if not any(parts.values()) and not any(f"{self.name}-{p}" in formdata
                                               for p in ("ngay", "thang", "nam")):
            return  # the field was not on the submitted page
        self.raw = parts
        self.data = None
        if any(parts.values()):
            self._read(parts)

    def _read(self, parts: dict[str, str]) -> None:
        """Set ``data`` from the typed parts, or say beside the field what is wrong."""
        day, month, year = (parts[p] for p in ("ngay", "thang", "nam"))
        if not all(value.isascii() and value.isdigit() for value in (day, month, year)):
            self.process_errors.append(_l("Ngày, tháng, năm chỉ gồm chữ số, ví dụ 27 3 1990."))
        elif len(year) != 4 or int(year) < 1000:
            self.process_errors.append(_l("Năm gồm 4 chữ số, ví dụ 1990."))
        else:
            # Bounded parts: a day of 99999999999 is a message here, not an OverflowError.
            self.data = date_from_parts(day, month, year)
            if self.data is None:
                self.process_errors.append(
                    _l("Ngày này không có thật; kiểm tra lại ngày và tháng."))

    def _value(self):
        return self.raw


def person_name(_form, field) -> None:
    """A WTForms validator: a person's name as official papers print it (the one rule is
    :func:`portal.services.identity.name_problems`)."""
    problems = name_problems(field.data)
    if problems:
        raise ValidationError(problems[0])


class PastDate:
    """The date must not be in the future (a birth date, an issue date)."""

    def __init__(self, message=None):
        self.message = message

    def __call__(self, form, field):
        if field.data and field.data > clock.today():
            raise ValidationError(self.message or _l("Ngày không được sau hôm nay."))
