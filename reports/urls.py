from django.urls import path

from reports import views

app_name = "dashboard"
urlpatterns = [
    path("", views.dashboard_view, name="index"),
    path("export/<slug:figure>.csv", views.export_view, name="export"),
    path("refresh/", views.refresh_view, name="refresh"),
    path("status/", views.snapshot_status_view, name="status"),
    path("lifecycle/", views.lifecycle_rules_view, name="lifecycle"),
    path("changes/", views.changes_view, name="changes"),
    path("settlement/", views.settlement_view, name="settlement"),
    path("stores/", views.store_dashboard_view, name="stores"),
]
