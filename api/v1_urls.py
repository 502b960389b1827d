"""/api/v1/: the API itself, in its own URL namespace ("api-v1")."""

from api.api import urls

urlpatterns, _app_name, app_name = urls()
