import pytest

from tests.factories import StoreFactory


@pytest.fixture
def two_stores(db):
    """A small chain: the main street shop and the mall counter."""
    return StoreFactory(name="Main Street"), StoreFactory(name="Mall")
