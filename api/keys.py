"""API keys: create (shown once), revoke (at once), and the check behind
every API request (`authenticate`)."""

import hashlib
import secrets
import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiKey
from config import locks
from config.errors import LoyaltyError
from config.shop import note_version, settings_version_sql
from config.text import clean_text
from stores.selectors import store_id_of

KEY_PREFIX = "ldk_"
# last_used_at is written at most this often per key: not a write per request.
LAST_USED_GRAIN = timedelta(minutes=1)
# What a request reads of its key, and of the key's user (the services read
# these of `by`).
KEY_FIELDS = {"id", "name", "scopes", "expires_at", "store", "last_used_at", "revoked_at", "user"}
USER_FIELDS = {"id", "username", "first_name", "last_name", "is_active", "is_superuser"}


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic(durable=True)
def create_api_key(*, name, scopes, by, expires_at=None, store=None):
    """A new key and its text, which is never stored and cannot be shown again.
    `store`: the Store (or id) the till stands in, where what it records happens."""
    name = clean_text(name)
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
        api_key = _read_key(hash_key(text))
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


def _read_key(key_hash) -> ApiKey | None:
    """The key by its hash with its user, and the shop settings' version as a
    staff user's query brings it (config.roles), so the request's settings
    cost no read of their own: one statement, written once per process
    (compiled by the ORM on every request it cost a fifth of a till's sale)."""
    sql, key_fields, user_fields = _key_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [key_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    api_key = _instance(ApiKey, key_fields, row[: len(key_fields)])
    rest = row[len(key_fields) :]
    api_key.user = _instance(get_user_model(), user_fields, rest[: len(user_fields)])
    note_version(rest[len(user_fields)])
    return api_key


def _instance(model, fields, values):
    """A model instance from a row: `fields` in the model's own order, as
    Model.from_db expects them, each value through its converters."""
    converted = []
    for field, value in zip(fields, values, strict=True):
        column = field.cached_col
        for converter in [
            *connection.ops.get_db_converters(column),
            *column.get_db_converters(connection),
        ]:
            value = converter(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, [field.attname for field in fields], converted)


_KEY_SQL = {}


def _key_sql():
    """SELECT the key's fields, its user's, and the settings' version; with
    the key's and the user's fields in the order the row gives them."""
    if connection.vendor not in _KEY_SQL:
        name = connection.ops.quote_name
        user_meta = get_user_model()._meta
        key_fields = [f for f in ApiKey._meta.concrete_fields if f.name in KEY_FIELDS]
        user_fields = [f for f in user_meta.concrete_fields if f.name in USER_FIELDS]
        columns = [f"k.{name(f.column)}" for f in key_fields]
        columns += [f"u.{name(f.column)}" for f in user_fields]
        sql = (
            f"SELECT {', '.join(columns)}, {settings_version_sql(name)} "
            f"FROM {name(ApiKey._meta.db_table)} k "
            f"JOIN {name(user_meta.db_table)} u "
            f"ON u.{name(user_meta.pk.column)} = k.{name(ApiKey._meta.get_field('user').column)} "
            f"WHERE k.{name(ApiKey._meta.get_field('key_hash').column)} = %s"
        )
        _KEY_SQL[connection.vendor] = (sql, key_fields, user_fields)
    return _KEY_SQL[connection.vendor]
