"""Editors' forms for guides, FAQ entries and notices (``content_editor``).

Times are typed as a date (day / month / year boxes) and a time of day ("22:00") in the
authority's time zone, and handed to the services as aware datetimes (stored in UTC).
"""
from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import (
    DataRequired, Length, NumberRange, Optional, Regexp, ValidationError)

from portal.forms import DateParts, choices
from portal.models import ContentStatus, Field, NoticeKind, Procedure
from portal.services import workdays
from portal.text import nfc

CLOCK = re.compile(r"^([01]?\d|2[0-3])(?:\s*(?:[:hH.]|giờ)\s*([0-5]\d)?\s*(?:phút)?)?$")
SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
STATUS_LABELS = {
    ContentStatus.DRAFT: _l("Bản nháp"),
    ContentStatus.PUBLISHED: _l("Đã xuất bản"),
    ContentStatus.ARCHIVED: _l("Đã lưu trữ"),
}
KIND_LABELS = {
    NoticeKind.ANNOUNCEMENT: _l("Thông báo"),
    NoticeKind.MAINTENANCE: _l("Tạm ngừng dịch vụ để bảo trì"),
}


def parse_clock(text: str | None) -> time | None:
    """``22:00``, ``7h30``, ``22 giờ`` → a time of day; None when unreadable."""
    found = CLOCK.match(nfc(text or "").strip())
    if not found:
        return None
    return time(int(found.group(1)), int(found.group(2) or 0))


class TimeOfDay:
    """A time of day, required when its date is given (and the date when it is)."""

    def __init__(self, date_field: str) -> None:
        self.date_field = date_field

    def __call__(self, form: FlaskForm, field) -> None:
        day, text = form[self.date_field], (field.data or "").strip()
        if text and parse_clock(text) is None:
            raise ValidationError(_l("Nhập giờ theo dạng giờ:phút, ví dụ 22:00."))
        if day.data and not text:
            raise ValidationError(_l("Nhập giờ, ví dụ 22:00."))
        if text and not day.data and not day.errors:
            day.errors.append(_l("Nhập ngày, tháng, năm."))


class EditorForm(FlaskForm):
    """What guides, FAQ entries and notices share: the scheduled publication time."""

    publish_date = DateParts(_l("Ngày xuất bản"))
    publish_time = StringField(_l("Giờ xuất bản"), validators=[TimeOfDay("publish_date")])

    #: Name of the Markdown field (the preview renders it).
    markdown = "body"

    def moment(self, name: str) -> datetime | None:
        """The aware datetime typed in ``<name>_date`` and ``<name>_time``, or None."""
        day, clock = self[f"{name}_date"].data, parse_clock(self[f"{name}_time"].data)
        if day is None or clock is None:
            return None
        return datetime.combine(day, clock, workdays.calendar().zone)

    def show_moment(self, name: str, value: datetime | None) -> None:
        """Fill ``<name>_date`` and ``<name>_time`` from a stored time (for editing)."""
        if value is None:
            return
        local = value.astimezone(workdays.calendar().zone)
        self[f"{name}_date"].process(None, local.date())
        self[f"{name}_time"].data = local.strftime("%H:%M")

    def set_choices(self, fields: list[Field], procedures: list[Procedure]) -> None:
        """Offer the fields and published procedures (guides and FAQ)."""
        if "field" in self:
            self["field"].choices = choices(
                [("", _l("Không thuộc lĩnh vực nào"))] + [(f.slug, f.name) for f in fields])
        if "procedures" in self:
            self["procedures"].choices = choices((p.code, f"{p.name} ({p.code})")
                                                 for p in procedures)

    def values(self) -> dict[str, Any]:
        """The data for ``editorial.save`` (a snapshot's keys)."""
        return {"publish_at": self.moment("publish")}


def _slug_field() -> StringField:
    return StringField(_l("Địa chỉ trang (đường dẫn)"), validators=[
        Optional(), Length(max=100),
        Regexp(SLUG, message=_l("Chỉ gồm chữ thường không dấu, chữ số và dấu gạch ngang, "
                                "ví dụ dang-ky-khai-sinh."))])


