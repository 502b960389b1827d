"""The import's peak memory is the process's: what a process loads for good
counts in every import it runs (bench/README.md, the member import's peak
memory). Region names come from the phone library's table of names alone,
never through phonenumbers.geocoder, whose import loads the place of every
number prefix in every language (about 100 MB, for good)."""

import subprocess
import sys

import pytest
from django.utils import translation

from config.errors import LoyaltyError
from config.forms import region_choices
from members.phones import normalize_phone, region_name

# Everything a web worker or an import loads, and every use of a region's name.
LOAD_EVERYTHING = """
import sys
import django
django.setup()
from django.urls import resolve
from django.utils import translation
resolve("/")
import config.forms, importing.engine, importing.files, members.phones
from config.errors import LoyaltyError
for language in ("en", "zh-hant", "zh-hans"):
    with translation.override(language):
        config.forms.region_choices()
        members.phones.region_name("JP")
        try:
            members.phones.normalize_phone("090-1234-5678", region="TW", also=())
        except LoyaltyError:
            pass
print("phonenumbers.geodata" in sys.modules, "phonenumbers.geocoder" in sys.modules)
"""


def test_no_process_loads_the_phone_librarys_geocoding_data():
    done = subprocess.run(
        [sys.executable, "-c", LOAD_EVERYTHING], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]


def test_region_names_in_the_readers_language():
    with translation.override("en"):
        assert region_name("JP") == "Japan"
        assert ("FR", "FR · France") in region_choices()
        with pytest.raises(LoyaltyError, match="looks like a Japan mobile"):
            normalize_phone("090-1234-5678", region="TW", also=())
    with translation.override("zh-hans"):
        assert region_name("JP") == "日本"
        assert ("FR", "FR · 法国") in region_choices()


def test_seen_phones_answers_as_a_dict_does():
    import random

    from importing.seen import SeenPhones

    rng = random.Random(8)
    # Consecutive numbers (a shop's own numbering), random mobiles, a phone
    # set twice, across several growths of the table.
    keys = [886912000000 + n for n in range(5000)]
    keys += [int(f"8869{rng.randrange(10**8):08d}") for _ in range(20000)]
    seen, reference = SeenPhones(), {}
    for row, key in enumerate(keys, start=2):
        assert seen.get(key) == reference.get(key)
        value = row << 32 | rng.getrandbits(32)
        seen[key] = value
        reference[key] = value
    assert len(seen) == len(reference)
    assert all(seen.get(key) == value for key, value in reference.items())
    assert seen.get(886911999999) is None and 886911999999 not in seen
    assert keys[0] in seen


def test_seen_phones_hold_a_few_bytes_a_phone():
    """A million-row file's phones: tens of MB, not the 110 MB of a dict."""
    from importing.seen import SeenPhones

    seen = SeenPhones()
    for n in range(100_000):
        seen[886900000000 + n * 7919] = n << 32
    held = sum(table.buffer_info()[1] * table.itemsize for table in (seen._keys, seen._values))
    assert held <= 48 * 100_000
