import pytest

from tests.api.conftest import make_till  # noqa: F401 (a till, for the welcome offer)
from tests.tiers.conftest import salon  # noqa: F401 (the salon ladder, for tier messages)


@pytest.fixture(autouse=True)
def _in_english(english):
    """Every test here starts in English (the fixture is in tests/conftest.py)."""
