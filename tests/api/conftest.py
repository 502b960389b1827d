import uuid

import pytest

from api.keys import create_api_key
from tests.factories import owner_user

ALL_SCOPES = ["read", "sell", "enrol", "refund"]


class Till:
    """A till calling the API with one key, as Django's test client."""

    def __init__(self, client, key_text, api_key):
        self.client = client
        self.key_text = key_text
        self.api_key = api_key

    def _headers(self, key, language):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.key_text}"}
        if key is not None:
            headers["HTTP_IDEMPOTENCY_KEY"] = key
        if language:
            headers["HTTP_ACCEPT_LANGUAGE"] = language
        return headers

    def get(self, path, data=None, language=None):
        return self.client.get(f"/api/v1{path}", data, **self._headers(None, language))

    def post(self, path, body, *, key="new", language=None):
        key = uuid.uuid4().hex if key == "new" else key
        return self.client.post(
            f"/api/v1{path}", body, content_type="application/json", **self._headers(key, language)
        )


@pytest.fixture
def make_till(client, db):
    def make(scopes=ALL_SCOPES, name="Till 1", **kwargs):
        api_key, text = create_api_key(
            name=name, scopes=scopes, by=owner_user(username=f"o-{uuid.uuid4().hex[:6]}"), **kwargs
        )
        return Till(client, text, api_key)

    return make


@pytest.fixture
def till(make_till):
    return make_till()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The rate limit counts in the cache: each test starts with none spent."""
    from django.core.cache import cache

    cache.clear()
