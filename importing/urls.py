from django.urls import path

from importing import views

app_name = "importing"
urlpatterns = [
    path("", views.import_view, name="upload"),
    path("<int:pk>/", views.import_job_view, name="job"),
    path("<int:pk>/progress/", views.import_progress_view, name="progress"),
    path("<int:pk>/recheck/", views.import_recheck_view, name="recheck"),
    path("<int:pk>/confirm/", views.import_confirm_view, name="confirm"),
    path("<int:pk>/retry/", views.import_retry_view, name="retry"),
]
