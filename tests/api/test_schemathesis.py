"""Property-based run of the OpenAPI document (schemathesis): whatever a
till sends, the API answers without a 5xx and as its schema says."""

import uuid

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from tests.factories import MemberFactory, RewardFactory, give_points

# Loaded at collection, outside any test database: a language asked for
# spares the shop settings' read of the default language.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", application, headers={"Accept-Language": "en"}
)
# What the API promises: no 5xx, and every answer as documented. (A request
# the schema allows may still be refused by a rule, e.g. too many points:
# that is a 422 problem, not a failure, so "valid data is accepted" is not checked.)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """Calling the WSGI application straight would close the test's database
    connection at the end of each request (Django's test client stops that
    the same way)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def shop(make_till, tiers, settings, wsgi_keeps_the_test_connection):
    settings.API_RATE_LIMIT = 100_000
    member = MemberFactory(phone="+886912345678")
    give_points(member, 1000)
    RewardFactory()
    return make_till()


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_5xx_and_answers_match_the_schema(case, shop):
    case.call_and_validate(
        headers={
            "Authorization": f"Bearer {shop.key_text}",
            "Idempotency-Key": uuid.uuid4().hex,
        },
        checks=CHECKS,
    )
