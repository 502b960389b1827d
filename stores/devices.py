"""The store a device works for: asked once per device (the counter's till,
a cashier's phone) and remembered in a signed cookie, as the receipt paper
is remembered per device. The cookie names the user it was checked for, so
their requests trust it without a query; another user on the same device
has it checked once against their own stores."""

from dataclasses import dataclass

from django.core import signing
from django.utils.translation import gettext as _

from config.errors import LoyaltyError
from stores import selectors

COOKIE = "loyalty_store"
SALT = "stores.device"
MAX_AGE = 400 * 24 * 3600  # what browsers keep at most


@dataclass
class DeviceStore:
    store_id: int | None  # None: no store yet (must_choose), or no store at all
    must_choose: bool = False
    remember: str | None = None  # the cookie to set, when it changed
    choices: int = 0  # how many stores the user could choose (when checked)

    def for_write(self):
        """The store id a write records, refused when the device has not
        chosen among the user's stores yet (None: the shop has no store)."""
        if self.must_choose:
            raise LoyaltyError(_("Choose the store this counter works for first."), code="no_store")
        return self.store_id

    def apply(self, response):
        """Set the device's cookie on `response` when it changed."""
        if self.remember:
            response.set_signed_cookie(
                COOKIE, self.remember, salt=SALT, max_age=MAX_AGE, samesite="Lax", httponly=True
            )
        return response


def _cookie(request):
    """(user id, store id) the cookie was checked for; store id 0: none to
    choose from (a shop with no open store)."""
    try:
        value = request.get_signed_cookie(COOKIE, default="", salt=SALT)
        user_id, store_id = (int(part) for part in value.split(":"))
    except (ValueError, signing.BadSignature):
        return None, None
    return user_id, store_id


def _value(user, store_id):
    return f"{user.pk}:{store_id}"


def device_store(request, *, check=False) -> DeviceStore:
    """The store this device records at for `request.user`. Trusted without
    a query when the cookie was checked for this user (unless `check`: the
    counter's page checks again that the store is still open to them)."""
    user_id, store_id = _cookie(request)
    if user_id == request.user.pk and store_id is not None and not check:
        return DeviceStore(store_id or None)
    options = list(selectors.stores_for(request.user).values_list("id", flat=True))
    if store_id in options:
        chosen = store_id
    elif len(options) == 1:
        chosen = options[0]
    elif options:
        return DeviceStore(None, must_choose=True, choices=len(options))
    else:
        # No open store at all: nothing to record against, remembered as 0.
        fresh = user_id != request.user.pk or store_id != 0
        return DeviceStore(None, remember=_value(request.user, 0) if fresh else None)
    fresh = user_id != request.user.pk or chosen != store_id
    remember = _value(request.user, chosen) if fresh else None
    return DeviceStore(chosen, remember=remember, choices=len(options))


def choose(request, store_id) -> DeviceStore:
    """Remember `store_id` for this device; refused (LookupError) unless it is
    one of the user's active stores."""
    if not selectors.stores_for(request.user).filter(pk=store_id).exists():
        raise LookupError(store_id)
    return DeviceStore(store_id, remember=_value(request.user, store_id))
