"""Names and free text as we keep them: one form for every way they arrive.

A name typed, pasted or imported may carry characters nobody sees: bidi
overrides and isolates (U+202E turns "Anna" into one that reads as another
on a card or receipt), zero-width spaces and joiners, a byte-order mark,
control characters from a spreadsheet. They are removed, and the text is
put in Unicode's composed form (NFC) so that the same name typed on two
keyboards is the same string.
"""

import unicodedata

# Line and paragraph separators read as a new line in notes, a space in names.
_LINE_BREAKS = {"\r\n": "\n", "\r": "\n", "\u2028": "\n", "\u2029": "\n", "\x85": "\n"}


def _keep(char: str, multiline: bool) -> bool:
    if char in "\n\t":
        return multiline  # notes keep their line breaks and tabs
    # Cc: control characters (tab, NUL, ESC…); Cf: format characters, which
    # are the bidi embeddings, overrides, isolates and marks, the zero-width
    # space, joiners and word joiner, and the byte-order mark; Cs: lone surrogates.
    return unicodedata.category(char) not in ("Cc", "Cf", "Cs")


def clean_text(value, *, multiline: bool = False) -> str:
    """`value` in NFC without invisible or control characters, stripped.

    One line (a name, a reason): tabs and line breaks become spaces and runs
    of spaces one space. Several lines (notes, descriptions): line breaks are
    kept as plain newlines, and tabs as they are; each line's trailing spaces go.
    """
    text = unicodedata.normalize("NFC", str(value or ""))
    for old, new in _LINE_BREAKS.items():
        text = text.replace(old, new)
    if not multiline:
        text = text.replace("\t", " ").replace("\n", " ")
    text = "".join(char for char in text if _keep(char, multiline))
    if multiline:
        return "\n".join(line.rstrip() for line in text.split("\n")).strip()
    return " ".join(text.split())
