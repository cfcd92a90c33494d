"""Vietnamese text helpers: NFC, folding for search, slugs, dictionary order."""
from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from portal.text import (
    FORMULA_STARTS,
    clean,
    clean_block,
    fold,
    nfc,
    slugify,
    sort_key,
    spreadsheet_text,
)

vietnamese = st.text(
    alphabet=st.sampled_from(list("aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯ áàảãạấầẩẫậéèẻẽẹ"
                                  "íìỉĩịóòỏõọớờởỡợúùủũụứừửữựýỳỷỹỵ -,.")),
    max_size=40,
)


def test_fold_removes_tones_case_and_d_stroke():
    assert fold("Đăng ký khai sinh") == "dang ky khai sinh"
    assert fold("DANG KY KHAI SINH") == "dang ky khai sinh"
    assert fold("  Đất   đai ") == "dat dai"


def test_fold_makes_old_and_new_tone_placement_equal():
    assert fold("thuỷ") == fold("thủy") == "thuy"
    assert fold("hoà") == fold("hòa") == "hoa"
    assert fold("Khoẻ") == fold("Khỏe")


def test_fold_handles_decomposed_input():
    decomposed = unicodedata.normalize("NFD", "Hộ tịch")
    assert fold(decomposed) == "ho tich"


@given(vietnamese)
def test_fold_is_idempotent_and_ascii_for_vietnamese(text):
    folded = fold(text)
    assert fold(folded) == folded
    assert folded.isascii()


@given(vietnamese)
def test_fold_ignores_normal_form(text):
    assert fold(unicodedata.normalize("NFD", text)) == fold(nfc(text))


@given(st.text(max_size=60))
def test_clean_gives_nfc_without_outer_or_double_spaces(text):
    result = clean(text)
    if result is not None:
        assert result == result.strip()
        assert "  " not in result
        assert unicodedata.is_normalized("NFC", result)


def test_clean_turns_blank_into_none_and_keeps_lines_in_blocks():
    assert clean("   \n ") is None
    assert clean(None) is None
    assert clean_block("Bước 1:  nộp \n\n  Bước 2: nhận ") == "Bước 1: nộp\nBước 2: nhận"


def test_slugify():
    assert slugify("Hộ tịch") == "ho-tich"
    assert slugify("Thành lập và hoạt động của hộ kinh doanh") == (
        "thanh-lap-va-hoat-dong-cua-ho-kinh-doanh")
    assert slugify("!!!") == "muc"


def test_sort_key_follows_the_vietnamese_alphabet():
    words = ["Ơ Đu", "Đất đai", "Ê-đê", "Bắc", "Ấp", "An", "Dân tộc", "Ẩm", "Xây dựng", "Ư"]
    assert sorted(words, key=sort_key) == [
        "An", "Ẩm", "Ấp", "Bắc", "Dân tộc", "Đất đai", "Ê-đê", "Ơ Đu", "Ư", "Xây dựng"]


def test_sort_key_uses_tones_only_to_break_ties():
    assert sorted(["má", "ma", "mà", "mạ", "mả", "mã"], key=sort_key) == [
        "ma", "mà", "mả", "mã", "má", "mạ"]


def test_shorter_words_sort_first():
    assert sorted(["Hộ tịch", "Hoạt động xây dựng", "Hòa giải ở cơ sở"], key=sort_key) == [
        "Hòa giải ở cơ sở", "Hoạt động xây dựng", "Hộ tịch"]


def test_control_characters_are_removed():
    assert clean("thu\x07 nghiem\x00") == "thu nghiem"
    assert clean_block("dong 1\x0b\ndong\x1f 2") == "dong 1\ndong 2"


@given(st.text(max_size=30))
def test_spreadsheet_text_never_starts_a_formula_and_keeps_the_text(value):
    safe = spreadsheet_text(value)
    assert not safe.startswith(FORMULA_STARTS)
    assert safe in (value, "'" + value)
    assert (safe == value) == (not value.startswith(FORMULA_STARTS))
