from django.urls import path

from api.api import urls as api_urls

urlpatterns = [
    path("v1/", api_urls()),
]
