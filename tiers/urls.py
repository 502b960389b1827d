from django.urls import path

from tiers import views

app_name = "tiers"
urlpatterns = [
    path("", views.tier_list_view, name="list"),
    path("new/", views.tier_edit_view, name="create"),
    path("<int:pk>/", views.tier_edit_view, name="edit"),
    path("<int:pk>/deactivate/", views.tier_deactivate_view, name="deactivate"),
    path("discount-hint/", views.discount_hint_view, name="discount_hint"),
    path("programme/", views.programme_view, name="programme"),
    path("preview/", views.preview_view, name="preview"),
    path("apply/", views.apply_view, name="apply"),
    path("apply/<int:pk>/", views.application_view, name="application"),
    path("apply/<int:pk>/progress/", views.application_progress_view, name="application_progress"),
    path("members/<int:member_pk>/set/", views.set_tier_view, name="set_tier"),
]
