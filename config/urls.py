from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from config import views

handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("shop-settings/", views.shop_settings_view, name="shop_settings"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # The members' own pages: no member id or number in any of their addresses.
    path("my/", include("portal.urls")),
    path("join/", include("portal.join_urls")),
    path("messages/", include("automation.public_urls")),
    path("members/pages/", include("portal.staff_urls")),
    path("members/import/", include("importing.urls")),
    path("members/bulk/", include("loyalty.urls")),
    path("members/segments/", include("segments.urls")),
    # Before members.urls: the jobs and follow-up pages live under /members/ too.
    path("members/", include("automation.urls")),
    path("members/", include("members.urls")),
    path("tiers/", include("tiers.urls")),
    path("points/counter/", include("counter.urls")),
    path("points/", include("points.urls")),
    path("rewards/", include("rewards.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("dashboard/", include("reports.urls")),
    path("stores/", include("stores.urls")),
    path("api/", include("api.urls")),
    path("api/v1/", include("api.v1_urls")),
    # Before admin.site.urls, so staff who open the admin get the 403 page.
    path("admin/login/", views.admin_login),
    path("admin/", admin.site.urls),
]
