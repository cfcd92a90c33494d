"""Passwords: a strength check against common passwords, and hashing with scrypt.

No composition rules ("one capital, one symbol"): they push people to predictable patterns.
Instead a password must be at least 8 characters and not guessable: zxcvbn estimates how
many guesses it would take, knowing the usual English and Vietnamese passwords and words
and the person's own name, e-mail and phone.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from portal.db import assert_no_write_lock

MIN_LENGTH = 8
#: The longest password accepted (README, "Accounts and security"): long passphrases are
#: welcome; beyond this a message says so (nothing is cut silently).
MAX_LENGTH = 256
#: zxcvbn refuses more than 72 characters and slows down with length: the first 64 are scored
#: (characters after them only add strength).
SCORED_LENGTH = 64
#: zxcvbn score (0–4) a password must reach: 2 = "somewhat guessable" (~10^6–10^8 guesses),
#: enough with login throttling in front of it.
MIN_SCORE = 2
#: Vietnamese passwords and words that zxcvbn's lists lack.
VIETNAMESE_COMMON = (
    "matkhau", "anhyeuem", "emyeuanh", "yeuem", "yeuanh", "iloveyou", "vietnam", "hanoi",
    "saigon", "hochiminh", "tinhyeu", "hanhphuc", "giadinh", "conyeu", "meyeu", "bame",
    "quehuong", "doremon", "quangninh", "halong", "minhhoa", "dichvucong", "congdan",
    "abc123", "123456a", "a123456", "conmeo", "concho", "thanhcong", "maiyeu", "nguyen",
    "tran", "le", "pham", "hoang", "phan", "vu", "dang", "bui", "do", "ho", "ngo", "duong",
    "ca phe sang o ben song",  # the example in our own message
)
# A fixed hash, checked when no account matches, so a wrong identifier costs as much time
# as a wrong password (no account discovery by timing).
_DUMMY_HASH = generate_password_hash("not a real password, only spends the same time")


def password_problems(password: str, personal: list[str] | None = None) -> list[str]:
    """Why a new password is refused (empty when it is accepted)."""
    if len(password) < MIN_LENGTH:
        return [str(_l("Mật khẩu cần có ít nhất %(n)d ký tự.", n=MIN_LENGTH))]
    if len(password) > MAX_LENGTH:
        return [str(_l("Mật khẩu dài tối đa %(n)d ký tự; mật khẩu vừa nhập có %(m)d ký tự.",
                       n=MAX_LENGTH, m=len(password)))]
    inputs = [part for part in (personal or []) if part] + list(VIETNAMESE_COMMON)
    result = zxcvbn(password[:SCORED_LENGTH], user_inputs=inputs)
    if result["score"] < MIN_SCORE:
        return [str(_l("Mật khẩu này dễ đoán (quá phổ biến, hoặc giống tên, số điện thoại, "
                       "ngày sinh). Hãy dùng một cụm vài từ dễ nhớ với bạn, ví dụ "
                       "\"ca phe sang o ben song\"."))]
    return []


def hash_password(password: str) -> str:
    """A salted scrypt hash (Werkzeug's format): slow on purpose, so never while the
    request holds the database's write lock."""
    assert_no_write_lock("hashing a password")
    return generate_password_hash(password, method="scrypt")


def check_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; takes as long when there is no hash at all (slow on
    purpose, so never while the request holds the database's write lock)."""
    assert_no_write_lock("checking a password")
    if not stored_hash:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(stored_hash, password)
