"""Staff account forms keep the officer's agency and roles; moving an officer is an audited
act with the old and new values (issue 13, TT22-PL2-06, TT22-PL5-b)."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from portal.models import Agency, AuditEvent, Role, User
from portal.services import audit
from tests.conftest import login


class _FormValues(HTMLParser):
    """What a browser would send for the first POST form of a page, left as shown."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text")
            if kind not in ("checkbox", "radio") or "checked" in attributes:
                self.fields.append((name, attributes.get("value", "on") or ""))
        elif tag == "select":
            self._select = name
            self._first: str | None = None
            self._chosen = False
        elif tag == "option" and self._select:
            value = attributes.get("value", "")
            if self._first is None:
                self._first = value
            if "selected" in attributes:
                self.fields.append((self._select, value))
                self._chosen = True

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            if not self._chosen and self._first is not None:
                self.fields.append((self._select, self._first))  # what a browser shows
            self._select = None


def _as_shown(html: str) -> dict[str, list[str]]:
    parser = _FormValues()
    parser.feed(html)
    values: dict[str, list[str]] = {}
    for name, value in parser.fields:
        values.setdefault(name, []).append(value)
    return values


@pytest.fixture
def admin(client, demo):
    login(client, "quantri@demo.local")
    return client


def _officer(session, email: str = "motcua@demo.local") -> User:
    session.rollback()  # see the requests' commits
    return session.scalar(select(User).where(User.email == email))


def test_the_form_shows_the_officers_agency_and_roles(admin, session):
    officer = _officer(session)
    shown = _as_shown(admin.get(f"/quan-tri/can-bo/{officer.id}").get_data(as_text=True))
    assert shown["agency"] == [str(officer.agency_id)]
    assert shown["roles"] == [role.value for role in officer.roles]


def test_saving_the_form_as_shown_keeps_agency_and_roles(admin, session):
    """The measured escalation: saving moved the officer to the top agency (sees everything)."""
    officer = _officer(session)
    agency_id, roles = officer.agency_id, officer.roles
    form = _as_shown(admin.get(f"/quan-tri/can-bo/{officer.id}").get_data(as_text=True))
    form["display_name"] = ["Trần Văn Tiếp Mới"]
    assert admin.post(f"/quan-tri/can-bo/{officer.id}", data=form).status_code == 303
    officer = _officer(session)
    assert officer.display_name == "Trần Văn Tiếp Mới"
    assert (officer.agency_id, officer.roles) == (agency_id, roles)
    moves = session.scalars(select(AuditEvent).where(AuditEvent.action.in_(
        [audit.AGENCY_CHANGED, audit.ROLES_CHANGED]))).all()
    assert moves == []


def test_moving_an_officer_is_audited_with_old_and_new_values(admin, session):
    officer = _officer(session)
    before = session.get(Agency, officer.agency_id)
    other = session.scalar(select(Agency).where(Agency.code == "000.03.99.H49"))
    assert other.id != before.id
    form = _as_shown(admin.get(f"/quan-tri/can-bo/{officer.id}").get_data(as_text=True))
    form.update(agency=[str(other.id)], roles=["receiver", "processor"])
    response = admin.post(f"/quan-tri/can-bo/{officer.id}", data=form, follow_redirects=True)
    assert other.name in response.get_data(as_text=True)  # the change is said, not implied
    officer = _officer(session)
    assert officer.agency_id == other.id
    assert officer.roles == {Role.RECEIVER, Role.PROCESSOR}
    moved = session.scalar(select(AuditEvent).where(AuditEvent.action == audit.AGENCY_CHANGED))
    assert moved.object_id == str(officer.id)
    assert moved.details["before"] == {"code": before.code, "name": before.name}
    assert moved.details["after"] == {"code": other.code, "name": other.name}
    roles = session.scalar(select(AuditEvent).where(AuditEvent.action == audit.ROLES_CHANGED))
    assert roles.details["before"] == ["receiver"]
    assert roles.details["after"] == ["processor", "receiver"]


def test_an_account_without_agency_is_not_given_one_silently(admin, session, app):
    """A nationwide administrator (no agency) keeps none when the form is saved as shown."""
    me = _officer(session, "quantri@demo.local")
    me.agency_id = None
    session.commit()
    form = _as_shown(admin.get(f"/quan-tri/can-bo/{me.id}").get_data(as_text=True))
    assert form["agency"] == [""]
    assert admin.post(f"/quan-tri/can-bo/{me.id}", data=form).status_code == 303
    assert _officer(session, "quantri@demo.local").agency_id is None


def test_new_staff_must_be_given_an_agency_explicitly(admin, session):
    form = _as_shown(admin.get("/quan-tri/can-bo/moi").get_data(as_text=True))
    assert form["agency"] == [""]
    form.update(display_name=["Vũ Thị Mới"], email=["moi@minhhoa.example.gov.vn"],
                roles=["processor"])
    response = admin.post("/quan-tri/can-bo/moi", data=form)
    assert response.status_code == 422 and "Chọn cơ quan, đơn vị." in response.get_data(True)
