from django.urls import path

from stores import views

app_name = "stores"
urlpatterns = [
    path("", views.store_list_view, name="list"),
    path("new/", views.store_create_view, name="create"),
    path("<int:pk>/", views.store_edit_view, name="edit"),
    path("<int:pk>/close/", views.store_deactivate_view, name="deactivate"),
    path("choose/", views.choose_view, name="choose"),
]
