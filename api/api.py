"""The tills' JSON API, version 1 (django-ninja): the NinjaAPI and its routers.

django-ninja over Django REST framework + drf-spectacular: on the same
record-sale endpoint it answered faster in-process (see the commit that
chose it), and it writes OpenAPI 3.1 from the same pydantic schemas that
parse the requests, with one dependency (pydantic) instead of two.
"""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Loyalty Desk API",
    version="1",
    description="Find, enrol, quote, sell, refund and redeem from a till.",
    urls_namespace="api-v1",
    docs_url=None,  # our own docs page (api.views.docs_view), translated and offline
)


def urls():
    """The API's URL patterns, open to requests without a log-in session:
    a key in the Authorization header is the API's own log-in."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback.login_required = False
    return patterns, app_name, namespace
