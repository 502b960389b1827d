from django.urls import path

from loyalty import views

app_name = "loyalty"
urlpatterns = [
    path("", views.bulk_view, name="bulk"),
    path("export.csv", views.bulk_export_view, {"file_format": "csv"}, name="bulk_export_csv"),
    path("export.xlsx", views.bulk_export_view, {"file_format": "xlsx"}, name="bulk_export_xlsx"),
]
