"""The client's own address behind the TLS proxies the README recommends.

Each trusted proxy appends the address it received the request from to
X-Forwarded-For, so with TRUSTED_PROXY_COUNT = n the client's address is the
n-th entry from the right; anything left of it was written by the client and
is ignored. django-axes keys its log-in lockout on this address
(AXES_CLIENT_IP_CALLABLE), together with the user name.
"""

import ipaddress

from django.conf import settings


def client_ip_address(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [part.strip() for part in header.split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote  # not through our proxies: the connection's address
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
