"""Leaving personal data out of what citizens wrote before it is published (PAKN, questions).

The sender's own details (name, phone, e-mail, address, dossier code) are masked wherever they
appear, with or without tone marks and in any case, and so are two or more consecutive words
of the name ("Văn An", "Nguyen Van"); so is anything that looks like a phone number (also
"(+84) 912 345 678", "(0203) 3800 000"), an e-mail address, an ID number (also in groups,
"001 234 567 890") or a dossier code, whoever it belongs to. The patterns are deliberately
simple: they may mask a harmless number, which is better than publishing someone's phone.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from flask_babel import gettext as _

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
#: 0 or +84 (perhaps in brackets) followed by 8–10 more digits, optionally split by spaces,
#: dots, dashes or brackets.
_PHONE = re.compile(r"(?<!\w)\(?(?:\+\s?84|84|0)(?:[\s.\-()]{0,2}\d){8,10}(?!\w)")
#: Dossier codes (TT01/2018 Art. 19), then 12-digit (CCCD) and 9-digit (CMND) numbers, also
#: written in groups of 3 or 4 digits with spaces or dashes (not dots: "100.000.000 đồng").
_DOSSIER = re.compile(r"\d{3}\.\d{2}\.\d{2}\.[A-Za-z]\d{2}-\d{6}-\d{4}")
_ID_NUMBER = re.compile(r"(?<!\w)(?:\d{3}(?:[ \-]?\d{3}){2,3}|\d{4}(?:[ \-]?\d{4}){2})(?!\w)")
#: Known values shorter than this are not masked on their own (too many false hits).
_MIN_KNOWN = 3


def mask_personal(text: str | None, known: Iterable[str | None] = (),
                  names: Iterable[str | None] = ()) -> str:
    """``text`` with the ``known`` values, the ``names`` and runs of two or more of their
    words, and anything that looks like contact details or identifiers replaced by
    "[đã ẩn]"."""
    hidden = _("[đã ẩn]")
    result = unicodedata.normalize("NFC", text or "")
    wanted = {_fold(unicodedata.normalize("NFC", v)).strip() for v in known if v}
    wanted = {v for v in wanted | _name_runs(names) if len(v) >= _MIN_KNOWN}
    for value in sorted(wanted, key=len, reverse=True):
        result = _mask_folded(result, value, hidden)
    # ID numbers before phones: "001 234 567 890" must not lose only its first 9 digits.
    for pattern in (_EMAIL, _DOSSIER, _ID_NUMBER, _PHONE):
        result = pattern.sub(hidden, result)
    return result


def _fold_char(char: str) -> str:
    """One character without its tone and vowel marks, in lower case (đ → d): always one
    character, so positions in a folded text are those in the text."""
    if char in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", char)[0]
    return base.lower() if len(base.lower()) == 1 else char


def _fold(text: str) -> str:
    return "".join(_fold_char(c) for c in text)


def _name_runs(names: Iterable[str | None]) -> set[str]:
    """Each folded name and every run of two or more of its words ("van an", "nguyen van")."""
    found = set()
    for name in names:
        words = _fold(unicodedata.normalize("NFC", name or "")).split()
        for size in range(2, len(words) + 1):
            found.update(" ".join(words[i:i + size]) for i in range(len(words) - size + 1))
        found.add(" ".join(words))
    return found


def _mask_folded(text: str, folded_value: str, hidden: str) -> str:
    """Replace every whole-word occurrence of ``folded_value`` in ``text``, compared without
    marks and case (spaces between words may be any run of spaces)."""
    words = [re.escape(w) for w in folded_value.split()]
    pattern = re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)")
    spans = [m.span() for m in pattern.finditer(_fold(text))]
    for start, end in reversed(spans):
        text = text[:start] + hidden + text[end:]
    return text
