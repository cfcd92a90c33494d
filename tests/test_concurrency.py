"""Concurrency against a live server, on SQLite and PostgreSQL (issue 13, TT32-EF-4).

Requests are real HTTP requests sent from parallel threads, released together by a barrier,
to the app served by a threaded server: what several tabs, devices and officers do at once.
Whatever the timing: no 500, no acknowledged save lost or silently overwritten, exactly one
winner where two saves want the same field, and numbers that never collide.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Attachment, Draft, Procedure, Revision
from portal.services import drafts, procedure_editor, revisions
from tests.dossier_support import BIRTH, PDF, component_ids
from tests.live import Client, Reply, at_once, serve

JSON = {"Accept": "application/json"}


@pytest.fixture
def base(app, demo):
    """The app (demo data) served over real HTTP."""
    with serve(app) as url:
        yield url


def _start(client: Client, code: str = BIRTH) -> str:
    reply = client.post(f"/nop-ho-so/{code}")
    assert reply.status == 303, reply.status
    return re.search(r"/nhap/([^/?#]+)", reply.headers["Location"]).group(1)


def _stored(app, token: str) -> Draft:
    with app.app_context():
        draft = drafts.find(db.session, token)
        db.session.expunge(draft)
        return draft


def _autosave(client: Client, token: str, revision: int, **values) -> Reply:
    return client.post(f"/nop-ho-so/nhap/{token}/luu", data={**values, "_revision": revision},
                       headers=JSON)


def _no_server_error(replies: list[Reply]) -> None:
    assert [r.status for r in replies if r.status >= 500] == [], [r.text[:300] for r in replies]


@pytest.mark.parametrize("saves", [2, 6])
def test_saves_of_one_field_on_one_revision_acknowledge_exactly_one(app, base, saves):
    client = Client(base)
    token = _start(client)
    for round_ in range(4):
        revision = _stored(app, token).revision
        values = [f"Nguyễn Văn {chr(65 + round_)}{n}" for n in range(saves)]
        replies = at_once([lambda v=v: _autosave(client, token, revision, nyc_ho_ten=v)
                           for v in values])
        _no_server_error(replies)
        statuses = [r.status for r in replies]
        assert statuses.count(200) == 1 and statuses.count(409) == saves - 1, statuses
        winner = values[statuses.index(200)]
        assert _stored(app, token).data["nyc_ho_ten"] == winner  # the acknowledged one
        for reply in replies:
            if reply.status == 409:  # the loser is told what the field holds now
                assert reply.json()["fields"] == {"nyc_ho_ten": winner}


def test_two_tabs_saving_different_fields_are_both_kept(app, base):
    client = Client(base)
    token = _start(client)
    for round_ in range(5):
        revision = _stored(app, token).revision
        name, place = f"Trần Thị {round_}", f"Quê {round_}"
        first, second = at_once([
            lambda: _autosave(client, token, revision, nyc_ho_ten=name),
            lambda: _autosave(client, token, revision, ks_que_quan=place)])
        assert (first.status, second.status) == (200, 200)
        stored = _stored(app, token)
        assert (stored.data["nyc_ho_ten"], stored.data["ks_que_quan"]) == (name, place)
        # The later of the two learns what the other saved, so its page can show it.
        later, other_field, other_value = ((first, "ks_que_quan", place)
                                           if first.json()["revision"] > second.json()["revision"]
                                           else (second, "nyc_ho_ten", name))
        assert later.json()["changes"] == {other_field: other_value}


def test_a_stale_tab_never_overwrites_what_another_tab_saved(app, base):
    tab_a, tab_b = Client(base), Client(base)
    token = _start(tab_a)
    seen_by_a = _stored(app, token).revision
    assert _autosave(tab_b, token, seen_by_a, nyc_ho_ten="Lê Văn B").status == 200
    stale = _autosave(tab_a, token, seen_by_a, nyc_ho_ten="Lê Văn A")
    assert stale.status == 409
    assert stale.json()["fields"] == {"nyc_ho_ten": "Lê Văn B"}
    assert _stored(app, token).data["nyc_ho_ten"] == "Lê Văn B"
    # Having seen it, tab A may choose to keep its own value.
    mine = _autosave(tab_a, token, stale.json()["revision"], nyc_ho_ten="Lê Văn A")
    assert mine.status == 200 and _stored(app, token).data["nyc_ho_ten"] == "Lê Văn A"


def test_autosave_and_section_submit_from_one_tab_never_conflict(app, base):
    """Leaving a field fires an autosave in the same moment as "Lưu và tiếp tục": both go
    with the revision the page had, and carry the same value."""
    client = Client(base)
    token = _start(client)
    for round_ in range(8):
        revision = _stored(app, token).revision
        value = f"Phạm Văn {round_}"
        section = {"nyc_ho_ten": value, "_revision": revision, "action": "luu-nhap"}
        autosave, submit = at_once([
            lambda: _autosave(client, token, revision, nyc_ho_ten=value),
            lambda: client.post(f"/nop-ho-so/nhap/{token}?phan=nguoi-yeu-cau", data=section)])
        assert (autosave.status, submit.status) == (200, 303), submit.text[:500]
        assert _stored(app, token).data["nyc_ho_ten"] == value


def test_parallel_draft_starts_and_uploads(app, base):
    clients = [Client(base) for _ in range(6)]
    tokens = [reply.headers["Location"] for reply in at_once(
        [lambda c=c: c.post(f"/nop-ho-so/{BIRTH}") for c in clients])]
    assert len(set(tokens)) == 6
    client = clients[0]
    token = re.search(r"/nhap/([^/?#]+)", tokens[0]).group(1)
    component = component_ids(app, BIRTH)[0]
    files = [PDF.replace(b"%%EOF", f"%{n}\n%%EOF".encode()) for n in range(5)]
    replies = at_once([lambda data=data, n=n: client.post(
        f"/nop-ho-so/nhap/{token}/giay-to/{component}",
        files={"tep": (f"giay-{n}.pdf", data, "application/pdf")}) for n, data in enumerate(files)])
    _no_server_error(replies)
    assert {r.status for r in replies} <= {200, 303}
    with app.app_context():
        draft_id = _stored(app, token).id
        stored = db.session.scalar(select(func.count()).select_from(Attachment).where(
            Attachment.draft_id == draft_id))
    assert stored == 5


def test_two_clicks_on_restore_both_answer_and_number_apart(app, base):
    with app.app_context():
        procedure = db.session.scalar(select(Procedure).order_by(Procedure.id))
        procedure_id = procedure.id
        for _ in range(2):
            revisions.record(db.session, procedure_editor.KIND, procedure.id,
                             procedure_editor.snapshot(procedure), None)
        db.session.commit()
    editor = Client(base)
    assert editor.post("/tai-khoan/dang-nhap", data={
        "identifier": "bientap@demo.local", "password": "Demo@12345"}).status == 303
    path = f"/quan-tri/thu-tuc/{procedure_id}/lich-su/1/khoi-phuc"
    replies = at_once([lambda: editor.post(path), lambda: editor.post(path)])
    assert [r.status for r in replies] == [303, 303]
    with app.app_context():
        numbers = db.session.scalars(select(Revision.number).where(
            Revision.kind == procedure_editor.KIND, Revision.object_id == procedure_id)).all()
    assert sorted(numbers) == [1, 2, 3, 4]


def test_two_clicks_on_duplicate_make_two_copies_with_their_own_codes(app, base):
    with app.app_context():
        procedure_id = db.session.scalar(select(Procedure.id).order_by(Procedure.id))
    editor = Client(base)
    assert editor.post("/tai-khoan/dang-nhap", data={
        "identifier": "bientap@demo.local", "password": "Demo@12345"}).status == 303
    path = f"/quan-tri/thu-tuc/{procedure_id}/nhan-ban"
    replies = at_once([lambda: editor.post(path), lambda: editor.post(path)])
    assert [r.status for r in replies] == [303, 303], [r.text[:300] for r in replies]
    assert len({r.headers["Location"] for r in replies}) == 2  # two copies, two pages
