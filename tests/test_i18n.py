"""Every interface text is Vietnamese (NFC) and translated to English."""
from __future__ import annotations

import unicodedata
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO_FILE = ROOT / "portal" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
METHODS = [("portal/**.py", "python"), ("portal/templates/**.html", "jinja2")]


def extracted_messages() -> set[str]:
    """Message ids in the source, found the way ``make babel-extract`` finds them."""
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def english_catalogue():
    with open(PO_FILE, "rb") as handle:
        return read_po(handle, locale="en")


def test_every_message_has_an_english_translation():
    catalogue = english_catalogue()
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalogue
        if m.id and m.string and (isinstance(m.string, str) or all(m.string))
        and "fuzzy" not in m.flags
    }
    missing = sorted(extracted_messages() - translated)
    assert missing == [], "run `make babel-update` and translate: " + "; ".join(missing)


def test_source_messages_are_nfc():
    for message in extracted_messages():
        assert unicodedata.is_normalized("NFC", message), message
