from django.urls import path

from api import views

app_name = "api"
urlpatterns = [
    path("keys/", views.keys_view, name="keys"),
    path("keys/<int:pk>/revoke/", views.revoke_view, name="revoke"),
    path("webhooks/", views.webhooks_view, name="webhooks"),
    path("webhooks/<int:pk>/", views.webhook_view, name="webhook"),
    path("webhooks/<int:pk>/active/", views.webhook_active_view, name="webhook_active"),
    path("webhooks/deliveries/<int:pk>/send-again/", views.send_again_view, name="send_again"),
    path("v1/docs", views.docs_view, name="docs"),
]
