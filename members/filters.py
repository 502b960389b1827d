import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from config import inputs
from members.forms import BoundedIds
from members.models import Member, Tag
from members.selectors import STAGES, search_members, stage_condition
from stores.selectors import all_stores

MONTHS = [(m, m) for m in range(1, 13)]


class PointsFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class BoundedModelMultipleChoiceField(BoundedIds, django_filters.fields.ModelMultipleChoiceField):
    pass


class TagsFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = BoundedModelMultipleChoiceField


class CountFilter(django_filters.NumberFilter):
    field_class = inputs.IntegerField


class MoneyFilter(django_filters.NumberFilter):
    field_class = inputs.DecimalField


class StoreChoiceField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, store):
        if not store.is_active:
            return _("%(store)s (closed)") % {"store": store.display_name}
        return store.display_name


class StoreFilter(django_filters.ModelChoiceFilter):
    """A store by id (closed ones too: their members stay), or "null" for
    the members of no home store."""

    field_class = StoreChoiceField


def _number_widget(step=1):
    return forms.NumberInput(attrs={"min": 0, "step": step, "inputmode": "decimal"})


# Ranges a filter form refuses when the low end is above the high end:
# (low field, high field, message).
RANGES = [
    (
        "balance_min",
        "balance_max",
        _("“Points to” is below “Points from”; swap them or widen the range."),
    ),
    (
        "spend_min",
        "spend_max",
        _("“Spend to” is below “Spend from”; swap them or widen the range."),
    ),
    (
        "visits_min",
        "visits_max",
        _("“Visits to” is below “Visits from”; swap them or widen the range."),
    ),
    (
        "last_purchase_from",
        "last_purchase_to",
        _("“Last purchase to” is before “Last purchase from”; swap them or widen the range."),
    ),
]


class MemberFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        for low_name, high_name, message in RANGES:
            low, high = data.get(low_name), data.get(high_name)
            if low is not None and high is not None and low > high:
                # Refused rather than showing nobody: the two were likely swapped.
                self.add_error(high_name, message)
        return data


# The filter a single shop's pages do not show.
STORE_FILTER = "home_store"


def shown_fields(form, *, many_stores, leave_out=()):
    """The fields of a MemberFilter's form a page shows: not the store filter
    in a single shop, nor those in `leave_out`."""
    hidden = {*leave_out, *(() if many_stores else (STORE_FILTER,))}
    return [field for field in form if field.name not in hidden]


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
    tags = TagsFilter(
        label=_("Tags (any of)"),
        queryset=Tag.objects.all(),
        method="filter_tags",
        widget=forms.SelectMultiple(attrs={"size": 3}),
    )
    spend_min = MoneyFilter(
        label=_("Lifetime spend from"),
        field_name="lifetime_spend",
        lookup_expr="gte",
        min_value=0,
        max_digits=14,
        decimal_places=2,
        widget=_number_widget("any"),
    )
    spend_max = MoneyFilter(
        label=_("Lifetime spend to"),
        field_name="lifetime_spend",
        lookup_expr="lte",
        min_value=0,
        max_digits=14,
        decimal_places=2,
        widget=_number_widget("any"),
    )
    visits_min = CountFilter(
        label=_("Visits from"),
        field_name="purchase_count",
        lookup_expr="gte",
        min_value=0,
        widget=_number_widget(),
    )
    visits_max = CountFilter(
        label=_("Visits to"),
        field_name="purchase_count",
        lookup_expr="lte",
        min_value=0,
        widget=_number_widget(),
    )
    last_purchase_from = django_filters.DateFilter(
        label=_("Last purchase from"),
        field_name="last_purchase_at__date",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[inputs.validate_date_range],
    )
    last_purchase_to = django_filters.DateFilter(
        label=_("Last purchase to"),
        field_name="last_purchase_at__date",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[inputs.validate_date_range],
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Member.Status.choices, empty_label=_("Any status")
    )
    # Always read, so the list, its export, its bulk page and a segment agree;
    # the pages show it only with two or more stores (STORE_FILTER).
    home_store = StoreFilter(
        label=_("Home store"),
        queryset=all_stores(),
        empty_label=_("All stores"),
        null_label=_("No home store"),
    )

    class Meta:
        model = Member
        fields = []
        form = MemberFilterForm

    def __init__(self, *args, today=None, lifecycle_rules=None, **kwargs):
        """`today` and `lifecycle_rules` (members.LifecycleRules): the day and
        the day counts the stage filter reads (default: today's, as saved);
        a caller holding the rules already passes them, so reading writes
        nothing."""
        super().__init__(*args, **kwargs)
        self.today = today
        self.lifecycle_rules = lifecycle_rules

    def filter_search(self, queryset, name, value):
        return search_members(value, queryset, number_start=True)

    def filter_tags(self, queryset, name, value):
        if not value:
            return queryset
        # EXISTS rather than a join: a member with two of the tags is listed once.
        tagged = Member.tags.through.objects.filter(member_id=OuterRef("pk"), tag__in=value)
        return queryset.filter(Exists(tagged))

    def filter_stage(self, queryset, name, value):
        return queryset.filter(stage_condition(value, today=self.today, rules=self.lifecycle_rules))
