"""Idempotency-Key on every write, with the counter's semantics: a replay
gets the first answer; the same key with other figures is refused (422).

The first answer is stored per key (ApiRequest). The services get a key of
their own made from it (`service_key`), so two copies of a request racing
each other still record one sale, refund or redemption.
"""

import functools
import hashlib
import json
import re

from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiRequest
from api.problems import Problem
from config.errors import LoyaltyError

KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")


def _header_key(request) -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        raise Problem(
            400,
            "idempotency_key_missing",
            _("Send an Idempotency-Key header with every write: a new random value per operation."),
        )
    if not KEY_PATTERN.match(key):
        raise Problem(
            400,
            "idempotency_key_invalid",
            _(
                "The Idempotency-Key may have 1 to 64 letters, digits, dots, "
                "colons, dashes or underscores."
            ),
        )
    return key


def _fingerprint(request, payload) -> str:
    text = json.dumps([request.method, request.path, payload], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def run_once(request, payload, operation, *, replayed_by_service=False):
    """Answer a write once per Idempotency-Key. `operation(service_key)`
    does the work and returns (status, body); `payload` is the parsed body
    that a replay must match.

    `replayed_by_service`: the operation's service answers a second call
    with the same key by returning the first result (a sale, a refund, a
    redemption), so the key is not looked up first: the first request,
    the usual case, costs one statement (the answer's insert) rather than
    a read and a transaction. A replay learns it is one when that insert
    finds the first answer there."""
    api_key = request.auth
    key = _header_key(request)
    fingerprint = _fingerprint(request, payload)
    stored = None
    if not replayed_by_service:
        stored = _stored(api_key, key)
    if stored is None:
        try:
            status, body = operation(f"api:{api_key.pk}:{key}")
        except LoyaltyError as error:
            if error.code != "idempotency_conflict":
                raise
            # The service saw its key used with other figures.
            raise _conflict(key) from None
        if _store(api_key=api_key, key=key, fingerprint=fingerprint, status=status, body=body):
            return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
        # A copy of this request answered first; the service's own key made
        # both the same operation.
        stored = _stored(api_key, key)
    if stored.fingerprint != fingerprint:
        raise _conflict(key)
    response = JsonResponse(
        stored.body, status=stored.status, json_dumps_params={"ensure_ascii": False}
    )
    response["Idempotent-Replayed"] = "true"
    return response


def _stored(api_key, key):
    return (
        ApiRequest.objects.filter(api_key=api_key, key=key)
        .only("fingerprint", "status", "body")
        .first()
    )


def _conflict(key):
    return Problem(
        422,
        "idempotency_conflict",
        _(
            "The Idempotency-Key %(key)s was already used for a request with other "
            "figures. Send a new key for a new operation."
        )
        % {"key": key},
    )


@functools.cache
def _insert_sql():
    name = connection.ops.quote_name
    meta = ApiRequest._meta
    columns = ", ".join(
        name(meta.get_field(field).column)
        for field in ("api_key", "key", "fingerprint", "status", "body", "created_at")
    )
    constrained = ", ".join(name(meta.get_field(field).column) for field in ("api_key", "key"))
    return (
        f"INSERT INTO {name(meta.db_table)} ({columns}) VALUES (%s, %s, %s, %s, %s, %s) "
        f"ON CONFLICT ({constrained}) DO NOTHING RETURNING {name(meta.pk.column)}"
    )


def _store(*, api_key, key, fingerprint, status, body) -> bool:
    """Keep the first answer under the key; False when one is there already.
    One statement that cannot fail on the key (ON CONFLICT DO NOTHING, in
    PostgreSQL and SQLite alike), so it needs no transaction of its own."""
    body_value = ApiRequest._meta.get_field("body").get_db_prep_value(
        body, connection, prepared=False
    )
    created_at = ApiRequest._meta.get_field("created_at").get_db_prep_value(
        timezone.now(), connection, prepared=False
    )
    with connection.cursor() as cursor:
        cursor.execute(
            _insert_sql(), [api_key.pk, key, fingerprint, status, body_value, created_at]
        )
        return cursor.fetchone() is not None
