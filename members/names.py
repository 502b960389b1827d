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
    return _to_simplified().convert(text).casefold()
