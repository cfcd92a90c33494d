"""Leaving personal data out of what citizens wrote before it is published (PAKN, questions).

The sender's own details (name, phone, e-mail, address, dossier code) are masked wherever they
appear, and so is anything that looks like a phone number, an e-mail address, an ID number
or a dossier code, whoever it belongs to. The patterns are deliberately simple: they may
mask a harmless number, which is better than publishing someone's phone.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from flask_babel import gettext as _

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
#: 0 or +84 followed by 8–10 more digits, optionally split by spaces, dots or dashes.
_PHONE = re.compile(r"(?<!\w)(?:\+\s?84|84|0)(?:[\s.\-]?\d){8,10}(?!\w)")
#: Dossier codes (TT01/2018 Art. 19), then 9-digit (CMND) and 12-digit (CCCD) numbers.
_DOSSIER = re.compile(r"\d{3}\.\d{2}\.\d{2}\.[A-Za-z]\d{2}-\d{6}-\d{4}")
_ID_NUMBER = re.compile(r"(?<!\w)(?:\d{12}|\d{9})(?!\w)")


def mask_personal(text: str | None, known: Iterable[str | None] = ()) -> str:
    """``text`` with the ``known`` values and anything that looks like contact details or
    identifiers replaced by "[đã ẩn]"."""
    hidden = _("[đã ẩn]")
    result = text or ""
    for value in sorted({v.strip() for v in known if v and len(v.strip()) >= 3},
                        key=len, reverse=True):
        pattern = re.compile(rf"(?<!\w){re.escape(value)}(?!\w)", re.IGNORECASE)
        result = pattern.sub(hidden, result)
    for pattern in (_EMAIL, _DOSSIER, _PHONE, _ID_NUMBER):
        result = pattern.sub(hidden, result)
    return result
