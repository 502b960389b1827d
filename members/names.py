"""Names are searched in one script: 陳 finds 陈 and 陈 finds 陳."""

import unicodedata
from functools import lru_cache

from opencc import OpenCC


@lru_cache(maxsize=1)
def _to_simplified():
    return OpenCC("t2s")


def name_search_key(name: str) -> str:
    """Simplified-script, case-folded, width-folded form of a name or query."""
    text = unicodedata.normalize("NFKC", name or "").strip()
    return _simplified(text).casefold()


def _simplified(text):
    """OpenCC's t2s conversion, character by character where that gives the
    same answer. OpenCC first replaces the longest phrases of its phrase
    dictionary (鍾錶 → 钟表), then single characters; a text in which no two
    neighbouring characters begin a phrase can match no phrase, so the
    character table alone converts it. Most names are such texts, and the
    table is a C-speed str.translate instead of OpenCC's pure-Python search
    (a fifth of a large import's time). A test compares both on every
    character and on phrase fragments."""
    table, first_characters, phrase_starts = _character_rules()
    if table is None or (
        not first_characters.isdisjoint(text)
        and any(text[i : i + 2] in phrase_starts for i in range(len(text) - 1))
    ):
        return _to_simplified().convert(text)
    return text.translate(table)


@lru_cache(maxsize=1)
def _character_rules():
    """(str.translate table of the character dictionary, the first character
    and the first two characters of every phrase), read from the converter
    OpenCC itself uses."""
    converter = _to_simplified()
    converter.convert("")  # loads the dictionaries
    if len(converter._dict_chain_data) != 1:
        return None, None, None  # conversions chained one after another: OpenCC only
    table, phrase_starts = {}, set()
    for group in converter._dict_chain_data:
        for _longest, _shortest, mapping in group:
            for key, value in mapping.items():
                if len(key) == 1:
                    # Several readings: OpenCC takes the first.
                    table.setdefault(ord(key), value.split(" ")[0])
                else:
                    phrase_starts.add(key[:2])
    # OpenCC never converts its sentence separators (it splits the text on them).
    for code in list(table):
        if converter.split_chars_re.fullmatch(chr(code)):
            del table[code]
    first_characters = frozenset(start[0] for start in phrase_starts)
    return table, first_characters, frozenset(phrase_starts)
