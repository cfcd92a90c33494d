"""Satisfaction ratings of returned dossiers (TT32-12.0–12.2, TT22-PL3-09): only the owner of
a returned dossier rates it, on exactly three levels, overall required, the details optional;
it can be changed for 30 days and not after; the owner is invited by e-mail on return."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    Channel,
    Dossier,
    DossierStatus,
    FormSpec,
    OutboundMessage,
    Procedure,
    Rating,
    RatingLevel,
    User,
)
from portal.services import drafts, dossiers, ratings, sample_answers, workflow
from tests.conftest import login
from tests.dossier_support import CITIZEN, MARITAL

RECEIVER, PROCESSOR, LEADER = "motcua@demo.local", "chuyenvien@demo.local", "lanhdao@demo.local"
#: The way through the office to a returned result: (action, who takes it).
TO_RETURNED = (("accept", RECEIVER), ("assign", PROCESSOR), ("approve", LEADER),
               ("return_result", RECEIVER))
ALL = {"tong-the": "1", "thuan-tien": "2", "dung-han": "3", "thai-do": "1",
       "y-kien": "Cán bộ hướng dẫn tận tình."}


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def make_dossier(app, *, until: str = "return_result", owner: str = CITIZEN,
                 now: datetime | None = None) -> str:
    """A dossier submitted online by ``owner`` and taken through the office (with the
    services, as staff would) up to and including ``until``; its code."""
    with app.test_request_context():
        procedure = db.session.scalar(select(Procedure).where(Procedure.code == MARITAL))
        form_spec = db.session.scalar(select(FormSpec).where(
            FormSpec.procedure_id == procedure.id))
        citizen = _user(owner)
        draft, _token = drafts.start(db.session, form_spec, citizen)
        draft.data = sample_answers.fill(drafts.spec_of(form_spec),
                                         drafts.options_fn(db.session), draft.data)
        dossier = dossiers.submit(db.session, draft, citizen, result_channel=Channel.ONLINE,
                                  now=now)
        for action, staff in TO_RETURNED:
            if until == "submit":
                break
            workflow.apply(db.session, dossier, action, _user(staff), now=now)
            if action == until:
                break
        db.session.commit()
        return dossier.code


def _rate(client, code: str, **answers):
    return client.post(f"/ho-so/{code}/danh-gia", data=answers)


def _rating(app, code: str) -> Rating | None:
    with app.app_context():
        rating = db.session.scalar(select(Rating).join(Dossier, Dossier.id == Rating.dossier_id)
                                   .where(Dossier.code == code))
        if rating is not None:
            db.session.expunge(rating)
        return rating


@pytest.fixture
def citizen(app, client, demo):
    login(client, CITIZEN)
    return client


# --- Who rates what ----------------------------------------------------------------------


def test_the_owner_is_invited_on_the_page_and_rates_with_all_items(app, citizen):
    code = make_dossier(app)
    page = citizen.get(f"/ho-so/{code}")
    assert page.status_code == 200
    assert 'id="danh-gia"' in page.text and "Đánh giá sự hài lòng" in page.text
    for name in ("tong-the", "thuan-tien", "dung-han", "thai-do"):
        assert len(re.findall(rf'type="radio" id="[^"]+" name="{name}"', page.text)) == 3
    for label in ("Rất hài lòng", "Hài lòng", "Chưa hài lòng"):
        assert f">{label}</label>" in page.text
    response = _rate(citizen, code, **ALL)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/ho-so/{code}#danh-gia")
    rating = _rating(app, code)
    assert (rating.overall, rating.convenience, rating.timeliness, rating.attitude) == (
        RatingLevel.VERY_SATISFIED, RatingLevel.SATISFIED, RatingLevel.UNSATISFIED,
        RatingLevel.VERY_SATISFIED)
    assert rating.comment == "Cán bộ hướng dẫn tận tình."
    with app.app_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        assert (rating.procedure_id, rating.agency_id, rating.user_id) == (
            dossier.procedure_id, dossier.agency_id, dossier.user_id)
    after = citizen.get(f"/ho-so/{code}")
    assert "Cảm ơn bạn đã đánh giá" in after.text and "Lưu thay đổi" in after.text
    assert re.search(r'name="tong-the" value="1" checked', after.text)


def test_overall_alone_is_enough(app, citizen):
    code = make_dossier(app)
    assert _rate(citizen, code, **{"tong-the": "2"}).status_code == 303
    rating = _rating(app, code)
    assert rating.overall is RatingLevel.SATISFIED
    assert (rating.convenience, rating.timeliness, rating.attitude, rating.comment) == (
        None, None, None, None)


def test_overall_is_required_and_answers_are_kept(app, citizen):
    code = make_dossier(app)
    response = _rate(citizen, code, **{"thuan-tien": "1", "y-kien": "Nhanh gọn"})
    assert response.status_code == 422
    text = response.text
    assert text.count("Chọn mức độ hài lòng chung về dịch vụ.") == 2  # summary and field
    assert "<title>Lỗi:" in text and 'href="#danh-gia-tong-the"' in text
    group = re.search(r'<div class="[^"]*" id="danh-gia-tong-the-group">.*?</fieldset>',
                      text, re.S).group(0)
    assert "portal-form-group--error" in group and 'id="danh-gia-tong-the-error"' in group
    assert 'aria-describedby="danh-gia-tong-the-hint danh-gia-tong-the-error"' in group
    assert re.search(r'name="thuan-tien" value="1" checked', text)
    assert ">Nhanh gọn</textarea>" in text
    assert _rating(app, code) is None


@pytest.mark.parametrize("field, value", [("tong-the", "4"), ("tong-the", "0"),
                                          ("thai-do", "4"), ("dung-han", "rat-hai-long")])
def test_only_the_three_levels_are_accepted(app, citizen, field, value):
    code = make_dossier(app)
    response = _rate(citizen, code, **{"tong-the": "1", field: value})
    assert response.status_code == 422
    assert "Chọn một trong ba mức: Rất hài lòng, Hài lòng hoặc Chưa hài lòng." in response.text
    assert f'id="danh-gia-{field}-error"' in response.text
    assert _rating(app, code) is None


def test_a_comment_is_at_most_2000_characters(app, citizen):
    code = make_dossier(app)
    response = _rate(citizen, code, **{"tong-the": "1", "y-kien": "ạ" * 2001})
    assert response.status_code == 422 and "Góp ý tối đa 2.000 ký tự." in response.text
    assert _rate(citizen, code, **{"tong-the": "1", "y-kien": "ạ" * 2000}).status_code == 303
    assert len(_rating(app, code).comment) == 2000


@pytest.mark.parametrize("until", ["submit", "accept", "approve"])
def test_only_returned_dossiers_are_rated(app, citizen, until):
    code = make_dossier(app, until=until)
    assert 'id="danh-gia"' not in citizen.get(f"/ho-so/{code}").text
    assert _rate(citizen, code, **{"tong-the": "1"}).status_code == 403
    assert _rating(app, code) is None


def test_only_the_owner_rates(app, client, demo):
    code = make_dossier(app)
    login(client, "lanhdao@demo.local")  # staff who handled it, not its owner
    assert _rate(client, code, **{"tong-the": "3"}).status_code == 404
    assert _rate(client, "000.00.00.H49-260101-9999", **{"tong-the": "3"}).status_code == 404
    anonymous = app.test_client()
    response = _rate(anonymous, code, **{"tong-the": "3"})
    assert response.status_code in (302, 303) and "/tai-khoan/dang-nhap" in \
        response.headers["Location"]
    assert _rating(app, code) is None
    with app.test_request_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        with pytest.raises(ratings.NotRatable):
            ratings.rate(db.session, dossier, _user("lanhdao@demo.local"),
                         ratings.Answers(RatingLevel.SATISFIED))


def test_a_get_goes_back_to_the_form(app, citizen):
    code = make_dossier(app)
    response = citizen.get(f"/ho-so/{code}/danh-gia")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/ho-so/{code}#danh-gia")


# --- One rating, editable for 30 days ---------------------------------------------------


def test_one_rating_per_dossier_editable_for_30_days_then_read_only(app, citizen):
    start = datetime(2026, 3, 2, 3, 0, tzinfo=timezone.utc)
    with time_machine.travel(start, tick=False):
        code = make_dossier(app, now=start)
        login(citizen, CITIZEN)
        assert _rate(citizen, code, **{"tong-the": "3", "y-kien": "Chờ lâu"}).status_code == 303
    with time_machine.travel(start + timedelta(days=29, hours=23), tick=False):
        login(citizen, CITIZEN)  # the earlier login has timed out by now
        assert "Bạn có thể sửa đánh giá đến 01/04/2026 10:00" in citizen.get(
            f"/ho-so/{code}").text
        assert _rate(citizen, code, **{"tong-the": "1", "dung-han": "2"}).status_code == 303
    rating = _rating(app, code)
    assert (rating.overall, rating.timeliness, rating.comment) == (
        RatingLevel.VERY_SATISFIED, RatingLevel.SATISFIED, None)
    assert rating.created_at == start
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Rating)) == 1
    with time_machine.travel(start + timedelta(days=30, minutes=1), tick=False):
        login(citizen, CITIZEN)
        page = citizen.get(f"/ho-so/{code}")
        assert 'name="tong-the"' not in page.text
        assert "Bạn đã đánh giá ngày 02/03/2026" in page.text
        assert "Rất hài lòng" in page.text and "Hài lòng" in page.text
        response = _rate(citizen, code, **{"tong-the": "3"})
        assert response.status_code == 403
        assert "không sửa được nữa" in response.text
    assert _rating(app, code).overall is RatingLevel.VERY_SATISFIED


def test_the_service_refuses_a_locked_rating(app, demo):
    code = make_dossier(app)
    with app.test_request_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
        owner = _user(CITIZEN)
        given = datetime(2026, 1, 1, tzinfo=timezone.utc)
        rating = ratings.rate(db.session, dossier, owner, ratings.Answers(
            RatingLevel.SATISFIED), now=given)
        assert ratings.editable(rating, given + timedelta(days=29))
        assert not ratings.editable(rating, given + timedelta(days=30))
        with pytest.raises(ratings.Locked):
            ratings.rate(db.session, dossier, owner, ratings.Answers(
                RatingLevel.UNSATISFIED), now=given + timedelta(days=31))


# --- The invitation -------------------------------------------------------------------------


def test_the_owner_is_invited_by_email_when_the_result_is_returned(app, client, demo, mail):
    from tests.test_backoffice import _as, _post, _to_approval

    dossier, _officer = _to_approval(app, client)
    assert _post(_as(app, LEADER), dossier.code, "phe-duyet").status_code == 303
    assert not any("Mời bạn đánh giá" in m["Subject"] for m in mail.messages)
    assert _post(_as(app, RECEIVER), dossier.code, "tra-ket-qua",
                 **{"hinh-thuc": "2"}).status_code == 303
    invites = [m for m in mail.messages if "Mời bạn đánh giá" in m["Subject"]]
    assert len(invites) == 1
    invite = invites[0]
    with app.app_context():
        row = db.session.scalar(select(Dossier).where(Dossier.code == dossier.code))
        assert invite["To"] == row.applicant_email or invite["To"] == row.user.email
    body = invite.get_body(preferencelist=("plain",)).get_content()
    assert dossier.code in body and "Rất hài lòng" in body and "30 ngày" in body
    link = re.search(r"http://localhost(/\S+)", body).group(1)
    assert link == f"/ho-so/{dossier.code}#danh-gia"  # the owner's own page, no token
    page = client.get(link.split("#")[0])  # ``client`` is the owner, logged in
    assert 'id="danh-gia"' in page.text
    with app.app_context():
        logged = db.session.scalars(select(OutboundMessage.subject).where(
            OutboundMessage.dossier_id == row.id)).all()
    assert any("Mời bạn đánh giá" in (subject or "") for subject in logged)


def _invites(code: str) -> int:
    return db.session.scalar(select(func.count()).select_from(OutboundMessage).join(
        Dossier, Dossier.id == OutboundMessage.dossier_id).where(
        Dossier.code == code, OutboundMessage.subject.like("Mời bạn đánh giá%")))


def test_no_invitation_for_a_dossier_without_an_owner(app, demo):
    owned = make_dossier(app)
    orphan = make_dossier(app, until="approve")
    with app.test_request_context():
        dossier = db.session.scalar(select(Dossier).where(Dossier.code == orphan))
        dossier.user_id = None  # filed at the desk for someone without an account
        workflow.apply(db.session, dossier, "return_result", _user(RECEIVER))
        db.session.commit()
        assert dossier.status is DossierStatus.RETURNED
        assert (_invites(owned), _invites(orphan)) == (1, 0)
