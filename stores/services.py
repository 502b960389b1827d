"""The owner's doors onto stores: save one (new or edited, with who works
there), and deactivate one. Every change is in the recent-changes log."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from config import locks
from config.audit import record_settings_change, settings_snapshot
from config.errors import LoyaltyError
from config.roles import require_owner
from config.text import clean_text
from stores.models import Store

FIELDS = ["name", "name_zh_hant", "name_zh_hans", "address", "phone", "is_active"]


def _clean(store):
    for name in FIELDS[:-1]:
        setattr(store, name, clean_text(getattr(store, name) or ""))
    if not store.name:
        raise LoyaltyError(_("Give the store a name."), field="name", code="name")
    taken = Store.objects.exclude(pk=store.pk).filter(name__iexact=store.name)
    if taken.exists():
        raise LoyaltyError(
            _("Another store is already called “%(name)s”.") % {"name": store.name},
            field="name",
            code="name_taken",
        )


def _refuse_last_active(store):
    others = Store.objects.filter(is_active=True).exclude(pk=store.pk)
    if not store.is_active and not others.exists():
        raise LoyaltyError(
            _("The shop needs at least one active store: this is the last one."),
            field="is_active",
            code="last_store",
        )


@transaction.atomic(durable=True)
def save_store(*, store, by, staff=None) -> Store:
    """Save `store` (new or edited, unsaved changes on the instance) and,
    when `staff` is given, set who works there. Owners only."""
    require_owner(by)
    before = None
    if store.pk:
        before = settings_snapshot(locks.lock_row(Store.objects, pk=store.pk), FIELDS)
    _clean(store)
    _refuse_last_active(store)
    try:
        with transaction.atomic():
            store.save()
    except IntegrityError:
        raise LoyaltyError(
            _("Another store is already called “%(name)s”.") % {"name": store.name},
            field="name",
            code="name_taken",
        ) from None
    if staff is not None:
        store.staff.set(staff)
    record_settings_change(obj=store, before=before, fields=FIELDS, by=by)
    return store


@transaction.atomic(durable=True)
def deactivate_store(*, store, by) -> Store:
    """Close `store`: its records stay, it leaves the pickers. Owners only;
    the last active store cannot be closed."""
    require_owner(by)
    store = locks.lock_row(Store.objects, pk=store.pk)
    if not store.is_active:
        return store
    before = settings_snapshot(store, FIELDS)
    store.is_active = False
    _refuse_last_active(store)
    store.save(update_fields=["is_active"])
    record_settings_change(obj=store, before=before, fields=FIELDS, by=by)
    return store


def staff_choices():
    """The users an owner can place in a store (everyone who can sign in)."""
    return get_user_model().objects.filter(is_active=True).order_by(Lower("username"))
