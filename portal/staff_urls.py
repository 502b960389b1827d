from django.urls import path

from portal import staff_views

# Mounted at members/pages/ (config/urls.py): staff pages, staff roles.
app_name = "portal_staff"
urlpatterns = [
    path("", staff_views.settings_view, name="settings"),
    path("poster/", staff_views.poster_view, name="poster"),
    path("<int:pk>/send-link/", staff_views.send_link_view, name="send_link"),
    path("<int:pk>/sign-out/", staff_views.sign_out_view, name="sign_out"),
]