class GuideForm(EditorForm):
    """A guide (hướng dẫn)."""

    title = StringField(_l("Tiêu đề"), validators=[
        DataRequired(_l("Nhập tiêu đề.")), Length(max=255)])
    slug = _slug_field()
    summary = TextAreaField(_l("Tóm tắt"), validators=[Optional(), Length(max=1000)])
    body = TextAreaField(_l("Nội dung (Markdown)"), validators=[
        DataRequired(_l("Nhập nội dung hướng dẫn.")), Length(max=100_000)])
    field = SelectField(_l("Lĩnh vực"), validate_choice=False)
    procedures = SelectMultipleField(_l("Thủ tục liên quan"), validate_choice=False)

    def values(self) -> dict[str, Any]:
        return {**super().values(), "title": self.title.data, "slug": self.slug.data,
                "summary": self.summary.data, "body": self.body.data,
                "field": self.field.data or None, "procedures": self.procedures.data or []}


class FaqForm(EditorForm):
    """A frequently asked question and its answer (hỏi đáp)."""

    markdown = "answer"
    question = TextAreaField(_l("Câu hỏi"), validators=[
        DataRequired(_l("Nhập câu hỏi.")), Length(max=1000)])
    slug = _slug_field()
    answer = TextAreaField(_l("Câu trả lời (Markdown)"), validators=[
        DataRequired(_l("Nhập câu trả lời.")), Length(max=50_000)])
    field = SelectField(_l("Lĩnh vực"), validate_choice=False)
    procedures = SelectMultipleField(_l("Thủ tục liên quan"), validate_choice=False)
    sort_order = IntegerField(_l("Thứ tự hiển thị"), default=0, validators=[
        Optional(), NumberRange(0, 9999, _l("Nhập một số từ 0 đến 9999."))])

    def values(self) -> dict[str, Any]:
        return {**super().values(), "question": self.question.data, "slug": self.slug.data,
                "answer": self.answer.data, "field": self.field.data or None,
                "procedures": self.procedures.data or [],
                "sort_order": self.sort_order.data or 0}


class NoticeForm(EditorForm):
    """An announcement, or a planned interruption of the online services."""

    title = StringField(_l("Tiêu đề"), validators=[
        DataRequired(_l("Nhập tiêu đề.")), Length(max=255)])
    kind = RadioField(_l("Loại thông báo"), default=NoticeKind.ANNOUNCEMENT.value,
                      choices=choices((k.value, label) for k, label in KIND_LABELS.items()))
    starts_date = DateParts(_l("Ngày tạm ngừng"))
    starts_time = StringField(_l("Giờ tạm ngừng"), validators=[TimeOfDay("starts_date")])
    ends_date = DateParts(_l("Ngày dự kiến hoạt động trở lại"))
    ends_time = StringField(_l("Giờ dự kiến hoạt động trở lại"),
                            validators=[TimeOfDay("ends_date")])
    body = TextAreaField(_l("Nội dung (Markdown)"), validators=[
        DataRequired(_l("Nhập nội dung thông báo.")), Length(max=50_000)])

    def values(self) -> dict[str, Any]:
        maintenance = self.kind.data == NoticeKind.MAINTENANCE.value
        return {**super().values(), "title": self.title.data, "body": self.body.data,
                "kind": self.kind.data,
                "starts_at": self.moment("starts") if maintenance else None,
                "ends_at": self.moment("ends") if maintenance else None}


class ListForm(FlaskForm):
    """Filters of an editors' list (a GET form)."""

    class Meta:
        csrf = False

    q = StringField(_l("Tìm theo tiêu đề"), validators=[Optional(), Length(max=200)])
    status = SelectField(_l("Trạng thái"), name="trang-thai", validate_choice=False,
                         choices=choices([("", _l("Tất cả"))] + [
                             (s.value, label) for s, label in STATUS_LABELS.items()]))

    def chosen_status(self) -> ContentStatus | None:
        """The status picked, if it is a known one."""
        values = {s.value for s in ContentStatus}
        return ContentStatus(self.status.data) if self.status.data in values else None
