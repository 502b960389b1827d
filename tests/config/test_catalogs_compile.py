"""Every catalog compiles: `make test` and `make run` start with compilemessages."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

CATALOGS = sorted(
    path
    for path in Path(settings.BASE_DIR).glob("**/locale/*/LC_MESSAGES/django.po")
    if ".venv" not in path.parts
)


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="needs GNU gettext (msgfmt)")
@pytest.mark.parametrize("catalog", CATALOGS, ids=lambda path: str(path.parent.parent.parent))
def test_catalog_compiles(catalog):
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", "/dev/null", str(catalog)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
