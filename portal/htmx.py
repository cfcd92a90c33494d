"""Render a full page or, for a plain htmx request, one named block of the same template.

Each swappable region is written once, inside the page that shows it, as
``{% block <region> %}…{% endblock %}`` (jinja2-fragments renders that block alone). Boosted
navigation and history restores need the whole page, so they get it.
"""
from __future__ import annotations

from typing import Any

from flask import Response, make_response, render_template, request
from jinja2_fragments.flask import render_block


def wants_fragment() -> bool:
    """True for an htmx request that will swap a region rather than the page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(
    template: str, *, fragment: str | None = None, status: int = 200, **context: Any
) -> Response:
    """Render ``template``; only its ``fragment`` block when :func:`wants_fragment`.

    Always adds ``Vary: HX-Request`` so caches never serve a fragment as a page.
    """
    if fragment and wants_fragment():
        body = render_block(template, fragment, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def retarget(response: Response, target: str, swap: str = "innerHTML") -> Response:
    """Send an htmx response somewhere else than the element that asked for it."""
    response.headers["HX-Retarget"] = target
    response.headers["HX-Reswap"] = swap
    return response
