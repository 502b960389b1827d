"""name_search_key converts most names character by character instead of
through OpenCC's phrase search: both must give the same key for every text."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from members import names


def _opencc(text):
    return names._to_simplified().convert(text)


def _dictionaries():
    converter = names._to_simplified()
    converter.convert("")
    (group,) = converter._dict_chain_data
    (_l, _s, phrases), (_l2, _s2, characters) = group
    return phrases, characters


def test_every_character_of_the_dictionary_converts_as_opencc_does():
    phrases, characters = _dictionaries()
    texts = list(characters) + [c + c for c in characters] + [f"{c}美玲" for c in characters]
    for text in texts:
        assert names._simplified(text) == _opencc(text), text


def test_every_phrase_and_its_fragments_convert_as_opencc_does():
    phrases, _characters = _dictionaries()
    for phrase in phrases:
        for text in (phrase, "陳" + phrase, phrase + "玲", phrase[1:], phrase[:-1], phrase * 2):
            assert names._simplified(text) == _opencc(text), text


def _alphabet():
    phrases, characters = _dictionaries()
    letters = sorted(set("".join(phrases)) | set(list(characters)[:400]))
    return letters + list("陳林黃張李王吳劉美玲志明 -.,·AbZ09（）")


@settings(max_examples=3000, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(_alphabet()), max_size=8))
def test_any_text_converts_as_opencc_does(text):
    assert names._simplified(text) == _opencc(text)


@pytest.mark.parametrize(
    "name, key",
    [
        ("陳美玲", "陈美玲"),
        ("鍾錶行", "钟表行"),
        ("Chan Tai Man", "chan tai man"),
        ("ＡＢＣ", "abc"),
    ],
)
def test_name_search_key(name, key):
    assert names.name_search_key(name) == key
