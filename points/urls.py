from django.urls import path

from points import counter_views, views

app_name = "points"
urlpatterns = [
    path("rules/", views.rules_view, name="rules"),
    path("members/<int:pk>/adjust/", views.adjust_view, name="adjust"),
    path("members/<int:pk>/award/", views.award_view, name="award"),
    path("counter/", counter_views.counter_view, name="counter"),
    path("counter/find/", counter_views.find_view, name="counter_find"),
    path("counter/members/<int:pk>/", counter_views.card_view, name="counter_card"),
    path("counter/enrol/", counter_views.enrol_view, name="counter_enrol"),
    path("counter/members/<int:pk>/quote/", counter_views.quote_view, name="counter_quote"),
    path("counter/members/<int:pk>/sale/", counter_views.sale_view, name="counter_sale"),
    path("counter/members/<int:pk>/rewards/", counter_views.rewards_view, name="counter_rewards"),
    path("counter/members/<int:pk>/redeem/", counter_views.redeem_view, name="counter_redeem"),
    path("counter/recent/", counter_views.recent_view, name="counter_recent"),
    path("counter/sales/<int:pk>/undo/", counter_views.undo_view, name="counter_undo"),
    path("counter/sales/<int:pk>/receipt/", counter_views.receipt_view, name="counter_receipt"),
]
