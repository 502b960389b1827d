"""Input parsing for the campaign pages; the rules live in campaigns.services."""

import re
from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from campaigns.models import Campaign, CampaignSettings
from config import inputs
from segments.models import Segment
from stores.models import Store
from tiers.models import Tier

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _split(text: str) -> list[str]:
    # Commas of either width, semicolons, spaces and new lines all separate.
    return [part for part in re.split(r"[\s,，;；、]+", text.strip()) if part]


class CampaignForm(forms.Form):
    # "Name" alone is a member's name (姓名) in the members catalog, which wins.
    name = forms.CharField(label=pgettext_lazy("campaign", "Name"), max_length=200)
    name_zh_hant = forms.CharField(
        label=_("Name in Traditional Chinese"),
        max_length=100,
        required=False,
        help_text=_("What members read on their page; leave empty to show the name above."),
    )
    name_zh_hans = forms.CharField(
        label=_("Name in Simplified Chinese"), max_length=100, required=False
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    starts_on = inputs.DateField(label=_("First day"), widget=DATE_INPUT)
    ends_on = inputs.DateField(
        label=_("Last day"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Leave empty to run it until you end it (e.g. every 18th)."),
    )
    schedule = forms.ChoiceField(
        label=_("Applies on"),
        choices=Campaign.Schedule.choices,
        initial=Campaign.Schedule.EVERY_DAY,
        widget=forms.RadioSelect,
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"),
        choices=list(enumerate(Campaign.WEEKDAY_NAMES)),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    month_days = forms.CharField(
        label=_("Days of the month"),
        required=False,
        help_text=_("e.g. 18, or 8, 18, 28"),
    )
    dates = forms.CharField(
        label=_("Dates"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One or more dates such as 2026-12-12, separated by commas."),
    )
    tiers = forms.ModelMultipleChoiceField(
        label=_("Tiers"),
        queryset=Tier.objects.active().order_by("rank"),  # an inactive tier earns nothing
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick none for every tier."),
    )
    stores = forms.ModelMultipleChoiceField(
        label=_("Stores"),
        queryset=Store.objects.filter(is_active=True).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick none for every store."),
    )
    saved_segment = forms.ModelChoiceField(
        label=pgettext_lazy("campaign audience", "Who"),
        queryset=Segment.objects.order_by("name", "id"),
        required=False,
        empty_label=_("Everyone"),
        help_text=_(
            "Or only the members of a saved segment (Set-up → Segments): each sale "
            "checks whether the segment keeps the member at that moment."
        ),
    )
    segment = forms.ChoiceField(
        label=_("Members"), choices=Campaign.Segment.choices, initial=Campaign.Segment.ALL
    )
    min_spend = inputs.DecimalField(
        label=_("Minimum spend"), required=False, initial=0, max_digits=12, decimal_places=2
    )
    multiplier = inputs.DecimalField(
        label=_("Points multiplier"),
        required=False,
        initial=1,
        max_digits=5,
        decimal_places=2,
        help_text=_("2 doubles the points; 1 leaves them as they are."),
    )
    bonus_points = inputs.IntegerField(label=_("Flat bonus points"), required=False, initial=0)
    redemption_multiplier = inputs.DecimalField(
        label=_("Points value multiplier"),
        required=False,
        initial=1,
        max_digits=4,
        decimal_places=2,
        help_text=_(
            "2 makes points worth twice as much as cash on these days (double-value "
            "redemption); 1 leaves them as they are."
        ),
    )
    priority = inputs.IntegerField(
        label=_("Priority"),
        required=False,
        initial=0,
        help_text=_("When several apply, the highest comes first."),
    )
    exclusive = forms.BooleanField(
        label=_("Exclusive: never combined with other campaigns"), required=False
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A single shop chooses no store (its campaigns run in its one store).
        stores = self.fields["stores"]
        stores.label_from_instance = lambda store: store.display_name
        if len(stores.queryset[:2]) < 2:
            del self.fields["stores"]

    def clean_month_days(self):
        parts = [inputs.plain_number(part) for part in _split(self.cleaned_data["month_days"])]
        if not all(part.isascii() and part.isdigit() and len(part) <= 3 for part in parts):
            raise forms.ValidationError(_("Enter days as numbers, e.g. 18 or 8, 18, 28."))
        return [int(part) for part in parts]

    def clean_dates(self):
        days = []
        for part in _split(self.cleaned_data["dates"]):
            try:
                days.append(date.fromisoformat(part))
            except ValueError:
                raise forms.ValidationError(
                    _("“%(text)s” is not a date: write it as 2026-12-12.") % {"text": part}
                ) from None
            inputs.validate_date_range(days[-1])
        return days

    @classmethod
    def initial_for(cls, campaign):
        return {
            "name": campaign.name,
            "name_zh_hant": campaign.name_zh_hant,
            "name_zh_hans": campaign.name_zh_hans,
            "description": campaign.description,
            "starts_on": campaign.starts_on,
            "ends_on": campaign.ends_on,
            "schedule": campaign.schedule,
            "weekdays": campaign.weekdays,
            "month_days": ", ".join(str(d) for d in campaign.month_days),
            "dates": ", ".join(campaign.dates),
            "tiers": list(campaign.tiers.all()),
            "stores": list(campaign.stores.all()),
            "saved_segment": campaign.saved_segment_id,
            "segment": campaign.segment,
            "min_spend": campaign.min_spend,
            "multiplier": campaign.multiplier,
            "bonus_points": campaign.bonus_points,
            "redemption_multiplier": campaign.redemption_multiplier,
            "priority": campaign.priority,
            "exclusive": campaign.exclusive,
            "is_active": campaign.is_active,
        }


class StackingForm(forms.Form):
    stacking = forms.ChoiceField(
        label=_("Several combinable campaigns on one sale"),
        choices=CampaignSettings.Stacking.choices,
        widget=forms.RadioSelect,
    )
