"""Cheap-phone friendly HTTP: conditional GET for pages, gzip for text responses.

* HTML pages get an ETag and ``Cache-Control: no-cache``: the browser keeps its copy and asks
  "changed?" each time; an unchanged page costs a 304 with no body.
* Text responses (HTML, CSS, JavaScript, JSON, XML, SVG) are gzipped when the client accepts
  it. Static files are compressed once per version and kept in a small in-memory cache.
"""
from __future__ import annotations

import gzip
from collections import OrderedDict
from threading import Lock

from flask import Flask, Response, request

COMPRESSIBLE = {
    "text/html", "text/css", "text/plain", "text/javascript", "application/javascript",
    "application/json", "application/xml", "application/ld+json", "image/svg+xml",
}
MIN_SIZE = 512
_STATIC_CACHE: OrderedDict[str, bytes] = OrderedDict()
_STATIC_CACHE_SIZE = 64
_STATIC_LOCK = Lock()


def init_app(app: Flask) -> None:
    """Register the response finaliser."""
    app.after_request(finalize)


def finalize(response: Response) -> Response:
    """Compress, then give pages a validator of the bytes sent and answer conditional GETs.

    Compression is deterministic (no timestamp in the gzip header), so the ETag of a page
    stays the same until its content changes, in each encoding.
    """
    response = compress(response)
    if request.method in ("GET", "HEAD") and response.status_code == 200 \
            and response.mimetype == "text/html" and not response.direct_passthrough:
        response.headers.setdefault("Cache-Control", "no-cache")
        response.add_etag()
        response.make_conditional(request)
    return response


def compress(response: Response) -> Response:
    """Gzip a text response for clients that accept it (never twice, never partial)."""
    if response.status_code != 200 or response.mimetype not in COMPRESSIBLE \
            or "Content-Encoding" in response.headers or request.method == "HEAD":
        return response
    response.vary.add("Accept-Encoding")
    if not request.accept_encodings["gzip"]:
        return response
    etag, _weak = response.get_etag()
    if response.direct_passthrough and etag:
        # A static file: answer "not modified" for the compressed copy's own validator (send_file
        # only knows the uncompressed file's), else send the compressed bytes, made once.
        if request.if_none_match.contains(f"{etag}-gzip"):
            _close_original(response)
            return Response(status=304, headers=_validators(response, f"{etag}-gzip"))
        body = _static_gzip(response, f"{request.path}|{etag}")
        response.set_etag(f"{etag}-gzip")
    else:
        if response.direct_passthrough:
            return response  # a file without a validator: sent as it is
        data = response.get_data()
        if len(data) < MIN_SIZE:
            return response
        body = gzip.compress(data, compresslevel=6, mtime=0)
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    return response


def _static_gzip(response: Response, key: str) -> bytes:
    with _STATIC_LOCK:
        body = _STATIC_CACHE.get(key)
        if body is not None:
            _STATIC_CACHE.move_to_end(key)
    if body is None:
        response.direct_passthrough = False
        data = response.get_data()
        body = gzip.compress(data, compresslevel=6, mtime=0)
        with _STATIC_LOCK:
            _STATIC_CACHE[key] = body
            if len(_STATIC_CACHE) > _STATIC_CACHE_SIZE:
                _STATIC_CACHE.popitem(last=False)
    _close_original(response)
    response.direct_passthrough = False
    return body


def _validators(response: Response, etag: str) -> dict:
    headers = {"ETag": f'"{etag}"', "Vary": response.headers.get("Vary", "Accept-Encoding")}
    for name in ("Cache-Control", "Last-Modified", "Expires"):
        if name in response.headers:
            headers[name] = response.headers[name]
    return headers


def _close_original(response: Response) -> None:
    """Close a file-backed body before replacing it (send_file leaves the file open)."""
    original = response.response
    if hasattr(original, "close"):
        original.close()
