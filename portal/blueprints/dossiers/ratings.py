"""Rating a returned dossier (/ho-so/<code>/danh-gia; TT32-12).

The form lives in the dossier page's "Đánh giá sự hài lòng" section (``dossiers/detail.html``
asks :func:`rating_panel` for it) and is a plain POST: it works without JavaScript, and with
it the main area's boost sends it in the background. Mistakes come back on the same page with
status 422, beside the question they concern, with every answer kept.

Only the dossier's owner gets here (anyone else: 404, as for an unknown code), and only once
the result is returned (before that: 403).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.blueprints.dossiers.views import _detail_page, _mine, bp
from portal.db import begin_writing
from portal.extensions import db
from portal.forms import choices
from portal.models import Dossier, Rating, RatingLevel
from portal.models.engagement import RATING_LABELS
from portal.services import ratings

LEVEL_MESSAGE = _l("Chọn một trong ba mức: Rất hài lòng, Hài lòng hoặc Chưa hài lòng.")


def _level(value) -> int:
    return int(value)


class LevelField(RadioField):
    """One of the three levels of TT32-12.1c, as radio buttons; any other value is refused."""

    def __init__(self, label, *, required: bool = False, **kwargs) -> None:
        validators = ([InputRequired(_l("Chọn mức độ hài lòng chung về dịch vụ."))]
                      if required else [Optional()])
        super().__init__(label, validators=validators, coerce=_level,
                         choices=choices((int(level), RATING_LABELS[level])
                                         for level in RatingLevel),
                         invalid_value_message=LEVEL_MESSAGE,
                         invalid_choice_message=LEVEL_MESSAGE, **kwargs)


class RatingForm(FlaskForm):
    """The overall rating (required), three optional details and a comment."""

    overall = LevelField(_l("Bạn hài lòng với dịch vụ này ở mức nào?"), required=True,
                         name="tong-the", id="danh-gia-tong-the")
    convenience = LevelField(_l("Mức độ thuận tiện (không bắt buộc)"), name="thuan-tien",
                             id="danh-gia-thuan-tien")
    timeliness = LevelField(_l("Mức độ đúng hạn (không bắt buộc)"), name="dung-han",
                            id="danh-gia-dung-han")
    attitude = LevelField(_l("Thái độ hỗ trợ của cán bộ (không bắt buộc)"), name="thai-do",
                          id="danh-gia-thai-do")
    comment = TextAreaField(_l("Góp ý thêm (không bắt buộc)"), name="y-kien",
                            id="danh-gia-y-kien", validators=[Optional(), Length(
                                max=ratings.COMMENT_LIMIT,
                                message=_l("Góp ý tối đa 2.000 ký tự."))])

    def answers(self) -> ratings.Answers:
        """The validated answers for :func:`ratings.rate`."""
        return ratings.Answers(*(_or_none(self[item].data) for item in ratings.ITEMS),
                               comment=self.comment.data)


def _or_none(value: int | None) -> RatingLevel | None:
    return None if value is None else RatingLevel(value)


@dataclass(frozen=True)
class Panel:
    """What the dossier page shows: the form (None once the rating is settled), the rating
    given so far and until when it may change."""

    form: RatingForm | None
    rating: Rating | None
    until: datetime | None
    days: int = ratings.EDIT_DAYS

    @property
    def errors(self) -> bool:
        return bool(self.form is not None and self.form.errors)


def rating_panel(dossier: Dossier) -> Panel | None:
    """The rating section of ``dossier``'s page (None: not returned, nothing to rate).

    Called from the template; kept for the request, since the title and the section ask.
    """
    if not ratings.can_rate(dossier):
        return None
    known = g.get("rating_panel")
    if known is not None and known[0] == dossier.id:
        return known[1]
    rating = ratings.find(db.session, dossier)
    until = ratings.editable_until(rating) if rating is not None else None
    form = None
    if ratings.editable(rating):
        form = g.pop("rating_form", None) or RatingForm(formdata=None, obj=rating)
    panel = Panel(form, rating, until)
    g.rating_panel = (dossier.id, panel)
    return panel


@bp.context_processor
def _rating_helpers() -> dict:
    return {"rating_panel": rating_panel}


def _returned(code: str) -> Dossier:
    """The current user's dossier ``code``, which must be returned.

    :raise 404: no such dossier of this user's.
    :raise 403: it is not returned yet.
    """
    dossier = _mine(code)
    if not ratings.can_rate(dossier):
        abort(403)
    return dossier


@bp.route("/<code>/danh-gia", methods=["GET", "POST"])
@login_required
def rate(code: str):
    """Give or change the rating (POST); a GET (a reload) goes back to the page's form."""
    dossier = _returned(code)
    page = url_for(".detail", code=code, _anchor="danh-gia")
    form = RatingForm()
    if not form.is_submitted():
        return redirect(page, code=303)
    if not form.validate():
        g.rating_form = form
        return _detail_page(dossier, status=422)
    try:
        _save(code, form.answers())
    except ratings.Locked:
        db.session.rollback()
        flash(_("Đã quá %(days)d ngày kể từ khi bạn đánh giá nên không sửa được nữa.",
                days=ratings.EDIT_DAYS), "error")
        return _detail_page(_mine(code), status=403)
    flash(_("Cảm ơn bạn đã đánh giá. Ý kiến của bạn giúp cơ quan phục vụ tốt hơn."),
          "success")
    return redirect(page, code=303)


def _save(code: str, answers: ratings.Answers) -> None:
    """Store the rating and commit; a second tap racing the first updates what it made."""
    for attempt in (1, 2):
        begin_writing(db.session)  # reading "no rating yet" stays true until the commit
        try:
            ratings.rate(db.session, _returned(code), current_user, answers)
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise
