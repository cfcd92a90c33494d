"""The questions of a survey: added, changed, moved and removed by editors, each change kept
as a revision of the whole survey (``surveys.record_change``). All of this is refused once
anyone has answered. Kinds: ``single`` and ``multiple`` choice (options), ``scale`` (from
``scale_min`` to ``scale_max``, its optional end words kept in ``options``) and ``text``."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal.models import Survey, SurveyQuestion, User
from portal.services.surveys import (
    SURVEY_UPDATED,
    SurveyError,
    locked_reason,
    record_change,
    response_count,
)
from portal.text import clean, nfc

KIND_LABELS = {
    "single": _l("Chọn một"),
    "multiple": _l("Chọn nhiều"),
    "scale": _l("Thang điểm"),
    "text": _l("Trả lời tự do"),
}
MAX_OPTIONS = 30
OPTION_LENGTH = 255
SCALE_LABEL_LENGTH = 80


@dataclass(frozen=True)
class QuestionData:
    """A question as an editor entered it; for a scale, ``options`` holds its end labels."""

    kind: str
    text: str
    required: bool = True
    options: list[str] = field(default_factory=list)
    scale_min: int = 1
    scale_max: int = 5


def scale_labels(question: SurveyQuestion) -> tuple[str, str]:
    """The words at the low and high ends of a scale question (either may be empty)."""
    labels = [*question.options, "", ""]
    return labels[0], labels[1]


def add_question(session: Session, survey: Survey, data: QuestionData, editor: User,
                 address: str | None) -> SurveyQuestion:
    """Append a question (refused once the survey has responses)."""
    _check_unlocked(session, survey)
    _check_question(data)
    position = max((q.position for q in survey.questions), default=0) + 1
    question = SurveyQuestion(position=position)
    _apply_question(question, data)
    survey.questions.append(question)
    record_change(session, survey, SURVEY_UPDATED, editor, address, _("thêm câu hỏi"))
    return question


def update_question(session: Session, question: SurveyQuestion, data: QuestionData,
                    editor: User, address: str | None) -> None:
    """Change a question (refused once the survey has responses)."""
    _check_unlocked(session, question.survey)
    _check_question(data)
    _apply_question(question, data)
    record_change(session, question.survey, SURVEY_UPDATED, editor, address, _("sửa câu hỏi"))


def move_question(session: Session, question: SurveyQuestion, step: int, editor: User,
                  address: str | None) -> bool:
    """Swap a question with the one before (``step=-1``) or after (``+1``); False at an end."""
    survey = question.survey
    _check_unlocked(session, survey)
    ordered = sorted(survey.questions, key=lambda q: q.position)
    index = ordered.index(question) + step
    if not 0 <= index < len(ordered):
        return False
    other = ordered[index]
    mine, theirs = question.position, other.position
    # (survey, position) is unique and checked per statement: go through a free number.
    question.position = min(q.position for q in ordered) - 1
    session.flush()
    other.position = mine
    session.flush()
    question.position = theirs
    survey.questions.sort(key=lambda q: q.position)
    record_change(session, survey, SURVEY_UPDATED, editor, address, _("đổi thứ tự câu hỏi"))
    return True


def remove_question(session: Session, question: SurveyQuestion, editor: User,
                    address: str | None) -> None:
    """Delete a question (refused once the survey has responses)."""
    survey = question.survey
    _check_unlocked(session, survey)
    survey.questions.remove(question)
    record_change(session, survey, SURVEY_UPDATED, editor, address, _("xóa câu hỏi"))


def _check_unlocked(session: Session, survey: Survey) -> None:
    count = response_count(session, survey)
    if count:
        raise SurveyError(locked_reason(count))


def _check_question(data: QuestionData) -> None:
    """Refuse a question that cannot be answered sensibly."""
    if data.kind not in KIND_LABELS:
        raise SurveyError(_("Chọn kiểu câu hỏi."), "kind")
    if data.kind in ("single", "multiple"):
        options = [nfc(o) for o in data.options]
        if len(options) < 2:
            raise SurveyError(_("Nhập ít nhất hai lựa chọn, mỗi dòng một lựa chọn."), "options")
        if len(options) > MAX_OPTIONS or any(len(o) > OPTION_LENGTH for o in options):
            raise SurveyError(_("Tối đa %(n)d lựa chọn, mỗi lựa chọn không quá %(length)d ký "
                                "tự.", n=MAX_OPTIONS, length=OPTION_LENGTH), "options")
        if len(set(options)) != len(options):
            raise SurveyError(_("Hai lựa chọn trùng nhau; mỗi lựa chọn phải khác nhau."),
                              "options")
    if data.kind == "scale" and not (data.scale_min in (0, 1) and 2 <= data.scale_max <= 10):
        raise SurveyError(_("Thang điểm bắt đầu từ 0 hoặc 1 và kết thúc ở một số từ 2 đến "
                            "10, ví dụ từ 1 đến 5."), "scale_max")


def _apply_question(question: SurveyQuestion, data: QuestionData) -> None:
    question.kind, question.text = data.kind, nfc(data.text).strip()
    question.required = data.required
    question.scale_min, question.scale_max = data.scale_min, data.scale_max
    if data.kind in ("single", "multiple"):
        question.options = [nfc(o) for o in data.options]
    elif data.kind == "scale":
        labels = [(clean(label) or "")[:SCALE_LABEL_LENGTH] for label in data.options[:2]]
        question.options = labels if any(labels) else []
    else:
        question.options = []
