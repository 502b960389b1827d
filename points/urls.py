from django.urls import path

from points import views

app_name = "points"
urlpatterns = [
    path("rules/", views.rules_view, name="rules"),
    path("members/<int:pk>/adjust/", views.adjust_view, name="adjust"),
    path("members/<int:pk>/award/", views.award_view, name="award"),
]
