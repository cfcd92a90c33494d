"""Answering a survey: checking the answers, and one response per person without keeping who.

A response stores no account, no address and no cookie: only ``voter``, a keyed hash
(HMAC-SHA256 with a key derived from ``SECRET_KEY``) of the survey and of either the account
(``user:<id>``) or a random token kept in the browser's cookie (``browser:<token>``). The
database's unique (survey, voter) pair refuses a second response, even two sent at once. The
survey is part of the hash, so one person's responses to two surveys cannot be linked.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable
from typing import Protocol

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.models import Survey, SurveyQuestion, SurveyResponse
from portal.text import clean_block, nfc

#: The browser's token: long-lived (Chrome keeps a cookie 400 days at most), HttpOnly, Lax.
COOKIE_NAME = "portal_khao_sat"
COOKIE_MAX_AGE = 400 * 24 * 3600
TEXT_LIMIT = 2000
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
_INTEGER = re.compile(r"-?\d{1,3}")

Answer = str | list[str] | None


class FormData(Protocol):
    """What :func:`check` reads: a ``MultiDict`` such as ``request.form``."""

    def getlist(self, key: str) -> list[str]: ...


class AlreadyAnswered(Exception):
    """This person (account or browser) has already answered this survey."""


def _key() -> bytes:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"portal survey voter key", hashlib.sha256).digest()


def _hash(survey: Survey, subject: str) -> str:
    return hmac.new(_key(), f"{survey.id}:{subject}".encode(), hashlib.sha256).hexdigest()


def new_token() -> str:
    """A random token for a browser's cookie (256 bits)."""
    return secrets.token_urlsafe(32)


def valid_token(token: str | None) -> bool:
    return bool(token) and _TOKEN.fullmatch(token or "") is not None


def voters(survey: Survey, user_id: int | None, token: str | None) -> list[str]:
    """The hashes this visitor may have answered under: their account's and their browser's."""
    found = []
    if user_id is not None:
        found.append(_hash(survey, f"user:{user_id}"))
    if valid_token(token):
        found.append(_hash(survey, f"browser:{token}"))
    return found


def has_answered(session: Session, survey: Survey, hashes: Iterable[str]) -> bool:
    hashes = list(hashes)
    return bool(hashes) and session.scalar(select(SurveyResponse.id).where(
        SurveyResponse.survey_id == survey.id, SurveyResponse.voter.in_(hashes))
        .limit(1)) is not None


def submit(session: Session, survey: Survey, voter: str,
           answers: dict[str, str | list[str]]) -> SurveyResponse:
    """Store a response under ``voter``.

    :raises AlreadyAnswered: a response with this voter exists (possibly sent a moment ago).
    """
    response = SurveyResponse(survey_id=survey.id, voter=voter, answers=answers)
    try:
        with session.begin_nested():
            session.add(response)
    except IntegrityError as error:
        raise AlreadyAnswered from error
    return response


def field_name(question: SurveyQuestion) -> str:
    """The form name of a question's control(s)."""
    return f"q{question.id}"


def check(survey: Survey, form: FormData) -> tuple[dict[str, str | list[str]], dict[int, str]]:
    """The answers to keep (question id as text → answer) and a message per wrong question."""
    answers: dict[str, str | list[str]] = {}
    errors: dict[int, str] = {}
    for question in survey.questions:
        values = [nfc(v) for v in form.getlist(field_name(question))]
        value, error = CHECKS[question.kind](question, values)
        if error is None and not value and question.required:
            error = MISSING[question.kind]()
        if error:
            errors[question.id] = error
        elif value:
            answers[str(question.id)] = value
    return answers, errors


def _single(question: SurveyQuestion, values: list[str]) -> tuple[Answer, str | None]:
    chosen = [v for v in values if v]
    if not chosen:
        return None, None
    if len(chosen) > 1 or chosen[0] not in question.options:
        return None, _("Chọn một trong các lựa chọn đã cho.")
    return chosen[0], None


def _multiple(question: SurveyQuestion, values: list[str]) -> tuple[Answer, str | None]:
    chosen = {v for v in values if v}
    if not chosen <= set(question.options):
        return None, _("Chỉ chọn trong các lựa chọn đã cho.")
    return [o for o in question.options if o in chosen], None


def _scale(question: SurveyQuestion, values: list[str]) -> tuple[Answer, str | None]:
    chosen = [v.strip() for v in values if v.strip()]
    if not chosen:
        return None, None
    if (len(chosen) > 1 or not _INTEGER.fullmatch(chosen[0])
            or not question.scale_min <= int(chosen[0]) <= question.scale_max):
        return None, _("Chọn một mức từ %(low)d đến %(high)d.", low=question.scale_min,
                       high=question.scale_max)
    return str(int(chosen[0])), None


def _text(question: SurveyQuestion, values: list[str]) -> tuple[Answer, str | None]:
    text = clean_block("\n".join(values)) or ""
    if len(text) > TEXT_LIMIT:
        return None, _("Câu trả lời dài tối đa %(limit)s ký tự; bạn đã nhập %(n)s ký tự.",
                       limit=format_decimal(TEXT_LIMIT), n=format_decimal(len(text)))
    return text or None, None


CHECKS: dict[str, Callable[[SurveyQuestion, list[str]], tuple[Answer, str | None]]] = {
    "single": _single, "multiple": _multiple, "scale": _scale, "text": _text}
MISSING: dict[str, Callable[[], str]] = {
    "single": lambda: _("Chọn một câu trả lời cho câu hỏi này."),
    "multiple": lambda: _("Chọn ít nhất một câu trả lời cho câu hỏi này."),
    "scale": lambda: _("Chọn một mức cho câu hỏi này."),
    "text": lambda: _("Nhập câu trả lời cho câu hỏi này."),
}
