"""The tills' JSON API, version 1 (django-ninja): the NinjaAPI, its key
check, its error answers, and its routers.

django-ninja over Django REST framework + drf-spectacular: on the same
record-sale endpoint it answered faster in-process (see the commit that
chose it), and it writes OpenAPI 3.1 from the same pydantic schemas that
parse the requests, with one dependency (pydantic) instead of two.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from api import keys, limits, members, programme, sales
from api.problems import CONTENT_TYPE as PROBLEM_TYPE
from api.problems import Problem, problem_response, render
from config.errors import LoyaltyError
from config.shop import speak_shop_language


class KeyAuth(HttpBearer):
    """`Authorization: Bearer <key>`: the key read afresh on every request
    (a revoked key is refused at once), then the body size and the key's rate."""

    def __call__(self, request):
        limits.check_body_size(request)
        return super().__call__(request)

    def authenticate(self, request, token):
        api_key = keys.authenticate(token)
        limits.check_rate(api_key)
        speak_shop_language(request)
        return api_key


class LoyaltyAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        """Refusals are documented as what they are: application/problem+json."""
        schema = super().get_openapi_schema(**kwargs)
        for methods in schema["paths"].values():
            for operation in methods.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content[PROBLEM_TYPE] = content.pop("application/json")
        return schema


api = LoyaltyAPI(
    title="Loyalty Desk API",
    version="1",
    description="Find, enrol, quote, sell, refund and redeem from a till.",
    urls_namespace="api-v1",
    auth=KeyAuth(),
    docs_url=None,  # our own docs page (api.views.docs_view), translated and offline
)


@api.exception_handler(Problem)
def _problem(request, exc):
    return render(exc)


@api.exception_handler(keys.KeyRefused)
def _key_refused(request, exc):
    return problem_response(
        status=401, code=exc.code, detail=exc.message, headers={"WWW-Authenticate": "Bearer"}
    )


@api.exception_handler(AuthenticationError)
def _no_key(request, exc):
    return problem_response(
        status=401,
        code="key_missing",
        detail=_("Send your API key in the header Authorization: Bearer <key>."),
        headers={"WWW-Authenticate": "Bearer"},
    )


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc):
    errors = [
        {
            "field": ".".join(
                str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")
            ),
            "message": error.get("msg", ""),
        }
        for error in exc.errors
    ]
    return problem_response(
        status=400,
        code="invalid_request",
        detail=_("Some fields of the request are missing or not valid: see errors."),
        errors=errors,
    )


@api.exception_handler(LoyaltyError)
def _refused(request, exc):
    extra = {"field": exc.field} if exc.field else {}
    return problem_response(status=422, code=exc.code or "refused", detail=exc.message, **extra)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problem_response(
        status=404, code="not_found", detail=str(exc) or _("Nothing is found at this address.")
    )


@api.exception_handler(HttpError)
def _http_error(request, exc):
    return problem_response(status=exc.status_code, code="http_error", detail=str(exc))


api.add_router("/members", members.router)
api.add_router("/sales", sales.router)
api.add_router("/programme", programme.router)


def urls():
    """The API's URL patterns, open to requests without a log-in session:
    a key in the Authorization header is the API's own log-in."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback.login_required = False
    return patterns, app_name, namespace
