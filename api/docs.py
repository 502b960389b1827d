"""The API's documentation page: the OpenAPI document read back, in the
reader's language (summaries are gettext_noop strings in the endpoints)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from api.api import api

# The refusals a till should expect, by code; other 422 codes name the rule
# that refused (the detail says what to fix).
PROBLEMS = [
    ("key_missing", 401, gettext_lazy("No key in the Authorization header.")),
    ("key_unknown", 401, gettext_lazy("The key is not one of this shop's.")),
    ("key_revoked", 401, gettext_lazy("The owner revoked the key.")),
    ("key_expired", 401, gettext_lazy("The key's last day has passed.")),
    ("scope_missing", 403, gettext_lazy("The key may not do this (see its scopes).")),
    ("member_not_found", 404, gettext_lazy("No member has that member number.")),
    ("sale_not_found", 404, gettext_lazy("No sale has that number.")),
    ("reward_not_found", 404, gettext_lazy("No reward has that id.")),
    ("invalid_request", 400, gettext_lazy("A field is missing or malformed; errors lists them.")),
    ("cursor_invalid", 400, gettext_lazy("The cursor was not given by this API.")),
    ("idempotency_key_missing", 400, gettext_lazy("A write came without an Idempotency-Key.")),
    (
        "idempotency_key_invalid",
        400,
        gettext_lazy("The Idempotency-Key is too long or has other characters."),
    ),
    (
        "idempotency_conflict",
        422,
        gettext_lazy("The Idempotency-Key was used before with other figures."),
    ),
    ("insufficient_points", 422, gettext_lazy("The member has fewer points than asked.")),
    ("below_minimum", 422, gettext_lazy("Fewer points than one redemption may use.")),
    ("over_bill_share", 422, gettext_lazy("More of the bill paid in points than the rules allow.")),
    ("blocked", 422, gettext_lazy("The member is blocked: no earning or spending.")),
    ("coupon_unknown", 422, gettext_lazy("No coupon has that code.")),
    ("coupon_other_member", 422, gettext_lazy("The coupon is another member's.")),
    ("coupon_used", 422, gettext_lazy("The coupon was used already.")),
    ("coupon_expired", 422, gettext_lazy("The coupon's last day has passed.")),
    (
        "coupon_below_min_spend",
        422,
        gettext_lazy("The bill is below the coupon's minimum (after the tier discount)."),
    ),
    ("phone_taken", 422, gettext_lazy("A member with that phone exists (enrol).")),
    ("already_refunded", 422, gettext_lazy("Nothing of the sale is left to refund.")),
    ("over_refund", 422, gettext_lazy("More than what is left of the sale.")),
    ("body_too_large", 413, gettext_lazy("The request body is over the limit.")),
    (
        "rate_limited",
        429,
        gettext_lazy("Too many requests for this key; wait Retry-After seconds."),
    ),
]


def document(request) -> dict:
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            operations.append(
                {
                    "id": operation["operationId"],
                    "method": method.upper(),
                    "path": path,
                    "summary": _(operation.get("summary", "")),
                    "description": _(operation.get("description", "")),
                    "statuses": sorted(operation.get("responses", {})),
                }
            )
    return {
        "operations": operations,
        "problems": [
            {"code": code, "status": status, "meaning": meaning}
            for code, status, meaning in PROBLEMS
        ],
        "base_url": request.build_absolute_uri("/api/v1/"),
    }
