"""The shop settings (config.models.ShopSettings) as every page reads them,
and the one door that changes them.

Pages read them all the time (the header's shop name, every amount of
money, every phone typed), and they change a few times a year. So each
process keeps one copy of the row and reuses it while the row's version
says it is the same. A page learns the version at no extra query: the
signed-in user's query reads it (config.roles.RolesBackend) and notes it
for the request (ShopSettingsMiddleware). Outside a request (a task, a
command, a test calling a service), or for a visitor who is not signed in,
the row is read when it is needed: one query.

The copy is shared by every request of the process: read it, never change
or save it.
"""

import contextlib
import contextvars
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

from config import locks
from config.audit import record_settings_change, settings_snapshot
from config.models import ShopSettings

# What the owner can change on the page, as config.audit records it.
SHOP_FIELDS = [
    "name",
    "receipt_header",
    "receipt_footer",
    "phone_region",
    "also_regions",
    "currency",
    "money_decimals",
    "language",
    "date_order",
]

_UNREAD = object()


class _Request:
    """What one request has learnt: the version read with its user, and
    the settings once something asked for them."""

    __slots__ = ("settings", "version")

    def __init__(self):
        self.version = _UNREAD
        self.settings = None


_request = contextvars.ContextVar("shop_settings_request", default=None)
_copy: ShopSettings | None = None


def shop_settings() -> ShopSettings:
    """The shop settings now (the environment's values until the owner saves
    the page). Within a request, the same object every time it is asked."""
    global _copy
    scope = _request.get()
    if scope is not None and scope.settings is not None:
        return scope.settings
    version = scope.version if scope is not None else _UNREAD
    copy = _copy
    if version is _UNREAD or copy is None or copy.version != version:
        # None: the user's query saw no row (the owner never saved the page).
        found = None if version is None else ShopSettings.objects.filter(pk=1).first()
        copy = found or ShopSettings.from_environment()
        if found is not None:
            _copy = found
    if scope is not None:
        scope.settings = copy
    return copy


def shop_name_from_memory() -> str:
    """The shop's name without asking the database (for the 500 page): this
    process's copy of the settings, else the environment's."""
    copy = _copy
    return copy.name if copy is not None else settings.SHOP_NAME


def settings_version_sql(quote_name) -> str:
    """A subquery of the settings row's version (NULL: no row yet), for the
    query a request reads first (its user's, its API key's) to bring along."""
    return f"(SELECT version FROM {quote_name(ShopSettings._meta.db_table)} WHERE id = 1)"


def note_version(version):
    """The row's version as the request's user query read it (None: no row)."""
    scope = _request.get()
    if scope is not None and scope.settings is None:
        scope.version = version


def forget_shop_settings():
    """Drop this process's copy and the request's (the next reader reads the row)."""
    global _copy
    _copy = None
    scope = _request.get()
    if scope is not None:
        scope.settings = None
        scope.version = _UNREAD


@contextlib.contextmanager
def shop_settings_scope():
    """Within it the shop settings are read once (a nightly job, an import):
    what a request does for its own duration."""
    token = _request.set(_Request())
    try:
        yield
    finally:
        _request.reset(token)


class ShopSettingsMiddleware:
    """Opens what a request learns about the shop settings, and closes it;
    speaks the shop's default language to a browser that asks for none we
    speak. After LoginRequiredMiddleware: a visitor it sends to the log-in
    page costs no settings read, and the user, read on first use, brings
    the settings' version."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with shop_settings_scope():
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.headers.get("Authorization", "").startswith("Bearer "):
            # A till's API call: its key's query brings the settings'
            # version, and the API speaks the shop's language once the key
            # is known (speak_shop_language), saving a read of the row.
            return None
        # The user first: their query brings the settings' version.
        if not _asked_language(request):
            getattr(getattr(request, "user", None), "pk", None)
            speak_shop_language(request)
        return None


def speak_shop_language(request):
    """The shop's default language for a request that asked for none we speak."""
    if _asked_language(request):
        return
    language = shop_settings().language
    if language in dict(settings.LANGUAGES) and language != translation.get_language():
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


def _asked_language(request) -> str | None:
    """The language the visitor chose (cookie) or their browser asks for,
    when we speak it; None sends them the shop's default."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen:
        try:
            return translation.get_supported_language_variant(chosen)
        except LookupError:
            pass
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for asked, _quality in parse_accept_lang_header(header):
        if asked == "*":
            break
        try:
            return translation.get_supported_language_variant(asked)
        except LookupError:
            continue
    return None


@transaction.atomic(durable=True)
def save_shop_settings(*, by, **values) -> ShopSettings:
    """Change the shop settings; the change is recorded for *Recent changes*
    and every process reads the new values on its next request. The caller
    (the page's form) has checked each value."""
    unknown = set(values) - set(SHOP_FIELDS)
    if unknown:
        raise TypeError(f"save_shop_settings cannot set {sorted(unknown)}")
    # The first save starts from the environment's values (two owners saving
    # at once: one insert wins, both then change the same row in turn).
    ShopSettings.objects.bulk_create([ShopSettings.from_environment()], ignore_conflicts=True)
    row = locks.lock_settings(ShopSettings.objects, pk=1)
    before = settings_snapshot(row, SHOP_FIELDS)
    for name, value in values.items():
        setattr(row, name, value)
    if settings_snapshot(row, SHOP_FIELDS) == before:
        return row
    row.version = uuid.uuid4().hex
    row.save()
    record_settings_change(obj=row, before=before, fields=SHOP_FIELDS, by=by, label="")
    forget_shop_settings()
    transaction.on_commit(forget_shop_settings)
    return row
