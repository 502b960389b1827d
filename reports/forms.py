"""Input parsing for the dashboard's filters, the lifecycle settings page and
the filters of "Recent changes"."""

from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from config import inputs
from config.models import SettingsChange
from reports.changes import AREAS
from reports.periods import Period
from reports.services import MAX_DAYS
from tiers.models import Tier

MAX_PERIOD_DAYS = 5 * 366

_date = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DashboardFilterForm(forms.Form):
    start = inputs.DateField(label=_("From"), required=False, widget=_date)
    end = inputs.DateField(label=_("To"), required=False, widget=_date)
    tier = forms.ModelChoiceField(
        label=_("Tier"),
        queryset=Tier.objects.active().order_by("-rank"),
        required=False,
        empty_label=_("All tiers"),
    )

    def __init__(self, data=None, *, today=None, stores=(), all_stores_label=None):
        """`stores`: the stores the filter offers (a list, read once by the
        caller); none, and the form has no store filter, as in a single shop."""
        self.default = Period.default(today)
        super().__init__(data, initial={"start": self.default.start, "end": self.default.end})
        self.stores = {str(store.pk): store for store in stores}
        if self.stores:
            self.fields["store"] = forms.ChoiceField(
                label=_("Store"),
                required=False,
                choices=[
                    ("", all_stores_label or _("All stores")),
                    *((key, store.display_name) for key, store in self.stores.items()),
                ],
            )

    def clean_store(self):
        return self.stores.get(self.cleaned_data.get("store") or "")

    def clean(self):
        data = super().clean()
        start = data.get("start") or self.default.start
        end = data.get("end") or self.default.end
        if "start" in self.errors or "end" in self.errors:
            return data
        if end < start:
            self.add_error("end", _("The last day comes before the first day: swap them."))
        elif end - start > timedelta(days=MAX_PERIOD_DAYS):
            self.add_error("start", _("Choose a range of at most five years."))
        data["period"] = Period(start, end)
        return data


class LifecycleRulesForm(forms.Form):
    new_days = inputs.IntegerField(
        label=_("New: joined within (days)"), min_value=1, max_value=MAX_DAYS
    )
    active_days = inputs.IntegerField(
        label=_("Active: bought within (days)"), min_value=1, max_value=MAX_DAYS
    )
    churned_days = inputs.IntegerField(
        label=_("Churned: no purchase for over (days)"),
        min_value=1,
        max_value=MAX_DAYS,
        help_text=_("Members between active and churned are dormant."),
    )


class ChangesFilterForm(forms.Form):
    what = forms.ChoiceField(
        label=_("What"),
        required=False,
        choices=[("", _("Everything")), *((key, label) for key, (label, _m) in AREAS.items())],
    )
    by = forms.ModelChoiceField(
        label=_("Who"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("Anyone"),
    )
    start = inputs.DateField(label=_("From"), required=False, widget=_date)
    end = inputs.DateField(label=_("To"), required=False, widget=_date)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only people who have changed something are worth choosing.
        by = self.fields["by"]
        by.queryset = (
            get_user_model()
            .objects.filter(pk__in=SettingsChange.objects.filter(by__isnull=False).values("by"))
            .order_by("username")
        )
        by.label_from_instance = lambda user: user.get_full_name() or user.get_username()

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The last day comes before the first day: swap them."))
        return data


class SettlementForm(forms.Form):
    """The settlement's shop days, this month so far by default."""

    start = inputs.DateField(label=_("From"), required=False, widget=_date)
    end = inputs.DateField(label=_("To"), required=False, widget=_date)

    def __init__(self, data=None, *, today):
        self.default_start, self.default_end = today.replace(day=1), today
        initial = {"start": self.default_start, "end": self.default_end}
        super().__init__(data, initial=initial)

    def clean(self):
        data = super().clean()
        if "start" in self.errors or "end" in self.errors:
            return data
        data["start"] = data.get("start") or self.default_start
        data["end"] = data.get("end") or self.default_end
        if data["end"] < data["start"]:
            self.add_error("end", _("The last day comes before the first day: swap them."))
        elif data["end"] - data["start"] > timedelta(days=MAX_PERIOD_DAYS):
            self.add_error("start", _("Choose a range of at most five years."))
        return data
