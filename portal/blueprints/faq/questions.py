"""Citizens' questions (TT22-PL3-11): ask one without an account (/hoi-dap/dat-cau-hoi) and
read the answers the authority published (/hoi-dap/cau-hoi-cong-dan)."""
from __future__ import annotations

from flask import Response, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.blueprints.faq.views import bp
from portal.blueprints.feedback.views import page_number, published_procedures, sending_limit
from portal.extensions import db
from portal.htmx import render
from portal.models import Field, Procedure
from portal.services import jobs, questions
from portal.services.identity import email_problems


def _email(_form, field) -> None:
    if field.data and email_problems(field.data):
        raise ValidationError(email_problems(field.data)[0])


def _listed(_form, field) -> None:
    if (field.data or "") not in {value for value, _label in field.choices}:
        raise ValidationError(_l("Chọn một mục trong danh sách."))


class AskForm(FlaskForm):
    """A question: who asks (the e-mail only to send the answer), about what, and the text."""

    # In the order of the page, so that the error summary follows it too.
    text = TextAreaField(_l("Câu hỏi của bạn"), validators=[
        DataRequired(_l("Nhập câu hỏi.")), Length(max=3000, message=_l(
            "Nhập tối đa %(n)d ký tự.", n=3000))], render_kw={"rows": 6})
    field = SelectField(_l("Lĩnh vực (nếu biết)"), choices=[], default="",
                        validate_choice=False, validators=[_listed])
    procedure = SelectField(_l("Thủ tục hành chính (nếu biết)"), choices=[], default="",
                            validate_choice=False, validators=[_listed])
    name = StringField(_l("Họ và tên"), validators=[
        DataRequired(_l("Nhập họ và tên.")), Length(max=120, message=_l(
            "Nhập tối đa %(n)d ký tự.", n=120))], render_kw={"autocomplete": "name"})
    email = EmailField(_l("Thư điện tử (nếu muốn nhận câu trả lời qua thư)"),
                       validators=[Optional(), _email],
                       render_kw={"autocomplete": "email", "spellcheck": "false"})

    def set_choices(self, fields: list[Field], procedures: list[Procedure]) -> None:
        """Offer the fields and procedures of the catalogue (none chosen by default)."""
        self.field.choices = [("", _l("Không chọn"))] + [(str(f.id), f.name) for f in fields]
        self.procedure.choices = [("", _l("Không chọn"))] + [
            (str(p.id), p.name) for p in procedures]


def _ask_form() -> AskForm:
    procedures = published_procedures()
    fields = db.session.scalars(select(Field).where(Field.id.in_(
        {p.field_id for p in procedures})).order_by(Field.sort_order, Field.name)).all()
    form = AskForm()
    form.set_choices(list(fields), procedures)
    return form


def _ask_page(form: AskForm, status: int, refused: str | None = None) -> Response:
    response = render("faq/ask.html", form=form, status=status, refused=refused)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/dat-cau-hoi", methods=["GET", "POST"])
@sending_limit("RATELIMIT_QUESTION", lambda message: _ask_page(_ask_form(), 429, message))
def ask():
    """Ask the authority a question; the answer comes by e-mail and may be published."""
    form = _ask_form()
    if not form.validate_on_submit():
        return _ask_page(form, 422 if form.errors else 200)
    questions.ask(db.session, name=form.name.data, text=form.text.data,
                  email=form.email.data or None,
                  field_id=int(form.field.data) if form.field.data else None,
                  procedure_id=int(form.procedure.data) if form.procedure.data else None,
                  user=current_user if current_user.is_authenticated else None)
    db.session.commit()
    jobs.kick()
    return redirect(url_for(".asked", thu="1" if form.email.data else None), code=303)


@bp.get("/dat-cau-hoi/da-gui")
def asked():
    """Thanks, and what happens next."""
    return render("faq/asked.html", by_email=request.args.get("thu") == "1")


@bp.get("/cau-hoi-cong-dan")
def citizen_questions():
    """Citizens' questions and the answers the authority chose to publish (masked)."""
    return render("faq/citizen_questions.html",
                  results=questions.public_page(db.session, page_number()))
