import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from config import inputs
from members.models import Member
from members.selectors import search_members
from rewards.models import Reward, RewardRedemption


class RedemptionFilter(django_filters.FilterSet):
    member = django_filters.CharFilter(
        label=_("Member"),
        method="filter_member",
        widget=forms.TextInput(attrs={"placeholder": _("Number, phone, last 4 digits or name")}),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=RewardRedemption.Status.choices, empty_label=_("Any status")
    )
    reward = django_filters.ModelChoiceFilter(
        label=_("Reward"), queryset=Reward.objects.all(), empty_label=_("All rewards")
    )
    source = django_filters.ChoiceFilter(
        label=_("Source"), choices=RewardRedemption.Source.choices, empty_label=_("Any source")
    )
    created_from = django_filters.DateFilter(
        label=_("From"),
        field_name="created_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[inputs.validate_date_range],
    )
    created_to = django_filters.DateFilter(
        label=_("To"),
        field_name="created_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[inputs.validate_date_range],
    )

    store = django_filters.ModelChoiceFilter(
        label=_("Store"), queryset=None, empty_label=_("Any store")
    )

    class Meta:
        model = RewardRedemption
        fields = []

    def __init__(self, *args, stores=None, **kwargs):
        """`stores`: the stores to filter by, or None for a single shop (no filter)."""
        super().__init__(*args, **kwargs)
        if stores is None:
            del self.filters["store"]
        else:
            self.filters["store"].queryset = stores

    def filter_member(self, queryset, name, value):
        return queryset.filter(member__in=search_members(value, Member.objects.all()))
