from django.urls import path

from counter import sales_views, views

app_name = "counter"
urlpatterns = [
    path("", views.counter_view, name="index"),
    path("find/", views.find_view, name="find"),
    path("members/<int:pk>/", views.card_view, name="card"),
    path("enrol/", views.enrol_view, name="enrol"),
    path("members/<int:pk>/quote/", views.quote_view, name="quote"),
    path("members/<int:pk>/sale/", views.sale_view, name="sale"),
    path("members/<int:pk>/rewards/", views.rewards_view, name="rewards"),
    path("members/<int:pk>/redeem/", views.redeem_view, name="redeem"),
    path("recent/", views.recent_view, name="recent"),
    path("sales/<int:pk>/undo/", views.undo_view, name="undo"),
    path("sales/<int:pk>/receipt/", views.receipt_view, name="receipt"),
    path("sales/", sales_views.sales_view, name="sales"),
    path("sales/<int:pk>/", sales_views.sale_detail_view, name="sale_detail"),
    path("sales/<int:pk>/refund/", sales_views.sale_refund_view, name="sale_refund"),
]
