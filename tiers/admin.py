from django.contrib import admin

from tiers.models import Tier


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = [
        "rank",
        "name",
        "is_active",
        "retail_discount",
        "wholesale_discount",
        "points_multiplier",
    ]
    list_display_links = ["name"]
    ordering = ["rank"]
