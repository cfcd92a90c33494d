"""A demonstration consultation survey, open for the next two months, so that "Khảo sát ý
kiến" has something to answer (``flask seed-demo``). Made by the demo editor through the same
services as the editors' pages, so it has its revision and audit entries like a real one."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import Survey, User, utcnow
from portal.services import surveys
from portal.services.survey_questions import QuestionData, add_question

TITLE = "Ý kiến về Cổng Dịch vụ công của xã"
INTRO = ("Xã đang cải tiến Cổng Dịch vụ công. Xin dành hai phút cho biết bạn đã dùng Cổng "
         "thế nào và cần gì thêm. Câu trả lời không gắn với tên hay tài khoản của bạn.")
QUESTIONS = (
    QuestionData("single", "Bạn đã nộp hồ sơ trực tuyến trên Cổng chưa?",
                 options=["Đã nộp", "Chưa, nhưng sẽ nộp", "Chưa, tôi thích nộp trực tiếp"]),
    QuestionData("multiple", "Bạn thường dùng Cổng trên thiết bị nào?",
                 options=["Điện thoại", "Máy tính", "Máy tính bảng"]),
    QuestionData("scale", "Tìm thủ tục bạn cần trên Cổng có dễ không?",
                 options=["Rất khó", "Rất dễ"], scale_min=1, scale_max=5),
    QuestionData("text", "Bạn muốn Cổng có thêm gì?", required=False),
)


def seed(session: Session) -> int:
    """Create and publish the demo survey unless a survey exists; return how many made."""
    if session.scalar(select(func.count()).select_from(Survey)):
        return 0
    editor = session.scalar(select(User).where(User.email == "bientap@demo.local"))
    if editor is None:
        return 0
    now = utcnow()
    survey = surveys.create(session, surveys.SurveyData(
        title=TITLE, intro=INTRO, opens_at=now - timedelta(days=7),
        closes_at=now + timedelta(days=60), requires_account=False), editor, None)
    for question in QUESTIONS:
        add_question(session, survey, question, editor, None)
    surveys.set_published(session, survey, True, editor, None)
    session.flush()
    return 1
