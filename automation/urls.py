from django.urls import path

from automation import segment_message_views, views

# Mounted at members/ (config/urls.py), so the paths stay /members/jobs/ etc.
app_name = "automation"
urlpatterns = [
    path("jobs/", views.jobs_view, name="jobs"),
    path("jobs/<slug:job>/run/", views.run_job_view, name="run_job"),
    path("birthday-gifts/", views.birthday_gifts_view, name="birthday_gifts"),
    path("follow-ups/", views.follow_ups_view, name="follow_ups"),
    path("follow-ups/<int:pk>/done/", views.follow_up_done_view, name="follow_up_done"),
    path("messages/", segment_message_views.message_list_view, name="segment_messages"),
    path("messages/new/", segment_message_views.message_edit_view, name="segment_message_create"),
    path(
        "messages/<int:pk>/", segment_message_views.message_edit_view, name="segment_message_edit"
    ),
    path(
        "messages/<int:pk>/preview/",
        segment_message_views.message_preview_view,
        name="segment_message_preview",
    ),
    path(
        "messages/<int:pk>/schedule/",
        segment_message_views.message_schedule_view,
        name="segment_message_schedule",
    ),
    path(
        "messages/<int:pk>/results/",
        segment_message_views.message_results_view,
        name="segment_message_results",
    ),
]
