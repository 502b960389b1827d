"""API keys: create (shown once), revoke (at once), and the check behind
every API request (`authenticate`)."""

import hashlib
import secrets
import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiKey
from config import locks
from config.errors import LoyaltyError
from stores.selectors import store_id_of

KEY_PREFIX = "ldk_"
# last_used_at is written at most this often per key: not a write per request.
LAST_USED_GRAIN = timedelta(minutes=1)
KEY_FIELDS = (
    "id",
    "name",
    "scopes",
    "expires_at",
    "store_id",
    "last_used_at",
    "revoked_at",
    "user__id",
    "user__username",
    "user__first_name",
    "user__last_name",
    "user__is_active",
    "user__is_superuser",
)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic(durable=True)
def create_api_key(*, name, scopes, by, expires_at=None, store=None):
    """A new key and its text, which is never stored and cannot be shown again.
    `store`: the Store (or id) the till stands in, where what it records happens."""
    name = " ".join(str(name or "").split())
    if not name:
        raise LoyaltyError(_("Give the key a name, e.g. the till it is for."), field="name")
    scopes = sorted(set(scopes))
    if not scopes or not set(scopes) <= set(ApiKey.Scope.values):
        raise LoyaltyError(_("Choose at least one thing the key may do."), field="scopes")
    if expires_at is not None and expires_at <= timezone.now():
        raise LoyaltyError(_("Choose an expiry date in the future."), field="expires_at")
    text = KEY_PREFIX + secrets.token_urlsafe(32)
    user = get_user_model().objects.create(
        # Not a person: no password, no role; it names the key on what it records.
        username=f"api-key-{uuid.uuid4().hex[:12]}",
        first_name=name[:150],
        last_name=_("(API key)")[:150],
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    api_key = ApiKey.objects.create(
        name=name[:80],
        prefix=text[:10],
        key_hash=hash_key(text),
        scopes=scopes,
        user=user,
        expires_at=expires_at,
        created_by=by,
        store_id=store_id_of(store),
    )
    return api_key, text


@transaction.atomic(durable=True)
def revoke_api_key(*, api_key, by):
    """Refuse the key from its next request on; its records keep its name."""
    api_key = locks.lock_row(ApiKey.objects, pk=api_key.pk)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.revoked_by = by
        api_key.save(update_fields=["revoked_at", "revoked_by"])
        user = api_key.user
        user.is_active = False
        user.save(update_fields=["is_active"])
    return api_key


class KeyRefused(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def authenticate(text, *, now=None) -> ApiKey:
    """The usable key `text` is, read afresh (a revocation counts at once),
    or KeyRefused saying why."""
    now = now or timezone.now()
    text = str(text or "").strip()
    api_key = None
    if text.startswith(KEY_PREFIX):
        # The key and the few user fields the services read of `by`.
        api_key = (
            ApiKey.objects.select_related("user")
            .only(*KEY_FIELDS)
            .filter(key_hash=hash_key(text))
            .first()
        )
    if api_key is None:
        raise KeyRefused("key_unknown", _("This API key is not known. Check the key you sent."))
    if api_key.revoked_at is not None:
        raise KeyRefused("key_revoked", _("This API key was revoked by the shop's owner."))
    if api_key.is_expired(now):
        raise KeyRefused("key_expired", _("This API key has expired. Ask the owner for a new one."))
    if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_GRAIN:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key
