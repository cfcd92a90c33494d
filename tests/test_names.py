"""Names on official papers (issue 13): Latin letters with their marks, spaces, hyphen,
apostrophe and dot; no digits, emoji, markup, control or invisible characters."""
from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.services.identity import NAME_MESSAGE, name_problems, normalize_name
from tests.conftest import login

VIETNAMESE_LETTERS = ("aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXY"
                      "áàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
                      "ÁÀẢÃẠẤẦẨẪẬẮẰẲẴẶÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴ")
OTHER_LATIN = "äöüßñçøåæœłśźżčřšžğışéèêëîïôûÿÄÖÜÑÇØÅÆŒŁŚŹŻČŘŠŽĞİŞ"
letters = st.sampled_from(list(VIETNAMESE_LETTERS + OTHER_LATIN))
words = st.text(alphabet=letters, min_size=1, max_size=12)
separators = st.sampled_from([" ", "-", "'", ". ", "’", "  ", "\u00a0"])


@st.composite
def names(draw) -> str:
    """A name as people write them: words joined by spaces, hyphens, apostrophes, dots."""
    parts = draw(st.lists(words, min_size=1, max_size=5))
    text = parts[0]
    for part in parts[1:]:
        text += draw(separators) + part
    return text


#: One character a name on a paper must never hold, by kind.
FORBIDDEN = st.one_of(
    st.characters(categories=["Nd"]),  # digits of any script
    st.sampled_from(list("<>\"&;:/\\@#$%^*()[]{}|=+_~`!?,") + ["🙂", "👨‍👩‍👧", "❤️", "☃"]),
    st.characters(categories=["Cc", "Cf", "Co", "Zl", "Zp"]).filter(
        lambda c: not c.isspace()),  # controls, RTL marks, zero-width joiners, private use
    st.characters(categories=["So", "Sm", "Sc", "Sk"]),  # symbols, emoji
    st.sampled_from(list("Иван王김ابنשα")),  # letters, but not of the Latin script
)


@given(names())
def test_names_of_latin_letters_with_separators_are_accepted(name):
    assert name_problems(name) == []


@given(names())
def test_decomposed_names_are_accepted_after_nfc(name):
    """Typed with combining marks (NFD, as some phones send them), the name is the same."""
    assert name_problems(unicodedata.normalize("NFD", name)) == []
    assert normalize_name(unicodedata.normalize("NFD", name)) == normalize_name(name)


@given(names(), FORBIDDEN, st.integers(min_value=0, max_value=40))
def test_a_forbidden_character_anywhere_is_refused(name, bad, where):
    position = min(where, len(name))
    assert name_problems(name[:position] + bad + name[position:]) == [str(NAME_MESSAGE)]


@given(st.text())
def test_the_rule_never_raises_and_normal_form_is_idempotent(text):
    assert name_problems(text) in ([], [str(NAME_MESSAGE)])
    once = normalize_name(text)
    assert normalize_name(once) == once and unicodedata.is_normalized("NFC", once)


@pytest.mark.parametrize("name", ["Nguyễn Thị Thu-Hà", "H'Hen Niê", "Ksor Y Bhin", "O’Brien",
                                  "Jean-Luc St. John", "Łukasz Müller", "ẹ́ Adéwálé"])
def test_real_names(name):
    assert name_problems(name) == []


@pytest.mark.parametrize("name", ["...", "-", "Nguyễn 2", "An <b>", "a" + "\u0301" * 4,
                                  "\u0301An", "An\u200bBình", "Trần\u202eAn"])
def test_not_names(name):
    assert name_problems(name)


def test_empty_is_left_to_the_form():
    assert name_problems("") == [] and name_problems(None) == []


# --- the forms that carry the rule -----------------------------------------------------------

def test_the_profile_refuses_an_emoji_name_beside_the_field(client, demo):
    login(client, "congdan@demo.local")
    response = client.post("/tai-khoan/ho-so", data={"full_name": "Minh Anh 🙂"})
    assert response.status_code == 422
    assert 'id="full_name-error"' in response.text and "chỉ gồm chữ cái" in response.text


def test_registration_refuses_markup_in_the_name(client, demo):
    response = client.post("/tai-khoan/dang-ky", data={
        "display_name": "<script>", "email": "a.b@example.com",
        "password": "trăng sáng trên đồi chè"})
    assert response.status_code == 422 and "chỉ gồm chữ cái" in response.text


def test_a_staff_name_with_digits_is_refused(client, demo):
    login(client, "quantri@demo.local")
    response = client.post("/quan-tri/can-bo/moi", data={
        "display_name": "Cán bộ 01", "email": "canbo01@example.gov.vn", "roles": "receiver"})
    assert response.status_code == 422 and "chỉ gồm chữ cái" in response.text


def test_a_petition_sender_name_with_emoji_is_refused(client, demo):
    response = client.post("/phan-anh-kien-nghi/gui", data={
        "subject": "Chậm trả kết quả", "body": "Nội dung", "name": "Lan 🌸",
        "phone": "0912345678", "consent": "y"})
    assert response.status_code == 422 and "chỉ gồm chữ cái" in response.text
