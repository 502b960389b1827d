"""Both Chinese catalogs follow their glossary (locale/glossary/*.toml): no
string uses a word the glossary marks as the other region's, and the
domain's terms read the same on every page."""

import re
import tomllib
from pathlib import Path

import polib
import pytest
from django.conf import settings

from config.management.commands.translations import catalogs

LANGUAGES = ["zh_Hans", "zh_Hant"]


def glossary(language):
    path = Path(settings.BASE_DIR) / "locale" / "glossary" / f"{language}.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def translated(language):
    """(catalog, entry, each translated text) of every translated entry."""
    for path in catalogs(language):
        for entry in polib.pofile(str(path)):
            texts = [entry.msgstr, *entry.msgstr_plural.values()]
            yield path.relative_to(settings.BASE_DIR), entry, [t for t in texts if t]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_string_uses_a_word_of_the_other_region(language):
    avoid, exceptions = glossary(language)["avoid"], glossary(language).get("except", {})
    found = [
        f"{path}: {entry.msgid!r} uses {word!r} (write {avoid[word]!r})"
        for path, entry, texts in translated(language)
        if not entry.msgid.startswith(tuple(exceptions))
        for word in avoid
        if any(word in text for text in texts)
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_domain_terms_read_the_same_everywhere(language):
    terms = glossary(language)["terms"]
    checked = {
        name: (re.compile(term["pattern"], re.IGNORECASE), term["word"])
        for name, term in terms.items()
        if "pattern" in term
    }
    found = []
    for path, entry, texts in translated(language):
        for name, (pattern, word) in checked.items():
            # A placeholder such as %(tier)s is a name, not the term.
            english = re.sub(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}", "", entry.msgid)
            if pattern.search(english) and not all(word in text for text in texts):
                found.append(f"{path}: {entry.msgid!r} -> {texts[0]!r} lacks {word!r} ({name})")
    assert not found, "\n".join(found)


def test_the_glossaries_name_the_same_terms():
    """Every term has a word in both scripts, so neither catalog drifts alone."""
    assert set(glossary("zh_Hans")["terms"]) - {"new / active / dormant / churned"} == set(
        glossary("zh_Hant")["terms"]
    )
