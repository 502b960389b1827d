"""Who is looking: a member's session on their own pages.

Members are never Django users. A phone that signs in gets a MemberSession
row with a random id, and the Django session keeps only that id under
SESSION_KEY. Every member page goes through `member_required`, which loads
the row and its member and refuses a session that is revoked, expired, or
older than the member's last "sign out everywhere". Staff pages check
request.user's roles and never look at this key, so a member's session
opens none of them; and no member page takes a member's id or number from
its address: the session alone decides whose page it is.
"""

from datetime import timedelta
from functools import wraps
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from portal import services
from portal.models import MemberSession

SESSION_KEY = "member_page_session"
# last_seen_at is written at most this often, not on every page.
SEEN_EVERY = timedelta(minutes=5)


def client_address(request) -> str:
    """The phone's address: behind the TLS proxy, the last hop it added."""
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def sign_in(request, *, member, via) -> MemberSession:
    """Sign this browser in to `member`'s pages. A staff user signed in in
    the same browser is logged out: one person per browser."""
    if request.user.is_authenticated:
        logout(request)
    else:
        request.session.cycle_key()  # a new session id: no fixation
    row = services.start_session(
        member=member, via=via, device=request.headers.get("User-Agent", "")
    )
    request.session[SESSION_KEY] = row.pk
    request.session.set_expiry(int((row.expires_at - timezone.now()).total_seconds()))
    return row


def sign_out(request):
    row = current_session(request)
    if row is not None:
        services.end_session(session=row)
    request.session.pop(SESSION_KEY, None)


def current_session(request):
    """The MemberSession this browser holds, with its member and tier, or None."""
    if hasattr(request, "_member_session"):
        return request._member_session
    row = None
    session_id = request.session.get(SESSION_KEY)
    if session_id:
        now = timezone.now()
        row = (
            MemberSession.objects.select_related("member", "member__tier")
            .filter(pk=session_id, revoked_at__isnull=True, expires_at__gt=now)
            .first()
        )
        if row is not None and row.generation != row.member.signin_generation:
            row = None
        if row is None:
            request.session.pop(SESSION_KEY, None)
        elif now - row.last_seen_at > SEEN_EVERY:
            MemberSession.objects.filter(pk=row.pk).update(last_seen_at=now)
    request._member_session = row
    return row


def member_required(view):
    """A member page: signed-in members only (anyone else goes to sign in),
    outside the staff's LoginRequiredMiddleware, never cached."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        row = current_session(request)
        if row is None:
            target = reverse("portal:sign_in")
            if request.method == "GET":
                target += "?next=" + quote(request.get_full_path())
            return redirect(target)
        request.member = row.member
        request.member_session = row
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return login_not_required(wrapper)


def public_page(view):
    """A page of the member side anyone may open (sign in, join)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return login_not_required(wrapper)
