"""Editors' forms for surveys: the survey's texts and dates, and one question."""
from __future__ import annotations

from datetime import timezone
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.forms import choices
from portal.models import Survey, SurveyQuestion
from portal.services.survey_questions import KIND_LABELS, QuestionData, scale_labels
from portal.services.surveys import SurveyData
from portal.text import clean

#: What the browser sends from ``<input type="datetime-local">`` (the first is also shown).
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def local_zone() -> ZoneInfo:
    """The authority's time zone: dates are typed and shown in local time."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _moment(label, message):
    return DateTimeLocalField(label, format=LOCAL_FORMATS, tz=local_zone,
                              invalid_value_message=message,
                              validators=[InputRequired(message)])


class SurveyForm(FlaskForm):
    """A survey's title, introduction (Markdown), period and who may answer."""

    title = StringField(_l("Tiêu đề"), validators=[
        DataRequired(_l("Nhập tiêu đề khảo sát.")), Length(max=255)])
    intro = TextAreaField(_l("Lời giới thiệu"), validators=[Optional(), Length(max=20000)])
    opens_at = _moment(_l("Bắt đầu nhận ý kiến"), _l("Nhập ngày và giờ bắt đầu."))
    closes_at = _moment(_l("Kết thúc nhận ý kiến"), _l("Nhập ngày và giờ kết thúc."))
    requires_account = BooleanField(_l("Chỉ người đã đăng nhập mới được trả lời"))

    def fill(self, survey: Survey) -> None:
        """Show a stored survey (its times in local time)."""
        self.title.data, self.intro.data = survey.title, survey.intro
        self.opens_at.data, self.closes_at.data = survey.opens_at, survey.closes_at
        self.requires_account.data = survey.requires_account

    def to_data(self) -> SurveyData:
        return SurveyData(
            title=self.title.data or "", intro=self.intro.data or "",
            opens_at=self.opens_at.data.astimezone(timezone.utc),
            closes_at=self.closes_at.data.astimezone(timezone.utc),
            requires_account=bool(self.requires_account.data))


class QuestionForm(FlaskForm):
    """One question: its text, kind, options (one per line) or scale, and whether required."""

    text = TextAreaField(_l("Câu hỏi"), validators=[
        DataRequired(_l("Nhập câu hỏi.")), Length(max=1000)])
    # The service checks the kind (and says so in Vietnamese).
    kind = RadioField(_l("Kiểu câu hỏi"), choices=choices(KIND_LABELS.items()),
                      default="single", validate_choice=False)
    required = BooleanField(_l("Bắt buộc trả lời"), default=True)
    options = TextAreaField(_l("Các lựa chọn"), validators=[Optional(), Length(max=8000)])
    scale_min = SelectField(_l("Điểm thấp nhất"), choices=choices([("0", "0"), ("1", "1")]),
                            default="1")
    scale_max = SelectField(_l("Điểm cao nhất"), default="5",
                            choices=choices((str(n), str(n)) for n in range(2, 11)))
    scale_low = StringField(_l("Ý nghĩa điểm thấp nhất (không bắt buộc)"),
                            validators=[Optional(), Length(max=80)])
    scale_high = StringField(_l("Ý nghĩa điểm cao nhất (không bắt buộc)"),
                             validators=[Optional(), Length(max=80)])

    def fill(self, question: SurveyQuestion) -> None:
        """Show a stored question."""
        self.text.data, self.kind.data = question.text, question.kind
        self.required.data = question.required
        self.scale_min.data, self.scale_max.data = (str(question.scale_min),
                                                    str(question.scale_max))
        if question.kind == "scale":
            self.scale_low.data, self.scale_high.data = scale_labels(question)
        else:
            self.options.data = "\n".join(question.options)

    def to_data(self) -> QuestionData:
        kind = self.kind.data
        if kind == "scale":
            options = [self.scale_low.data or "", self.scale_high.data or ""]
        else:
            options = [line for line in map(clean, (self.options.data or "").splitlines())
                       if line]
        return QuestionData(kind=kind, text=self.text.data or "",
                            required=bool(self.required.data), options=options,
                            scale_min=int(self.scale_min.data), scale_max=int(self.scale_max.data))
