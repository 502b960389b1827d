from django.urls import path

from campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list_view, name="list"),
    path("new/", views.campaign_create_view, name="create"),
    path("stacking/", views.stacking_view, name="stacking"),
    path("<int:pk>/", views.campaign_edit_view, name="edit"),
    path("<int:pk>/results/", views.campaign_results_view, name="results"),
]
