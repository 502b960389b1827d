"""Idempotency-Key on every write, with the counter's semantics: a replay
gets the first answer; the same key with other figures is refused (422).

The first answer is stored per key (ApiRequest). The services get a key of
their own made from it (`service_key`), so two copies of a request racing
each other still record one sale, refund or redemption.
"""

import hashlib
import json
import re

from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.utils.translation import gettext as _

from api.models import ApiRequest
from api.problems import Problem

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


def run_once(request, payload, operation):
    """Answer a write once per Idempotency-Key. `operation(service_key)`
    does the work and returns (status, body); `payload` is the parsed body
    that a replay must match."""
    api_key = request.auth
    key = _header_key(request)
    fingerprint = _fingerprint(request, payload)
    stored = (
        ApiRequest.objects.filter(api_key=api_key, key=key)
        .only("fingerprint", "status", "body")
        .first()
    )
    if stored is None:
        status, body = operation(f"api:{api_key.pk}:{key}")
        try:
            with transaction.atomic():
                ApiRequest.objects.create(
                    api_key=api_key, key=key, fingerprint=fingerprint, status=status, body=body
                )
        except IntegrityError:
            # A copy of this request answered first; the service's own key
            # made both the same operation.
            stored = ApiRequest.objects.get(api_key=api_key, key=key)
        else:
            return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    if stored.fingerprint != fingerprint:
        raise Problem(
            422,
            "idempotency_conflict",
            _(
                "The Idempotency-Key %(key)s was already used for a request with other "
                "figures. Send a new key for a new operation."
            )
            % {"key": key},
        )
    response = JsonResponse(
        stored.body, status=stored.status, json_dumps_params={"ensure_ascii": False}
    )
    response["Idempotent-Replayed"] = "true"
    return response
