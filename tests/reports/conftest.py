import pytest


@pytest.fixture(autouse=True)
def english():
    """Each test starts in English: a request in Chinese leaves its language
    active in the test's thread, and messages are made in the active language."""
    from django.utils import translation

    with translation.override("en"):
        yield
