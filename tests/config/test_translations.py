"""Every string the UI can show has a zh-Hant and a zh-Hans translation.

The catalogs are regenerated from the source in a scratch copy, so a string
added without running `make messages` fails here as surely as one left
untranslated.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

SKIP_DIRS = {".venv", ".git", "staticfiles", "media", "private", "node_modules", "bench"}


@pytest.fixture(scope="module")
def fresh_catalogs(tmp_path_factory):
    source = Path(settings.BASE_DIR)
    copy = tmp_path_factory.mktemp("i18n") / "src"
    shutil.copytree(
        source,
        copy,
        ignore=lambda d, names: [
            n for n in names if n in SKIP_DIRS or n.endswith((".mo", ".sqlite3"))
        ],
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hant",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "-v",
            "0",
        ],
        cwd=copy,
        env=env,
        check=True,
    )
    return sorted(copy.glob("**/locale/zh_Han*/LC_MESSAGES/django.po"))


def test_both_chinese_catalogs_exist_for_every_app(fresh_catalogs):
    languages = {path.parts[-3] for path in fresh_catalogs}
    assert languages == {"zh_Hant", "zh_Hans"}
    assert len(fresh_catalogs) >= 4


def test_every_string_is_translated(fresh_catalogs):
    missing = []
    for path in fresh_catalogs:
        for entry in polib.pofile(str(path)):
            if entry.obsolete:
                continue
            if not entry.translated() or "fuzzy" in entry.flags:
                missing.append(f"{path.parts[-5]}/{path.parts[-3]}: {entry.msgid!r}")
    assert not missing, "untranslated (run make messages, then translate):\n" + "\n".join(missing)
