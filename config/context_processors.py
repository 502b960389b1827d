from django.conf import settings

from config.roles import is_owner, is_staff_member


def shop(request):
    user = getattr(request, "user", None)
    return {
        "shop_name": settings.SHOP_NAME,
        "currency": settings.CURRENCY,
        "user_is_owner": bool(user) and is_owner(user),
        "user_is_staff": bool(user) and is_staff_member(user),
    }
