from django.utils.functional import SimpleLazyObject, lazy

from config.roles import is_owner, is_staff_member, is_store_manager
from config.shop import shop_settings


def _shop_name():
    return shop_settings().name


def shop(request):
    user = getattr(request, "user", None)
    return {
        # Lazy: a page that shows neither reads no settings.
        "shop": SimpleLazyObject(shop_settings),
        "shop_name": lazy(_shop_name, str)(),
        "user_is_owner": bool(user) and is_owner(user),
        "user_is_staff": bool(user) and is_staff_member(user),
        "user_is_store_manager": bool(user) and is_store_manager(user),
    }
