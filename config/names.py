"""Names owners give in each script (a tier's, a reward's, a campaign's),
read in the reader's script."""

from django.utils.translation import get_language

TRADITIONAL = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")


def in_reader_script(obj, field="name"):
    """`obj.<field>_zh_hant` for a Traditional reader, `_zh_hans` (else the
    Traditional one) for a Simplified reader, each falling back to the name
    as typed, which is also what other languages read."""
    language = (get_language() or "").lower()
    typed = getattr(obj, field)
    if language.startswith(TRADITIONAL):
        return getattr(obj, f"{field}_zh_hant") or typed
    if language.startswith("zh"):
        return getattr(obj, f"{field}_zh_hans") or getattr(obj, f"{field}_zh_hant") or typed
    return typed
