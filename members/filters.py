import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from config import inputs
from members.models import Member
from members.selectors import STAGES, search_members, stage_condition

MONTHS = [(m, m) for m in range(1, 13)]


class PointsFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class MemberFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        low, high = data.get("balance_min"), data.get("balance_max")
        if low is not None and high is not None and low > high:
            # Refused rather than showing nobody: the two were likely swapped.
            self.add_error(
                "balance_max",
                _("“Points to” is below “Points from”; swap them or widen the range."),
            )
        return data


class MemberFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        widget=forms.TextInput(
            attrs={"placeholder": _("Number, phone, last 4 digits or name"), "autofocus": True}
        ),
    )
    tier = django_filters.ModelChoiceFilter(
        label=_("Tier"),
        queryset=Member.tier.field.related_model.objects.all(),
        empty_label=_("All tiers"),
    )
    stage = django_filters.ChoiceFilter(
        label=_("Stage"),
        choices=list(STAGES.items()),
        method="filter_stage",
        empty_label=_("All stages"),
    )
    joined_from = django_filters.DateFilter(
        label=_("Joined from"),
        field_name="joined_on",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[inputs.validate_date_range],
    )
    joined_to = django_filters.DateFilter(
        label=_("Joined to"),
        field_name="joined_on",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[inputs.validate_date_range],
    )
    birthday_month = django_filters.ChoiceFilter(
        label=_("Birthday month"),
        choices=MONTHS,
        field_name="birthday__month",
        empty_label=_("Any month"),
    )
    balance_min = PointsFilter(
        label=_("Points from"),
        field_name="points_balance",
        lookup_expr="gte",
        min_value=0,
        widget=forms.NumberInput(attrs={"min": 0, "step": 1, "inputmode": "numeric"}),
    )
    balance_max = PointsFilter(
        label=_("Points to"),
        field_name="points_balance",
        lookup_expr="lte",
        min_value=0,
        widget=forms.NumberInput(attrs={"min": 0, "step": 1, "inputmode": "numeric"}),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Member.Status.choices, empty_label=_("Any status")
    )

    class Meta:
        model = Member
        fields = []
        form = MemberFilterForm

    def filter_search(self, queryset, name, value):
        return search_members(value, queryset, number_start=True)

    def filter_stage(self, queryset, name, value):
        return queryset.filter(stage_condition(value))
