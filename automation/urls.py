from django.urls import path

from automation import views

# Mounted at members/ (config/urls.py), so the paths stay /members/jobs/ etc.
app_name = "automation"
urlpatterns = [
    path("jobs/", views.jobs_view, name="jobs"),
    path("jobs/<slug:job>/run/", views.run_job_view, name="run_job"),
    path("birthday-gifts/", views.birthday_gifts_view, name="birthday_gifts"),
    path("follow-ups/", views.follow_ups_view, name="follow_ups"),
    path("follow-ups/<int:pk>/done/", views.follow_up_done_view, name="follow_up_done"),
]
