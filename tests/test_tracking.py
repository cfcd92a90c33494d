"""Public tracking (/tra-cuu, TT22-PL3-17): code plus a second factor, no login, no hint
whether a code exists, rate-limited."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from portal.extensions import db
from portal.models import Channel
from portal.services import drafts, dossiers, sample_answers
from tests.conftest import make_app


def _dossier(app, phone: str = "0912345678") -> str:
    from portal.models import FormSpec, Procedure, User

    with app.test_request_context():
        citizen = db.session.scalar(select(User).where(User.email == "congdan@demo.local"))
        procedure = db.session.scalar(select(Procedure).where(Procedure.code == "1.004873"))
        form_spec = db.session.scalar(select(FormSpec).where(
            FormSpec.procedure_id == procedure.id))
        draft, _token = drafts.start(db.session, form_spec, citizen)
        draft.data = sample_answers.fill(drafts.spec_of(form_spec),
                                         drafts.options_fn(db.session), draft.data)
        dossier = dossiers.submit(db.session, draft, citizen, result_channel=Channel.IN_PERSON)
        dossier.applicant_phone = phone
        db.session.commit()
        return dossier.code


def test_the_form_prefills_the_code_from_the_qr_link(client, demo):
    page = client.get("/tra-cuu?ma=000.01.99.h49-250715-0001")
    assert page.status_code == 200 and 'value="000.01.99.H49-250715-0001"' in page.text
    assert page.headers["Cache-Control"] == "no-store"


def test_code_and_phone_show_status_timeline_and_due_date(app, client, demo):
    code = _dossier(app)
    page = client.post("/tra-cuu", data={"ma": code, "xac-minh": "5678"})
    assert page.status_code == 200
    assert "Mới đăng ký" in page.text and "Tiến trình giải quyết" in page.text
    assert "Hẹn trả kết quả" in page.text and "Nộp hồ sơ trực tuyến" in page.text
    assert "Nguyễn" not in page.text  # no personal details on a public page


def test_a_wrong_factor_and_an_unknown_code_look_the_same(app, client, demo):
    code = _dossier(app)
    unknown = code[:-4] + "9999"
    wrong = client.post("/tra-cuu", data={"ma": code, "xac-minh": "1234"})
    missing = client.post("/tra-cuu", data={"ma": unknown, "xac-minh": "5678"})
    assert wrong.status_code == missing.status_code == 422
    assert _plain(wrong.text, code) == _plain(missing.text, unknown)
    assert "Không có hồ sơ nào khớp" in wrong.text


def _plain(html: str, code: str) -> str:
    """The page without what differs by request anyway (CSRF tokens) and the code typed."""
    html = re.sub(r""" data-hx-headers='[^']*'""", "", html)
    html = re.sub(r'name="csrf_token" value="[^"]*"', "", html)
    return html.replace(code, "CODE")


@pytest.mark.parametrize("data, message", [
    ({"ma": "", "xac-minh": "5678"}, "Nhập mã hồ sơ"),
    ({"ma": "000.01.99.H49-250715-0001", "xac-minh": "56"}, "4 số cuối số điện thoại"),
])
def test_incomplete_lookups_say_what_is_missing(client, demo, data, message):
    page = client.post("/tra-cuu", data=data)
    assert page.status_code == 422 and message in page.text
    assert 'aria-invalid="true"' in page.text


def test_lookups_are_rate_limited(demo, request, tmp_path):
    app = make_app("sqlite", request, tmp_path, seeded=True, RATELIMIT_ENABLED=True,
                   RATELIMIT_LOOKUP="3 per minute")
    client = app.test_client()
    statuses = [client.post("/tra-cuu", data={"ma": "000.01.99.H49-250715-0001",
                                              "xac-minh": f"{n:04d}"}).status_code
                for n in range(5)]
    assert statuses[:3] == [422, 422, 422] and statuses[3:] == [429, 429]


def test_guessing_the_second_factor_of_one_code_rests_that_code(app, client, demo):
    """Rate limits are per address; a code being guessed from many addresses rests itself:
    after LOGIN_FREE_FAILURES wrong tries it answers "try again in N s" without looking,
    the same for a code that does not exist. Other codes are not affected; once the rest is
    over the right factor works again."""
    code, other = _dossier(app), _dossier(app, phone="0987654321")
    unknown = code[:-4] + "9999"
    free = app.config["LOGIN_FREE_FAILURES"]
    start = datetime.now(timezone.utc)
    with time_machine.travel(start, tick=False):  # the rest does not run out meanwhile
        for target in (code, unknown):
            answers = [client.post("/tra-cuu", data={"ma": target, "xac-minh": f"{n:04d}"})
                       for n in range(free + 1)]
            assert [a.status_code for a in answers] == [422] * free + [429]
            assert "Hãy thử lại sau 2 giây" in answers[-1].text
            assert 'aria-invalid="true"' in answers[-1].text
        # Resting: even the right factor is not checked (nothing tells a guesser it was).
        resting = client.post("/tra-cuu", data={"ma": code, "xac-minh": "5678"})
        assert resting.status_code == 429 and "Mới đăng ký" not in resting.text
        page = client.post("/tra-cuu", data={"ma": other, "xac-minh": "4321"})
        assert page.status_code == 200 and "Mới đăng ký" in page.text
    with time_machine.travel(start + timedelta(seconds=2), tick=False):
        page = client.post("/tra-cuu", data={"ma": code, "xac-minh": "5678"})
        assert page.status_code == 200 and "Mới đăng ký" in page.text


def test_lookups_need_the_csrf_token(demo, request, tmp_path):
    app = make_app("sqlite", request, tmp_path, seeded=True, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/tra-cuu")
    assert client.post("/tra-cuu", data={"ma": "x", "xac-minh": "1234"}).status_code == 400
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    ok = client.post("/tra-cuu", data={"ma": "x", "xac-minh": "1234", "csrf_token": token})
    assert ok.status_code == 422


def test_a_parallel_failure_on_the_same_code_is_counted_too(app, backend):
    """Another lookup of the same code fails while this one is looking. PostgreSQL: it
    commits, and this lookup adds its own failure to the row (created without a conflict,
    then locked). SQLite: this lookup holds the write lock from its start, so the other one
    waits for it (here, with a short timeout, it gives up). Never a 500."""
    from sqlalchemy.exc import OperationalError

    from portal.models import LoginThrottle
    from portal.services import throttle

    code = "000.01.99.H49-250715-0001"
    with app.test_request_context():
        key = throttle.key("tracking", code)
        insert = LoginThrottle.__table__.insert().values(key=key, failures=1)

        def parallel_failure_then_miss():
            with db.engine.connect() as other:
                if backend == "sqlite":
                    other.exec_driver_sql("PRAGMA busy_timeout=50")
                    with pytest.raises(OperationalError, match="locked"):
                        other.execute(insert)
                    other.rollback()
                    other.exec_driver_sql("PRAGMA busy_timeout=10000")
                else:
                    other.execute(insert)
                    other.commit()
            return None

        assert throttle.guarded_lookup(db.session, "tracking", code,
                                       parallel_failure_then_miss) == (None, 0)
        db.session.rollback()
        counted = db.session.get(LoginThrottle, key).failures
        assert counted == (2 if backend == "postgresql" else 1)
