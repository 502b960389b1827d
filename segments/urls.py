from django.urls import path

from segments import views

app_name = "segments"
urlpatterns = [
    path("", views.segment_list_view, name="list"),
    path("new/", views.segment_edit_view, name="create"),
    path("preview/", views.segment_preview_view, name="preview"),
    path("rfm/", views.rfm_view, name="rfm"),
    path("<int:pk>/", views.segment_edit_view, name="edit"),
]
