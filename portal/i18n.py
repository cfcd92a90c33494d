"""Languages: Vietnamese first, English through Flask-Babel.

The language is, in order: ``?lang=`` in the URL (so each language of a page has its own
address for search engines and links), the visitor's choice remembered in the ``lang`` cookie
(set by the language switch, which works without JavaScript), the best match of
``Accept-Language``, else Vietnamese.
"""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from flask_babel import get_locale

from portal.extensions import babel

LANGUAGE_COOKIE = "lang"


def select_locale() -> str:
    """Pick the locale for this request (the default language outside requests, e.g. CLI)."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return languages[0]
    return locale_for(request, languages)


def locale_for(req, languages) -> str:
    """The language a (Werkzeug) request asks for, among ``languages`` (first = default)."""
    for chosen in (req.args.get("lang"), req.cookies.get(LANGUAGE_COOKIE)):
        if chosen in languages:
            return chosen
    return req.accept_languages.best_match(languages) or languages[0]


def select_timezone() -> str:
    """Every visitor sees the authority's local time."""
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def current_language() -> str:
    """Return the language code in use (``vi`` or ``en``), also outside requests."""
    locale = get_locale()
    return locale.language if locale else current_app.config["LANGUAGES"][0]


def init_app(app: Flask) -> None:
    """Configure Flask-Babel with the portal's selectors and translation folder."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
