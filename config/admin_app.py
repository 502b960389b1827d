"""django.contrib.admin's app config with the owners-only site: INSTALLED_APPS
names this instead of django.contrib.admin. A module of its own because an
app config module may not load models (the site's log-in form does)."""

from django.contrib.admin.apps import AdminConfig


class LoyaltyAdminConfig(AdminConfig):
    default_site = "config.admin_site.OwnerAdminSite"
