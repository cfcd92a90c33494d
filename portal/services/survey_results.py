"""A survey's results: counts and shares per option or scale value (drawn with
``services.charts``), the free-text answers, and every response as CSV for editors.

A share is of the people who answered that question (an optional question may be skipped);
for a multiple-choice question each person may pick several options, so shares add up to more
than 100 %.
"""
from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, replace

from flask_babel import format_datetime, format_decimal
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Survey, SurveyQuestion, SurveyResponse
from portal.services import charts
from portal.services.privacy import mask_personal
from portal.services.survey_questions import scale_labels
from portal.text import spreadsheet_text

#: Spreadsheets run a cell starting with these as a formula; such answers get a leading "'".
#: Extra drawing width (SVG units) for the longer numbers of a bar: count and share.
VALUE_EXTRA = 40


@dataclass(frozen=True)
class Row:
    """One option or scale value: how many chose it, and their share (0–1) of those who
    answered the question (None when nobody did)."""

    label: str
    count: int
    share: float | None


@dataclass(frozen=True)
class QuestionResult:
    number: int
    question: SurveyQuestion
    answered: int
    rows: list[Row]
    texts: list[str]
    chart: charts.BarChart | None


@dataclass(frozen=True)
class Results:
    total: int
    questions: list[QuestionResult]


def percent(share: float | None) -> str:
    """``33,3%`` in the page's language; a dash when there is nothing to divide."""
    return "—" if share is None else format_decimal(share * 100, format="#,##0.#") + "%"


def tally(session: Session, survey: Survey, *, public: bool = False) -> Results:
    """Count every response to ``survey``; for the ``public`` page, free-text answers have
    anything that looks like contact details or identifiers masked (editors see them as
    written, and the CSV is theirs)."""
    answers = list(session.scalars(select(SurveyResponse.answers).where(
        SurveyResponse.survey_id == survey.id).order_by(SurveyResponse.id)))
    results = Results(len(answers), [_question(number, question, answers)
                                     for number, question in enumerate(survey.questions, 1)])
    if public:
        for result in results.questions:
            result.texts[:] = [mask_personal(text) for text in result.texts]
    return results


def _categories(question: SurveyQuestion) -> list[tuple[str, str]]:
    """``(stored value, label)`` of each option, or of each scale value with its end words."""
    if question.kind != "scale":
        return [(option, option) for option in question.options]
    low, high = scale_labels(question)
    values = range(question.scale_min, question.scale_max + 1)
    ends = {question.scale_min: low, question.scale_max: high}
    return [(str(v), f"{v} – {ends[v]}" if ends.get(v) else str(v)) for v in values]


def _question(number: int, question: SurveyQuestion, answers: list[dict]) -> QuestionResult:
    given = [a[str(question.id)] for a in answers if a.get(str(question.id))]
    if question.kind == "text":
        return QuestionResult(number, question, len(given), [], [str(g) for g in given], None)
    counts: Counter[str] = Counter()
    for answer in given:
        counts.update(answer if isinstance(answer, list) else [answer])
    rows = [Row(label, counts[value], counts[value] / len(given) if given else None)
            for value, label in _categories(question)]
    return QuestionResult(number, question, len(given), rows, [], _chart(number, question, rows))


def _chart(number: int, question: SurveyQuestion, rows: list[Row]) -> charts.BarChart:
    # bar_chart formats each value once, in order: each bar then reads "12 (40%)".
    texts = iter([f"{format_decimal(row.count)} ({percent(row.share)})" for row in rows])
    note = (_("Mỗi người có thể chọn nhiều lựa chọn, nên tổng tỉ lệ có thể lớn hơn 100%.")
            if question.kind == "multiple" else None)
    chart = charts.bar_chart(
        _("Câu %(n)d: số ý kiến và tỉ lệ", n=number), [row.label for row in rows],
        [(_("Số ý kiến (tỉ lệ)"), [row.count for row in rows])], id=f"bieu-do-{number}",
        category_heading=_("Mức") if question.kind == "scale" else _("Lựa chọn"),
        note=note, number=lambda _value: next(texts))
    # "120 (33,3%)" is longer than the room charts keep for a number: widen the drawing.
    return replace(chart, width=chart.width + VALUE_EXTRA)


def csv_text(session: Session, survey: Survey) -> str:
    """Every response, one row each (no voter hash), as UTF-8 CSV with a BOM for Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("STT"), _("Ngày trả lời")] + [
        _("Câu %(n)d: %(text)s", n=n, text=q.text) for n, q in enumerate(survey.questions, 1)])
    responses = session.scalars(select(SurveyResponse).where(
        SurveyResponse.survey_id == survey.id).order_by(SurveyResponse.id))
    for number, response in enumerate(responses, 1):
        cells = [_cell(response.answers.get(str(q.id))) for q in survey.questions]
        # The day only: an exact time could be matched with a server log.
        writer.writerow([number, format_datetime(response.created_at, "dd/MM/yyyy"), *cells])
    return "\ufeff" + buffer.getvalue()


def _cell(answer: str | list[str] | None) -> str:
    text = "; ".join(answer) if isinstance(answer, list) else (answer or "")
    return spreadsheet_text(text)
