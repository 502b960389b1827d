"""The owner's "Recent changes": every recorded change to the rules
(config.models.SettingsChange, written by each app's services through
config.audit), put in the reader's words and language: discounts in the
shop's notation (9折 → 8折), money in the shop's currency, choices by their
labels, yes/no, links by the linked row's name, fields by their names.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from campaigns.models import Campaign
from config.models import SettingsChange
from config.money import format_money
from tiers.discounts import format_discount
from tiers.models import QUALIFICATION_FIELDS, RETENTION_FIELDS

# What the owner filters by: {key: (label, the models recorded under it)}.
AREAS = {
    "points": (gettext_lazy("Points rules"), ("points.programmerules",)),
    "behaviour": (gettext_lazy("Behaviour rewards"), ("points.behaviourrule",)),
    "tiers": (gettext_lazy("Tiers"), ("tiers.tier", "tiers.tierprogramme")),
    "campaigns": (
        gettext_lazy("Campaigns"),
        ("campaigns.campaign", "campaigns.campaignsettings"),
    ),
    "rewards": (gettext_lazy("Rewards"), ("rewards.reward",)),
    "lifecycle": (gettext_lazy("Lifecycle stages"), ("members.lifecyclerules",)),
    "shop": (gettext_lazy("Shop settings"), ("config.shopsettings",)),
}
AREA_OF_MODEL = {model: key for key, (_label, labels) in AREAS.items() for model in labels}

DISCOUNT_FIELDS = {
    "tiers.tier": {"retail_discount", "wholesale_discount"},
    "rewards.reward": {"coupon_percent"},
}
MONEY_FIELDS = {
    "points.programmerules": {"earn_per_amount", "redeem_value"},
    "tiers.tier": {"qualify_lifetime_spend", "qualify_window_spend", "retain_window_spend"},
    "campaigns.campaign": {"min_spend"},
    "rewards.reward": {"coupon_value"},
}
# Where an empty value means more than "nothing".
EMPTY_MEANS = {
    ("campaigns.campaign", "tiers"): gettext_lazy("every tier"),
    ("campaigns.campaign", "saved_segment"): gettext_lazy("everyone"),
    ("rewards.reward", "min_tier"): gettext_lazy("every tier"),
    ("rewards.reward", "stock"): gettext_lazy("unlimited"),
    ("rewards.reward", "limit_per_member"): gettext_lazy("no limit"),
    ("points.behaviourrule", "per_member_cap"): gettext_lazy("no limit"),
    ("config.shopsettings", "money_decimals"): gettext_lazy("as the currency usually shows"),
    ("config.shopsettings", "also_regions"): gettext_lazy("none"),
    **{
        ("tiers.tier", name): gettext_lazy("not used")
        for name in [*QUALIFICATION_FIELDS, *RETENTION_FIELDS]
    },
}
EMPTY = "—"
TEXT_LENGTH = 80


def settings_changes(*, area=None, by=None, start=None, end=None):
    """The recorded changes, newest first, narrowed by area (a key of AREAS),
    the user who made them and shop-local days from `start` to `end`."""
    changes = SettingsChange.objects.select_related("by").order_by("-at", "-id")
    if area:
        changes = changes.filter(model__in=AREAS[area][1])
    if by:
        changes = changes.filter(by=by)
    if start:
        changes = changes.filter(at__date__gte=start)
    if end:
        changes = changes.filter(at__date__lte=end)
    return changes


@dataclass
class ChangeLine:
    name: str
    old: str
    new: str


@dataclass
class ChangeRow:
    change: SettingsChange
    area: str
    subject: str
    lines: list[ChangeLine] = field(default_factory=list)

    @property
    def created(self):
        return self.change.action == SettingsChange.Action.CREATED

    @property
    def deleted(self):
        return self.change.action == SettingsChange.Action.DELETED

    @property
    def texts(self) -> list[str]:
        """Each line as the owner reads it: "Points earned: 1 → 2"."""
        if self.created or self.deleted:
            return [
                _("%(field)s: %(value)s")
                % {"field": line.name, "value": line.new if self.created else line.old}
                for line in self.lines
            ]
        return [
            _("%(field)s: %(old)s → %(new)s")
            % {"field": line.name, "old": line.old, "new": line.new}
            for line in self.lines
        ]

    @property
    def who(self) -> str:
        by = self.change.by
        return (by.get_full_name() or by.get_username()) if by else ""


def change_rows(changes) -> list[ChangeRow]:
    """Each change as the page shows it. Rows named by a link (a tier, a
    reward) are read in one query per kind for the whole list."""
    changes = list(changes)
    names = _linked_names(changes)
    return [_row(change, names) for change in changes]


def _model(label):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None  # a model since removed: its changes show raw


def _field(model, name):
    try:
        return model._meta.get_field(name) if model else None
    except FieldDoesNotExist:
        return None


def _linked_names(changes) -> dict:
    """{(model label, pk): name in the reader's language} for every row a
    change links to, and for each named object still there."""
    wanted = {}
    for change in changes:
        model = _model(change.model)
        if model is not None and hasattr(model, "display_name") and change.object_id:
            wanted.setdefault(model, set()).add(change.object_id)
        for name, values in change.changes.items():
            related = _field(model, name)
            if related is None or not related.is_relation:
                continue
            for value in values if isinstance(values, list) else [values]:
                ids = value if isinstance(value, list) else [value]
                wanted.setdefault(related.related_model, set()).update(
                    pk for pk in ids if pk is not None
                )
    names = {}
    for model, pks in wanted.items():
        for obj in model._default_manager.filter(pk__in=pks):
            names[(model._meta.label_lower, str(obj.pk))] = obj
    return names


def _display(obj) -> str:
    return str(getattr(obj, "display_name", None) or obj)


def _subject(change, model, names) -> str:
    """What was changed: a setting's name, or the object's name at the time
    (in the reader's script while the object still has that name)."""
    if not change.object_label:
        return capfirst(model._meta.verbose_name) if model else change.model
    obj = names.get((change.model, change.object_id))
    if obj is not None and getattr(obj, "name", None) == change.object_label:
        return _display(obj)
    return change.object_label


def _row(change, names) -> ChangeRow:
    model = _model(change.model)
    area = AREA_OF_MODEL.get(change.model)
    row = ChangeRow(
        change=change,
        area=str(AREAS[area][0]) if area else change.app_label,
        subject=_subject(change, model, names),
    )
    for name, values in change.changes.items():
        old, new = values if isinstance(values, list) and len(values) == 2 else (None, values)
        model_field = _field(model, name)
        label = capfirst(model_field.verbose_name) if model_field else name
        row.lines.append(
            ChangeLine(
                name=label,
                old=format_value(change.model, model_field, name, old, names),
                new=format_value(change.model, model_field, name, new, names),
            )
        )
    return row


def format_value(model_label, model_field, name, value, names=None) -> str:
    """One stored value in the reader's words."""
    if value in (None, "", []):
        return str(EMPTY_MEANS.get((model_label, name), EMPTY))
    if model_field is None:
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    if name in DISCOUNT_FIELDS.get(model_label, ()):
        return _as_decimal(value, format_discount)
    if name in MONEY_FIELDS.get(model_label, ()):
        return _as_decimal(value, format_money)
    if model_field.is_relation:
        related = model_field.related_model._meta.label_lower
        ids = value if isinstance(value, list) else [value]
        found = names or {}
        return ", ".join(
            _display(found[(related, str(pk))]) if (related, str(pk)) in found else f"#{pk}"
            for pk in ids
        )
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return pgettext("setting value", "yes") if value else pgettext("setting value", "no")
    if (model_label, name) == ("campaigns.campaign", "weekdays"):
        days = Campaign.WEEKDAY_NAMES
        return ", ".join(str(days[d]) if d in range(7) else str(d) for d in value)
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(model_field, models.FileField):
        return PurePosixPath(str(value)).name
    return Truncator(str(value)).chars(TEXT_LENGTH)


def _as_decimal(value, formatter) -> str:
    try:
        return formatter(Decimal(str(value)))
    except InvalidOperation:
        return str(value)  # not a number after all: shown as stored
