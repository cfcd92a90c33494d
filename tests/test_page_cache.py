"""The page cache: anonymous public pages served from memory until public content changes."""
from __future__ import annotations

from sqlalchemy import select

from portal.models import Procedure, SiteState
from portal.services import search


def test_second_visit_is_served_from_the_cache(client, demo, count_queries):
    first = client.get("/thu-tuc/1.001193")
    with count_queries() as counter:
        second = client.get("/thu-tuc/1.001193")
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]
    assert counter["n"] <= 2  # the content-version check, nothing else


def test_a_content_change_shows_at_once(client, demo, session):
    assert "Thủ tục đăng ký khai sinh" in client.get("/thu-tuc/1.001193").get_data(True)
    procedure = session.scalar(select(Procedure).where(Procedure.code == "1.001193"))
    procedure.name = "Thủ tục đăng ký khai sinh (đã sửa)"
    session.commit()
    assert "(đã sửa)" in client.get("/thu-tuc/1.001193").get_data(as_text=True)


def test_commits_without_public_changes_keep_the_version(session, demo):
    before = session.scalar(select(SiteState.value).where(SiteState.key == "content"))
    session.commit()
    assert session.scalar(select(SiteState.value).where(SiteState.key == "content")) == before
    procedure = session.scalar(select(Procedure).where(Procedure.code == "1.001193"))
    procedure.popularity += 1
    session.commit()
    assert session.scalar(select(SiteState.value).where(SiteState.key == "content")) == \
        before + 1


def test_variants_are_cached_apart(client, demo):
    vi = client.get("/thu-tuc/1.001193").get_data(as_text=True)
    en = client.get("/thu-tuc/1.001193?lang=en").get_data(as_text=True)
    assert '<html lang="vi">' in vi and '<html lang="en">' in en
    fragment = client.get("/thu-tuc/?linh-vuc=ho-tich", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True)
    assert "<html" in client.get("/thu-tuc/?linh-vuc=ho-tich").get_data(as_text=True)


def test_searches_and_visitors_with_a_session_are_not_cached(client, demo, count_queries):
    client.get("/tim-kiem/?q=khai+sinh")
    with count_queries() as counter:
        client.get("/tim-kiem/?q=khai+sinh")
    assert counter["n"] > 2
    client.set_cookie("session", "anything")
    client.get("/thu-tuc/1.001193")
    with count_queries() as counter:
        client.get("/thu-tuc/1.001193")
    assert counter["n"] > 2


def test_reindexing_alone_does_not_touch_the_version(session, demo):
    before = session.scalar(select(SiteState.value).where(SiteState.key == "content"))
    search.rebuild(session)
    session.commit()
    assert session.scalar(select(SiteState.value).where(SiteState.key == "content")) == before


def test_a_forged_host_never_fills_the_cache_for_others(client, demo):
    forged = client.get("/thu-tuc/", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert 'href="http://evil.example/thu-tuc/"' in forged
    html = client.get("/thu-tuc/").get_data(as_text=True)
    assert "evil.example" not in html
    assert "evil.example" not in client.get("/robots.txt").get_data(as_text=True)


def test_untrusted_hosts_are_refused_when_configured(request, tmp_path):
    from tests.conftest import make_app

    app = make_app("sqlite", request, tmp_path, TRUSTED_HOSTS=["localhost"])
    client = app.test_client()
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/").status_code == 200


def test_a_response_that_sets_a_cookie_is_never_cached(app, demo):
    """A page that started a session (flash, remember-me login, a form) may be personal."""
    from flask import session as flask_session

    @app.before_request
    def personalise():
        from flask import request

        if request.args.get("ca-nhan"):
            flask_session["secret"] = "CCCD 022192012345"

    @app.after_request
    def show(response):
        from flask import request

        if request.args.get("ca-nhan") and response.status_code == 200:
            response.set_data(response.get_data() + b"<!-- 022192012345 -->")
        return response

    first = app.test_client().get("/thu-tuc/?ca-nhan=1", headers={"Accept-Encoding": ""})
    assert "Set-Cookie" in first.headers
    other = app.test_client().get("/thu-tuc/?ca-nhan=1", headers={"Accept-Encoding": ""})
    # Served afresh (it sets its own cookie again), never from the first visitor's copy.
    assert "Set-Cookie" in other.headers
