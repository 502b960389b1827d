"""The roles of a shop: owners configure the programme, staff run the
counter, and a store manager (in a chain) also watches their stores' sales,
redemptions, follow-ups and dashboard."""

import functools

from django.apps import apps as global_apps
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from config.shop import note_version, settings_version_sql

OWNER = "Owner"
STAFF = "Staff"
STORE_MANAGER = "Store manager"

# Owners get every permission of the programme's apps (the admin uses them).
OWNER_APP_LABELS = [
    "members",
    "tiers",
    "points",
    "rewards",
    "campaigns",
    "portal",
    "django_celery_beat",
    "config",
    "importing",
    "stores",
]
STAFF_PERMISSIONS = [
    ("members", "view_member"),
    ("members", "add_member"),
    ("members", "change_member"),
]


def sync_roles(apps=global_apps):
    """Create the groups and give them their permissions; safe to run any time."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # Historical app configs in migrations carry no models module.
        had_module = getattr(app_config, "models_module", None)
        app_config.models_module = had_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = had_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    owner, _ = Group.objects.get_or_create(name=OWNER)
    owner.permissions.add(*Permission.objects.filter(content_type__app_label__in=OWNER_APP_LABELS))
    for name in (STAFF, STORE_MANAGER):
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in STAFF_PERMISSIONS:
            group.permissions.add(
                *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )


def _group_names(user) -> frozenset:
    # Asked several times per page (views, navigation): read the groups once.
    if not hasattr(user, "_loyalty_group_names"):
        user._loyalty_group_names = frozenset(user.groups.values_list("name", flat=True))
    return user._loyalty_group_names


class RolesBackend(ModelBackend):
    """ModelBackend whose get_user reads the user's two roles in the same query,
    and the shop settings' version (config.shop: the page's copy of them is
    current or not), so a page's role checks and shop settings cost no query
    of their own (the counter's requests have query budgets:
    tests/counter/test_counter_queries.py). The query is written once per
    process: compiled by the ORM on every request it cost about 1 ms of CPU."""

    def get_user(self, user_id):
        from django.contrib.auth import get_user_model

        users = get_user_model()._default_manager.raw(_user_with_roles_sql(), [*ROLES, user_id])
        user = next(iter(users), None)
        if user is None or not self.user_can_authenticate(user):
            return None
        user._loyalty_group_names = frozenset(
            role for role in ROLES if getattr(user, _role_column(role))
        )
        note_version(user.shop_settings_version)
        return user


ROLES = (OWNER, STAFF, STORE_MANAGER)


def _role_column(role):
    return "has_role_" + role.lower().replace(" ", "_")


@functools.cache
def _user_with_roles_sql():
    """The user row, per role whether they hold it, and the shop settings'
    version (params: the role names, then the user id)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    name = connection.ops.quote_name
    model = get_user_model()
    memberships = model._meta.get_field("groups").remote_field.through._meta
    groups = model._meta.get_field("groups").related_model._meta
    user_column = memberships.get_field("user").column
    group_column = memberships.get_field("group").column
    columns = ", ".join(f"u.{name(f.column)}" for f in model._meta.concrete_fields)
    has_role = (
        f"EXISTS (SELECT 1 FROM {name(groups.db_table)} g JOIN {name(memberships.db_table)} ug"
        f" ON ug.{name(group_column)} = g.{name(groups.pk.column)}"
        f" WHERE ug.{name(user_column)} = u.{name(model._meta.pk.column)} AND g.name = %s)"
    )
    roles = ", ".join(f"{has_role} AS {_role_column(role)}" for role in ROLES)
    shop = settings_version_sql(name)
    table, pk = name(model._meta.db_table), name(model._meta.pk.column)
    return (
        f"SELECT {columns}, {roles}, {shop} AS shop_settings_version "
        f"FROM {table} u WHERE u.{pk} = %s"
    )


def is_owner(user) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or OWNER in _group_names(user)


def is_staff_member(user) -> bool:
    """Anyone who may work the counter: staff, store managers and owners."""
    if not user.is_authenticated:
        return False
    names = _group_names(user)
    return is_owner(user) or STAFF in names or STORE_MANAGER in names


def is_store_manager(user) -> bool:
    """A store manager (not an owner): sees all of their stores' records."""
    return user.is_authenticated and not is_owner(user) and STORE_MANAGER in _group_names(user)


def require_owner(user):
    if not is_owner(user):
        raise PermissionDenied


def owner_required(view):
    """Owner pages answer 403 to everyone else, before any work is done."""
    from functools import wraps

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        require_owner(request.user)
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view):
    from functools import wraps

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
