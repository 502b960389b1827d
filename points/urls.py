from django.urls import path

from points import counter_views

app_name = "points"
urlpatterns = [
    path("counter/", counter_views.counter_view, name="counter"),
    path("counter/find/", counter_views.find_view, name="counter_find"),
    path("counter/members/<int:pk>/", counter_views.card_view, name="counter_card"),
    path("counter/enrol/", counter_views.enrol_view, name="counter_enrol"),
]
