"""A region's name in a language, from the phone library's own table of
names (phonenumbers.geodata.locale), read by itself.

phonenumbers.geocoder gives the same names, but importing it loads the
library's whole geocoding data first (the place of every number prefix in
every language): about 100 MB of Python objects, for good, in every process
that imports it (a web worker, a task worker, an import). The table of
names alone is about 1 MB, read the first time a name is asked for.
"""

import importlib.util
from functools import cache
from pathlib import Path

import phonenumbers


@cache
def _names():
    """{region: {language: name, or "*" and the language that has it}}."""
    path = Path(phonenumbers.__file__).parent / "geodata" / "locale.py"
    spec = importlib.util.spec_from_file_location("phonenumbers.geodata.locale", path)
    if spec is None or not path.exists():  # pragma: no cover - another packaging
        from phonenumbers.geodata.locale import LOCALE_DATA

        return LOCALE_DATA
    # Not through its package: phonenumbers.geodata's __init__ is the big data.
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.LOCALE_DATA


def region_display_name(region, language) -> str:
    """The name of `region` (e.g. "JP") in `language` (e.g. "zh", "en"), as
    phonenumbers.geocoder.country_name_for_number says it; "" when unknown."""
    names = _names().get(region)
    if not names:
        return ""
    name = names.get(language, "")
    if name.startswith("*"):
        name = names.get(name[1:], "")
    return name
