from django.urls import path

from automation import segment_message_views as views

# Mounted at messages/ (config/urls.py): members reach these without a log-in.
app_name = "messages"
urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
    path("sms-reply/", views.sms_reply_view, name="sms_reply"),
]
