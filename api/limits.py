"""The API's limits: requests per key per minute, and the size of a body."""

import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from api.problems import Problem


def check_body_size(request):
    """Refuse a body over API_MAX_BODY_BYTES before anything reads it."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.API_MAX_BODY_BYTES:
        raise Problem(
            413,
            "body_too_large",
            _("The request body is too large: at most %(limit)d bytes.")
            % {"limit": settings.API_MAX_BODY_BYTES},
        )


def check_rate(api_key, *, now=None):
    """Count the request in this minute's window for the key (in the cache,
    which several web servers share); over API_RATE_LIMIT answers 429."""
    now = now if now is not None else time.time()
    window = int(now // 60)
    counter = f"api-rate:{api_key.pk}:{window}"
    cache.add(counter, 0, timeout=120)
    try:
        count = cache.incr(counter)
    except ValueError:  # evicted between add and incr
        cache.set(counter, 1, timeout=120)
        count = 1
    if count > settings.API_RATE_LIMIT:
        wait = max(1, 60 - int(now % 60))
        raise Problem(
            429,
            "rate_limited",
            _("Too many requests for this key: at most %(limit)d a minute. Try again in %(s)d s.")
            % {"limit": settings.API_RATE_LIMIT, "s": wait},
            headers={"Retry-After": str(wait)},
        )
