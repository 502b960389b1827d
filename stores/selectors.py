"""Reads about stores: which exist, which a user works at, whether the shop
has more than one (a single shop never sees a store picker or column)."""

from config.roles import is_owner, is_store_manager
from stores.models import Store


def active_stores():
    return Store.objects.filter(is_active=True).order_by("name", "id")


def all_stores():
    return Store.objects.order_by("-is_active", "name", "id")


def has_many_stores() -> bool:
    """More than one active store: pages show store pickers and columns."""
    return active_stores()[:2].count() > 1


def store_id_of(store):
    """A Store's id, or the id given, or None."""
    if store is None:
        return None
    return store.pk if isinstance(store, Store) else int(store)


def assigned_store_ids(user) -> set:
    """The stores `user` is assigned to (empty: assigned to none)."""
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_loyalty_store_ids"):
        user._loyalty_store_ids = set(user.stores.values_list("id", flat=True))
    return user._loyalty_store_ids


def works_everywhere(user) -> bool:
    """Owners work in every store, and so does staff assigned to none (a
    single shop never assigns anyone). A store manager sees only the stores
    they are assigned to: none until an owner assigns them."""
    if is_owner(user):
        return True
    return not assigned_store_ids(user) and not is_store_manager(user)


def stores_for(user):
    """The active stores `user` may work at, in the order pickers show them."""
    stores = active_stores()
    if works_everywhere(user):
        return stores
    return stores.filter(pk__in=assigned_store_ids(user))


def may_see_store(user, store_id) -> bool:
    """Whether `user` may see records of the store `store_id` (None: a
    record of no store, which everyone who may see the page sees)."""
    if store_id is None or works_everywhere(user):
        return True
    return store_id in assigned_store_ids(user)


def visible_store_ids(user):
    """None when `user` sees every store, else the ids they see."""
    if works_everywhere(user):
        return None
    return assigned_store_ids(user)


def manages_store(user, store_id) -> bool:
    """Owners manage every store; a store manager their assigned stores."""
    if is_owner(user):
        return True
    return is_store_manager(user) and may_see_store(user, store_id)
