"""Vietnamese text helpers: NFC normalisation, tone-mark folding, slugs.

All text is stored NFC. Search compares *folded* text: lower case, tone and vowel marks
removed, ``đ`` → ``d``. Folding also makes the old and new tone placements (``thuỷ`` /
``thủy``, ``hoà`` / ``hòa``) equal, since both lose the mark.
"""
from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# C0 controls except tab and newlines, and DEL: invisible, invalid in XML (.docx), rejected by
# PostgreSQL (NUL).
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def nfc(text: str) -> str:
    """Return ``text`` in Unicode normal form C (composed)."""
    return unicodedata.normalize("NFC", text)


def clean(text: str | None) -> str | None:
    """NFC, collapse runs of whitespace, strip; empty becomes ``None``."""
    if text is None:
        return None
    text = _SPACES.sub(" ", _CONTROLS.sub("", nfc(text))).strip()
    return text or None


def clean_block(text: str | None) -> str | None:
    """Like :func:`clean` but keeps line breaks (for multi-line descriptions)."""
    if text is None:
        return None
    lines = (_SPACES.sub(" ", line).strip() for line in _CONTROLS.sub("", nfc(text)).splitlines())
    text = "\n".join(line for line in lines if line)
    return text or None


def fold(text: str) -> str:
    """Fold Vietnamese for comparison: lower case, no marks, ``đ`` → ``d``, single spaces."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("đ", "d")
    return _SPACES.sub(" ", stripped).strip()


#: What a spreadsheet reads as the start of a formula in a cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str) -> str:
    """``value`` for a CSV or XLSX cell, never read as a formula (CSV injection): one that
    starts like a formula gets a leading apostrophe."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def shorten(text: str, limit: int = 120) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with "…"."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def unaccent(text: str) -> str:
    """``text`` without tone and vowel marks (``Hồ sơ`` → ``Ho so``), case kept: for SMS,
    which costs more and breaks on old phones with Vietnamese letters."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d").replace("Đ", "D")


def slugify(text: str, max_length: int = 80) -> str:
    """ASCII slug for URLs: ``Hộ tịch`` → ``ho-tich``."""
    slug = _NON_WORD.sub("-", fold(text)).strip("-")
    return slug[:max_length].rstrip("-") or "muc"


# Vietnamese alphabetical order: ă and â follow a, đ follows d, ê follows e, ô and ơ follow o,
# ư follows u. Tone marks only break ties.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {letter: index for index, letter in enumerate(_ALPHABET)}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def sort_key(text: str) -> str:
    """Key that sorts Vietnamese words in dictionary order (Ấp < Bắc < Đà < Ê-đê < Ơ Đu)."""
    return collation_key(text, max_length=len(text) * 2 + 1)


def _split_tone(char: str) -> tuple[str, int]:
    """Separate a precomposed letter into its base letter (keeping ă â ê ô ơ ư) and tone."""
    decomposed = unicodedata.normalize("NFD", char)
    tone = next((_TONES[mark] for mark in decomposed if mark in _TONES), 0)
    base = unicodedata.normalize("NFC", "".join(m for m in decomposed if m not in _TONES))
    return base, tone


def collation_key(text: str, max_length: int = 255) -> str:
    """A string that sorts in dictionary order, in Python and in SQL (binary order).

    Letters become one character each in alphabet order, spaces and punctuation sort first,
    digits next; the tones follow after a separator to break ties.
    """
    letters, tones = [], []
    for char in text.casefold():
        base, tone = _split_tone(char)
        if base in _RANK:
            letters.append(chr(0x41 + _RANK[base]))
        elif base.isdigit():
            letters.append(base if base.isascii() else "9")
        elif base.isspace() or not base.isalnum():
            letters.append(" ")
        else:
            letters.append("~")
        tones.append(str(tone))
    return ("".join(letters) + "|" + "".join(tones))[:max_length]
