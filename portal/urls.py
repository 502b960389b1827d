from django.urls import path

from portal import views

# Mounted at my/ (config/urls.py). No member id or number in any address:
# the session decides whose pages these are.
app_name = "portal"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("programme/", views.programme_view, name="programme"),
    path("history/", views.history_view, name="history"),
    path("rewards/", views.rewards_view, name="rewards"),
    path("rewards/<int:pk>/", views.reward_view, name="reward"),
    path("rewards/<int:pk>/image/", views.reward_image_view, name="reward_image"),
    path("coupons/", views.coupons_view, name="coupons"),
    path("profile/", views.profile_view, name="profile"),
    path("profile/my-data.csv", views.data_view, name="data"),
    path("sign-in/", views.sign_in_view, name="sign_in"),
    path("sign-in/code/", views.sign_in_code_view, name="sign_in_code"),
    path("sign-out/", views.sign_out_view, name="sign_out"),
    path("sign-out-everywhere/", views.sign_out_everywhere_view, name="sign_out_everywhere"),
    path("in/<str:token>/", views.link_view, name="link"),
    path("manifest.webmanifest", views.manifest_view, name="manifest"),
]
