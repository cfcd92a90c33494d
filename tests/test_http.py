"""Fast on a cheap phone: conditional GET, compression, caching of static files."""
from __future__ import annotations

import gzip
import re


def test_pages_can_be_revalidated_with_a_304(client, demo):
    first = client.get("/thu-tuc/1.001193")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-cache"
    again = client.get("/thu-tuc/1.001193", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_pages_are_gzipped_for_clients_that_accept_it(client, demo):
    response = client.get("/thu-tuc/1.001193", headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    html = gzip.decompress(response.data).decode("utf-8")
    assert "Thủ tục đăng ký khai sinh" in html
    # The compressed page has its own validator, stable across requests.
    again = client.get("/thu-tuc/1.001193", headers={"Accept-Encoding": "gzip",
                                                     "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    plain = client.get("/thu-tuc/1.001193")
    assert "Content-Encoding" not in plain.headers


def test_static_files_are_compressed_and_cached_for_a_year(client):
    html = client.get("/").get_data(as_text=True)
    js = re.search(r'src="(/static/vendor/htmx\.min\.js\?v=[0-9a-f]+)"', html).group(1)
    with client.get(js, headers={"Accept-Encoding": "gzip"}) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert "max-age=31536000" in response.headers["Cache-Control"]
        assert len(response.data) < 20_000  # htmx is ~50 KB raw
    with client.get(js, headers={"Accept-Encoding": "gzip"}) as cached:
        assert cached.data == response.data


def test_small_and_binary_responses_are_left_alone(client, demo):
    assert "Content-Encoding" not in client.get(
        "/healthz", headers={"Accept-Encoding": "gzip"}).headers
    with client.get("/thu-tuc/1.001193/tai-ve", headers={"Accept-Encoding": "gzip"}) as docx:
        assert "Content-Encoding" not in docx.headers


def test_compressed_static_files_are_revalidated_with_a_304(client):
    with client.get("/static/css/portal.css", headers={"Accept-Encoding": "gzip"}) as first:
        etag = first.headers["ETag"]
        assert etag.endswith('-gzip"')
    with client.get("/static/css/portal.css", headers={"Accept-Encoding": "gzip",
                                                       "If-None-Match": etag}) as again:
        assert again.status_code == 304 and again.data == b""
