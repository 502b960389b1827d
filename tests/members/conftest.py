import pytest


@pytest.fixture(autouse=True)
def _isolated(private_storage, english):
    """Every test here starts in English with uploads in a temporary folder
    (the fixtures are in tests/conftest.py)."""
