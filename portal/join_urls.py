from django.urls import path

from portal import join_views

# Mounted at join/ (config/urls.py): the address on the shop's poster.
app_name = "portal_join"
urlpatterns = [
    path("", join_views.join_view, name="join"),
    path("details/", join_views.join_details_view, name="details"),
]
