app_name = "tiers"
urlpatterns = []
