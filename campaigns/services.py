"""Creating, changing and removing campaigns and the programme's stacking
setting; every change is recorded (config.audit)."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignSettings
from campaigns.results import campaign_sales, is_frozen
from config import inputs, locks
from config.audit import record_settings_change, settings_snapshot
from config.errors import LoyaltyError
from config.text import clean_text
from segments.models import Segment

CAMPAIGN_FIELDS = (
    "name",
    "name_zh_hant",
    "name_zh_hans",
    "description",
    "starts_on",
    "ends_on",
    "schedule",
    "weekdays",
    "month_days",
    "dates",
    "tiers",
    "stores",
    "saved_segment",
    "segment",
    "min_spend",
    "multiplier",
    "bonus_points",
    "redemption_multiplier",
    "priority",
    "exclusive",
    "is_active",
)
NAME_MAX_LENGTH = Campaign._meta.get_field("name").max_length
MULTIPLIER_MAX = Decimal("100")
BONUS_MAX = 10_000_000
VALUE_MULTIPLIER_MAX = Decimal("10")


def _decimal(value, *, field, label):
    try:
        return Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation:
        raise LoyaltyError(
            _("%(label)s must be a number.") % {"label": label}, field=field
        ) from None


def _clean_window(starts_on, ends_on):
    if not isinstance(starts_on, date):
        raise LoyaltyError(_("Enter the first day."), field="starts_on", code="start_missing")
    # A campaign dated 0001-01-01 or 9999-12-31 would break every range of
    # the dashboard and its own results page, even when switched off.
    inputs.check_date(starts_on, field="starts_on")
    if ends_on is None:
        return  # no last day: it runs until an owner ends it
    if not isinstance(ends_on, date):
        raise LoyaltyError(_("Enter the last day."), field="ends_on", code="end_missing")
    inputs.check_date(ends_on, field="ends_on")
    if ends_on < starts_on:
        raise LoyaltyError(
            _("The last day (%(end)s) is before the first day (%(start)s).")
            % {"end": ends_on.isoformat(), "start": starts_on.isoformat()},
            field="ends_on",
            code="end_before_start",
        )


def _clean_schedule(schedule, weekdays, month_days, dates, starts_on, ends_on):
    """Keep only the list the schedule uses, checked; empty the others."""
    weekdays = sorted({int(d) for d in weekdays or []})
    month_days = sorted({int(d) for d in month_days or []})
    dates = sorted(set(dates or []))
    if schedule not in Campaign.Schedule.values:
        raise LoyaltyError(_("Choose when the campaign applies."), field="schedule")
    if schedule == Campaign.Schedule.WEEKDAYS:
        if not weekdays or not all(0 <= d <= 6 for d in weekdays):
            raise LoyaltyError(
                _("Tick at least one weekday."), field="weekdays", code="weekdays_missing"
            )
        return weekdays, [], []
    if schedule == Campaign.Schedule.MONTH_DAYS:
        if not month_days:
            raise LoyaltyError(
                _("Enter at least one day of the month, e.g. 18."),
                field="month_days",
                code="month_days_missing",
            )
        wrong = [d for d in month_days if not 1 <= d <= 31]
        if wrong:
            raise LoyaltyError(
                _("%(day)s is not a day of the month: use 1 to 31.") % {"day": wrong[0]},
                field="month_days",
                code="month_day_invalid",
            )
        return [], month_days, []
    if schedule == Campaign.Schedule.DATES:
        if not dates:
            raise LoyaltyError(_("Enter at least one date."), field="dates", code="dates_missing")
        outside = [d for d in dates if d < starts_on or (ends_on and d > ends_on)]
        if outside:
            raise LoyaltyError(
                _("%(date)s is outside the campaign's first and last day.")
                % {"date": outside[0].isoformat()},
                field="dates",
                code="date_outside_window",
            )
        return [], [], [d.isoformat() for d in dates]
    return [], [], []


def _clean_value_multiplier(value):
    value = _decimal(value, field="redemption_multiplier", label=_("The points value multiplier"))
    if value == 0:
        value = Decimal("1")
    if value < 1 or value > VALUE_MULTIPLIER_MAX or value != value.quantize(Decimal("0.01")):
        raise LoyaltyError(
            _("Use a points value multiplier from 1 to 10 with at most two decimals, e.g. 2."),
            field="redemption_multiplier",
            code="value_multiplier_invalid",
        )
    return value


def _clean_effect(multiplier, bonus_points, redemption_multiplier=1):
    multiplier = _decimal(multiplier, field="multiplier", label=_("The multiplier"))
    if multiplier == 0:
        multiplier = Decimal("1")
    if multiplier < 1:
        raise LoyaltyError(
            _("A multiplier below 1 would take points away: use 1 or more."),
            field="multiplier",
            code="multiplier_below_one",
        )
    if multiplier > MULTIPLIER_MAX or multiplier != multiplier.quantize(Decimal("0.01")):
        raise LoyaltyError(
            _("Use a multiplier up to 100 with at most two decimals, e.g. 1.5."),
            field="multiplier",
            code="multiplier_invalid",
        )
    bonus_points = int(bonus_points or 0)
    if bonus_points < 0:
        raise LoyaltyError(
            _("Bonus points cannot be negative."), field="bonus_points", code="bonus_negative"
        )
    if bonus_points > BONUS_MAX:
        raise LoyaltyError(
            _("Use at most %(max)s bonus points.") % {"max": f"{BONUS_MAX:,}"},
            field="bonus_points",
            code="bonus_too_large",
        )
    redemption_multiplier = _clean_value_multiplier(redemption_multiplier)
    if multiplier == 1 and bonus_points == 0 and redemption_multiplier == 1:
        raise LoyaltyError(
            _(
                "Give the campaign an effect: a points multiplier above 1, bonus points, "
                "or points worth more as cash."
            ),
            field="multiplier",
            code="no_effect",
        )
    return multiplier, bonus_points, redemption_multiplier


def _clean_saved_segment(value):
    """ "Who": None (everyone) or a saved segment, given as one or its id."""
    if value in (None, ""):
        return None
    if isinstance(value, Segment):
        return value
    segment = Segment.objects.filter(pk=int(value)).first() if str(value).isdigit() else None
    if segment is None:
        raise LoyaltyError(
            _("That segment no longer exists: choose another, or everyone."),
            field="saved_segment",
            code="segment_missing",
        )
    return segment


def clean_campaign(**fields) -> dict:
    """Check a campaign's fields and return them cleaned; raises LoyaltyError
    naming the field to fix. Used by the services and by the admin form."""
    unknown = set(fields) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise TypeError(f"unknown campaign fields {sorted(unknown)}")
    data = dict(fields)
    data["name"] = clean_text(data.get("name"))
    if not data["name"]:
        raise LoyaltyError(_("Give the campaign a name."), field="name", code="name_missing")
    if len(data["name"]) > NAME_MAX_LENGTH:
        raise LoyaltyError(
            _("Keep the name to %(max)d characters.") % {"max": NAME_MAX_LENGTH}, field="name"
        )
    data["description"] = clean_text(data.get("description"), multiline=True)
    data["ends_on"] = data.get("ends_on") or None
    _clean_window(data.get("starts_on"), data["ends_on"])
    data["schedule"] = data.get("schedule") or Campaign.Schedule.EVERY_DAY
    data["weekdays"], data["month_days"], data["dates"] = _clean_schedule(
        data["schedule"],
        data.get("weekdays"),
        data.get("month_days"),
        data.get("dates"),
        data["starts_on"],
        data["ends_on"],
    )
    data["segment"] = data.get("segment") or Campaign.Segment.ALL
    if data["segment"] not in Campaign.Segment.values:
        raise LoyaltyError(_("Choose which members the campaign is for."), field="segment")
    data["saved_segment"] = _clean_saved_segment(data.get("saved_segment"))
    min_spend = _decimal(data.get("min_spend"), field="min_spend", label=_("The minimum spend"))
    if min_spend < 0:
        raise LoyaltyError(_("The minimum spend cannot be negative."), field="min_spend")
    data["min_spend"] = min_spend
    data["multiplier"], data["bonus_points"], data["redemption_multiplier"] = _clean_effect(
        data.get("multiplier"), data.get("bonus_points"), data.get("redemption_multiplier", 1)
    )
    data["priority"] = int(data.get("priority") or 0)
    if not 0 <= data["priority"] <= 32767:
        raise LoyaltyError(_("Use a priority from 0 to 32767."), field="priority")
    data["exclusive"] = bool(data.get("exclusive", False))
    data["is_active"] = bool(data.get("is_active", True))
    data["tiers"] = list(data.get("tiers") or [])
    data["stores"] = list(data.get("stores") or [])
    return data


def ensure_editable(campaign, today=None):
    """An ended campaign that lifted a sale is frozen: its results stay true."""
    if is_frozen(campaign, today):
        raise LoyaltyError(
            _(
                "“%(name)s” ended on %(end)s and has applied to sales: it can no longer "
                "be changed, so its results stay true. Create a new campaign instead."
            )
            % {"name": campaign.name, "end": campaign.ends_on.isoformat()},
            code="campaign_frozen",
        )


def _save(campaign, data, by):
    tiers, stores = data.pop("tiers"), data.pop("stores")
    for name, value in data.items():
        setattr(campaign, name, value)
    campaign.save()
    campaign.tiers.set(tiers)
    campaign.stores.set(stores)
    return campaign


@transaction.atomic(durable=True)
def create_campaign(*, by=None, **fields) -> Campaign:
    """Create a campaign; it applies to sales from its first day."""
    data = clean_campaign(**fields)
    campaign = Campaign(created_by=by if by and by.is_authenticated else None)
    _save(campaign, data, by)
    record_settings_change(obj=campaign, before=None, fields=CAMPAIGN_FIELDS, by=by)
    return campaign


@transaction.atomic(durable=True)
def update_campaign(*, campaign, by=None, **fields) -> Campaign:
    """Change a campaign, unless it has ended and already applied to a sale."""
    # FOR NO KEY UPDATE: sales whose bonus entries reference it go on.
    campaign = locks.lock_settings(Campaign.objects, pk=campaign.pk)
    ensure_editable(campaign)
    current = {
        name: getattr(campaign, name) for name in CAMPAIGN_FIELDS if name not in ("tiers", "stores")
    }
    current["tiers"] = list(campaign.tiers.all())
    current["stores"] = list(campaign.stores.all())
    current["dates"] = [date.fromisoformat(d) for d in campaign.dates]
    before = settings_snapshot(campaign, CAMPAIGN_FIELDS)
    data = clean_campaign(**{**current, **fields})
    _save(campaign, data, by)
    record_settings_change(obj=campaign, before=before, fields=CAMPAIGN_FIELDS, by=by)
    return campaign


@transaction.atomic(durable=True)
def delete_campaign(*, campaign, by=None) -> None:
    """Remove a campaign that never applied to a sale (one that did keeps
    its results: untick *active* to pause it instead)."""
    campaign = locks.lock_settings(Campaign.objects, pk=campaign.pk)
    if campaign.ledger_entries.exists() or campaign_sales(campaign).exists():
        raise LoyaltyError(
            _(
                "“%(name)s” has applied to sales, whose results name it: untick “active” "
                "to pause it instead."
            )
            % {"name": campaign.name},
            code="campaign_used",
        )
    record_settings_change(
        obj=campaign,
        before=settings_snapshot(campaign, CAMPAIGN_FIELDS),
        fields=CAMPAIGN_FIELDS,
        by=by,
        deleted=True,
    )
    campaign.delete()


@transaction.atomic(durable=True)
def set_stacking(*, stacking, by=None) -> CampaignSettings:
    """How several combinable campaigns on one sale combine: best, add or multiply."""
    if stacking not in CampaignSettings.Stacking.values:
        raise LoyaltyError(
            _("Choose how combinable campaigns stack."), field="stacking", code="stacking_invalid"
        )
    CampaignSettings.current()  # the row exists before we lock it
    settings_row = locks.lock_settings(CampaignSettings.objects, pk=1)
    before = settings_snapshot(settings_row, ["stacking"])
    settings_row.stacking = stacking
    settings_row.updated_by = by if by and by.is_authenticated else None
    settings_row.save(update_fields=["stacking", "updated_by", "updated_at"])
    record_settings_change(obj=settings_row, before=before, fields=["stacking"], by=by)
    return settings_row
