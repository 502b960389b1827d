from django.urls import path

from api import views

app_name = "api"
urlpatterns = [
    path("keys/", views.keys_view, name="keys"),
    path("keys/<int:pk>/revoke/", views.revoke_view, name="revoke"),
    path("v1/docs", views.docs_view, name="docs"),
]
