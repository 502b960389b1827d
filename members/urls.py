from django.urls import path

from members import tag_views, views

app_name = "members"
urlpatterns = [
    path("", views.member_list_view, name="list"),
    path("new/", views.member_create_view, name="create"),
    path("<int:pk>/", views.member_detail_view, name="detail"),
    path("<int:pk>/edit/", views.member_edit_view, name="edit"),
    path("<int:pk>/status/", views.member_status_view, name="status"),
    path("<int:pk>/tags/", tag_views.member_tags_view, name="member_tags"),
    path("tags/", tag_views.tag_list_view, name="tags"),
    path("tags/<int:pk>/", tag_views.tag_edit_view, name="tag_edit"),
    path("<int:pk>/merge/", views.merge_view, name="merge"),
    path("export.csv", views.export_view, {"file_format": "csv"}, name="export_csv"),
    path("export.xlsx", views.export_view, {"file_format": "xlsx"}, name="export_xlsx"),
]
