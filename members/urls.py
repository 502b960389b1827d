from django.urls import path

from members import import_views, views

app_name = "members"
urlpatterns = [
    path("", views.member_list_view, name="list"),
    path("new/", views.member_create_view, name="create"),
    path("<int:pk>/", views.member_detail_view, name="detail"),
    path("<int:pk>/edit/", views.member_edit_view, name="edit"),
    path("<int:pk>/status/", views.member_status_view, name="status"),
    path("<int:pk>/merge/", import_views.merge_view, name="merge"),
    path("import/", import_views.import_view, name="import"),
    path("import/<int:pk>/", import_views.import_job_view, name="import_job"),
    path("import/<int:pk>/progress/", import_views.import_progress_view, name="import_progress"),
    path("import/<int:pk>/recheck/", import_views.import_recheck_view, name="import_recheck"),
    path("import/<int:pk>/confirm/", import_views.import_confirm_view, name="import_confirm"),
    path("export.csv", import_views.export_view, {"file_format": "csv"}, name="export_csv"),
    path("export.xlsx", import_views.export_view, {"file_format": "xlsx"}, name="export_xlsx"),
]
