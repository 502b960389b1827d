from django.urls import path

from rewards import views

app_name = "rewards"
urlpatterns = [
    path("", views.reward_list_view, name="list"),
    path("new/", views.reward_create_view, name="create"),
    path("<int:pk>/edit/", views.reward_edit_view, name="edit"),
    path("<int:pk>/stock/", views.store_stock_view, name="store_stock"),
    path("<int:pk>/image/", views.reward_image_view, name="image"),
    path("member/<int:pk>/", views.member_catalogue_view, name="member_catalogue"),
    path("member/<int:pk>/redeem/", views.redeem_view, name="redeem"),
    path("redemptions/", views.redemption_list_view, name="redemptions"),
    path("redemptions/<int:pk>/fulfil/", views.fulfil_view, name="fulfil"),
    path("redemptions/<int:pk>/cancel/", views.cancel_view, name="cancel"),
]
