"""Time-boxed promotions that lift what a sale earns.

A campaign runs between two shop-local dates, on the days its schedule picks
(every day, some weekdays, some days of the month, or listed dates), for the
tiers and members it targets, and multiplies the points and/or adds a flat
bonus. Which campaigns apply to one sale, and how several combine, is decided
in campaigns.selectors.campaign_terms; the rules for changing one live in
campaigns.services.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.money import format_money
from config.names import in_reader_script


def plain_number(value: Decimal) -> str:
    """2.00 -> "2", 1.50 -> "1.5", 10.00 -> "10"."""
    return f"{Decimal(value).normalize():f}"


class CampaignSettings(models.Model):
    """Programme-wide campaign settings (one row, see `current()`)."""

    class Stacking(models.TextChoices):
        BEST = "best", _("Only the best one applies")
        ADD = "add", _("Add their multipliers (×2 and ×1.5 make ×2.5)")
        MULTIPLY = "multiply", _("Multiply their multipliers (×2 and ×1.5 make ×3)")

    stacking = models.CharField(
        _("several combinable campaigns on one sale"),
        max_length=10,
        choices=Stacking.choices,
        default=Stacking.BEST,
        help_text=_(
            "Flat bonuses of the campaigns that apply are always added. "
            "An exclusive campaign with the highest priority applies alone."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("campaign settings")
        verbose_name_plural = _("campaign settings")

    def __str__(self):
        return str(_("Campaign settings"))

    @classmethod
    def current(cls):
        row, _created = cls.objects.get_or_create(pk=1)
        return row


class Campaign(models.Model):
    class Schedule(models.TextChoices):
        EVERY_DAY = "every_day", _("Every day in the window")
        WEEKDAYS = "weekdays", _("Chosen weekdays")
        MONTH_DAYS = "month_days", _("Chosen days of the month")
        DATES = "dates", _("Listed dates")

    class Segment(models.TextChoices):
        ALL = "all", _("All members")
        BIRTHDAY_MONTH = "birthday_month", _("Members in their birthday month")
        NEW = "new", _("New members")
        DORMANT = "dormant", _("Dormant members")

    WEEKDAY_NAMES = [
        _("Monday"),
        _("Tuesday"),
        _("Wednesday"),
        _("Thursday"),
        _("Friday"),
        _("Saturday"),
        _("Sunday"),
    ]

    name = models.CharField(_("name"), max_length=100)
    # What members read on their page and the counter shows, in each script
    # where the owner gives it (config.names).
    name_zh_hant = models.CharField(_("name in Traditional Chinese"), max_length=100, blank=True)
    name_zh_hans = models.CharField(_("name in Simplified Chinese"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("first day"))
    # Empty: no last day ("every 18th" from now on).
    ends_on = models.DateField(_("last day"), null=True, blank=True)
    schedule = models.CharField(
        _("applies on"), max_length=12, choices=Schedule.choices, default=Schedule.EVERY_DAY
    )
    # 0 = Monday … 6 = Sunday, as date.weekday() counts.
    weekdays = models.JSONField(_("weekdays"), default=list, blank=True)
    month_days = models.JSONField(_("days of the month"), default=list, blank=True)
    # ISO dates ("2026-12-18"), sorted.
    dates = models.JSONField(_("dates"), default=list, blank=True)
    tiers = models.ManyToManyField(
        "tiers.Tier",
        verbose_name=_("tiers"),
        blank=True,
        related_name="campaigns",
        help_text=_("None chosen means every tier."),
    )
    # A chain's campaign for some stores only (a new store's opening week);
    # none ticked: every store. A sale at no store gets only campaigns of every store.
    stores = models.ManyToManyField(
        "stores.Store",
        verbose_name=_("stores"),
        blank=True,
        related_name="+",
        help_text=_("Tick none for every store."),
    )
    segment = models.CharField(
        _("members"), max_length=20, choices=Segment.choices, default=Segment.ALL
    )
    # "Who": a saved segment of the member list (segments.Segment). Only the
    # members it keeps at the moment of a sale get the campaign; empty: everyone.
    # PROTECT: a segment a campaign aims at cannot be deleted from under it.
    saved_segment = models.ForeignKey(
        "segments.Segment",
        verbose_name=pgettext_lazy("campaign audience", "who"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
        help_text=_(
            "Everyone, or only the members of a saved segment: a member gets the "
            "campaign while the segment keeps them, checked at each sale."
        ),
    )
    min_spend = models.DecimalField(
        _("minimum spend"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
        help_text=_("What the member pays after discounts and points; 0 means any sale."),
    )
    multiplier = models.DecimalField(
        _("points multiplier"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(1)],
        help_text=_("2 doubles the points; 1 leaves them as they are."),
    )
    bonus_points = models.PositiveIntegerField(_("flat bonus points"), default=0)
    # Double-value redemption days: points paying a bill are worth this many
    # times the redemption rate (points.sale asks campaigns.selectors.redemption_terms).
    redemption_multiplier = models.DecimalField(
        _("points value multiplier"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(1)],
        help_text=_(
            "2 makes points worth twice as much as cash on the campaign's days; "
            "1 leaves them as they are."
        ),
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=0, help_text=_("When several apply, the highest comes first.")
    )
    exclusive = models.BooleanField(
        _("exclusive"),
        default=False,
        help_text=_("Applies alone when it has the highest priority, and never with others."),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Untick to pause the campaign.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on", "-priority", "id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        indexes = [models.Index(fields=["starts_on", "ends_on"], name="campaign_window_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(multiplier__gte=1), name="campaign_multiplier_at_least_1"
            ),
            models.CheckConstraint(
                condition=Q(redemption_multiplier__gte=1),
                name="campaign_redemption_multiplier_at_least_1",
            ),
            models.CheckConstraint(
                condition=Q(multiplier__gt=1)
                | Q(bonus_points__gt=0)
                | Q(redemption_multiplier__gt=1),
                name="campaign_has_an_effect",
            ),
            models.CheckConstraint(condition=Q(min_spend__gte=0), name="campaign_min_spend_ok"),
        ]

    def __str__(self):
        return self.name

    @property
    def display_name(self):
        """The name in the reader's script, falling back to the name as typed."""
        return in_reader_script(self)

    # Small derived facts for pages and the selector; the rules are elsewhere.

    def runs_on(self, day: date) -> bool:
        """Whether the schedule picks this shop-local day (window included)."""
        if day < self.starts_on or self.has_ended(day):
            return False
        if self.schedule == self.Schedule.WEEKDAYS:
            return day.weekday() in self.weekdays
        if self.schedule == self.Schedule.MONTH_DAYS:
            return day.day in self.month_days
        if self.schedule == self.Schedule.DATES:
            return day.isoformat() in self.dates
        return True

    def has_ended(self, today: date) -> bool:
        """Whether its last day is behind `today` (never, without a last day)."""
        return self.ends_on is not None and today > self.ends_on

    def applies_on(self, day: date) -> bool:
        """Whether it applies to sales on `day`: active, and its schedule picks the day."""
        return self.is_active and self.runs_on(day)

    def status(self, today: date) -> str:
        if today < self.starts_on:
            return "upcoming"
        if self.has_ended(today):
            return "ended"
        return "running" if self.is_active else "paused"

    @property
    def window_label(self) -> str:
        """ "2026-12-01 – 2026-12-31", or "from 2026-12-01" without a last day."""
        if self.ends_on is None:
            return _("from %(start)s") % {"start": self.starts_on.isoformat()}
        return f"{self.starts_on.isoformat()} – {self.ends_on.isoformat()}"

    @property
    def schedule_label(self) -> str:
        if self.schedule == self.Schedule.WEEKDAYS:
            days = ", ".join(str(self.WEEKDAY_NAMES[d]) for d in sorted(self.weekdays))
            return _("every %(days)s") % {"days": days}
        if self.schedule == self.Schedule.MONTH_DAYS:
            days = ", ".join(str(d) for d in sorted(self.month_days))
            return _("day %(days)s of each month") % {"days": days}
        if self.schedule == self.Schedule.DATES:
            return _("on %(dates)s") % {"dates": ", ".join(self.dates)}
        return str(_("every day"))

    @property
    def effect_label(self) -> str:
        parts = []
        if self.multiplier > 1:
            parts.append(
                _("×%(multiplier)s points") % {"multiplier": plain_number(self.multiplier)}
            )
        if self.bonus_points:
            parts.append(_("+%(points)s bonus points") % {"points": self.bonus_points})
        if self.redemption_multiplier > 1:
            parts.append(
                _("points worth ×%(multiplier)s as cash")
                % {"multiplier": plain_number(self.redemption_multiplier)}
            )
        return " ".join(str(p) for p in parts)

    @property
    def lifts_earning(self) -> bool:
        """Whether it changes the points a sale earns (not only their cash value)."""
        return self.multiplier > 1 or self.bonus_points > 0

    @property
    def who_label(self) -> str:
        """ "everyone", or the saved segment it aims at (select it on lists)."""
        if self.saved_segment_id is None:
            return str(_("everyone"))
        return _("members of “%(segment)s”") % {"segment": self.saved_segment.name}

    @property
    def audience_label(self) -> str:
        """Who it targets, for the owner's and the staff's pages; reads the
        tiers and the saved segment, so prefetch and select them on lists."""
        return self._audience(segment_name=True)

    @property
    def receipt_audience_label(self) -> str:
        """Who it targets, as a sale's campaign lines say it (the quote, the
        receipt the member takes home): a saved segment's name is the
        owner's own word for a group of members, so it is left out."""
        return self._audience(segment_name=False)

    def _audience(self, *, segment_name: bool) -> str:
        tier_names = [tier.display_name for tier in self.tiers.all()]
        tiers = ", ".join(tier_names) if tier_names else str(_("all tiers"))
        parts = [tiers]
        if self.saved_segment_id:
            parts.append(self.who_label if segment_name else str(_("selected members")))
        if self.segment != self.Segment.ALL:
            parts.append(str(self.get_segment_display()))
        if self.min_spend:
            parts.append(
                _("spending at least %(amount)s") % {"amount": format_money(self.min_spend)}
            )
        return ", ".join(str(p) for p in parts)
