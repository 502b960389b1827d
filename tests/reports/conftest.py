import pytest


@pytest.fixture(autouse=True)
def _in_english(english):
    """Every test here starts in English (the fixture is in tests/conftest.py)."""
