"""The tier ladder, the programme's tier settings, and the history of every move.

Qualification is any-of: a member qualifies for a tier when they meet at least
one of its qualification thresholds (an empty threshold is not used). Keeping
a tier needs one of its retention thresholds, or qualifying for it again.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.names import in_reader_script
from tiers.discounts import format_discount


class TierQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def lowest_active(self):
        return self.active().order_by("rank").first()


def _money_field(verbose_name, **kwargs):
    return models.DecimalField(
        verbose_name,
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        **kwargs,
    )


def _count_field(verbose_name, **kwargs):
    return models.PositiveIntegerField(verbose_name, null=True, blank=True, **kwargs)


# (field, criterion) pairs: which member figure each threshold is compared with.
QUALIFICATION_FIELDS = {
    "qualify_lifetime_spend": "lifetime_spend",
    "qualify_window_spend": "window_spend",
    "qualify_window_purchases": "window_purchases",
    "qualify_referred_buyers": "referred_buyers",
    "qualify_window_points": "window_points",
}
RETENTION_FIELDS = {
    "retain_window_spend": "window_spend",
    "retain_window_purchases": "window_purchases",
    "retain_window_points": "window_points",
}


class Tier(models.Model):
    """A rung of the ladder. Rank orders them: the lowest rank is the entry tier."""

    name = models.CharField(_("name"), max_length=60)
    name_zh_hant = models.CharField(_("name in Traditional Chinese"), max_length=60, blank=True)
    name_zh_hans = models.CharField(_("name in Simplified Chinese"), max_length=60, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank"), unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    colour = models.CharField(
        _("colour"),
        max_length=7,
        default="#6c757d",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour like #c9a227."))],
    )
    retail_discount = models.DecimalField(
        # xgettext:no-python-format
        _("retail discount (% off)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Percentage taken off the retail price: 5 means the member pays 95%."),
    )
    wholesale_discount = models.DecimalField(
        # xgettext:no-python-format
        _("wholesale discount (% off)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    points_multiplier = models.DecimalField(
        _("points multiplier"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(0)],
    )
    benefits = models.TextField(_("benefits"), blank=True)

    qualify_lifetime_spend = _money_field(_("lifetime spend of at least"))
    qualify_window_spend = _money_field(_("spend in the window of at least"))
    qualify_window_purchases = _count_field(_("purchases in the window, at least"))
    qualify_referred_buyers = _count_field(_("referred members who bought, at least"))
    qualify_window_points = _count_field(_("points earned in the window, at least"))

    retain_window_spend = _money_field(_("keep with spend in the window of at least"))
    retain_window_purchases = _count_field(_("keep with purchases in the window, at least"))
    retain_window_points = _count_field(_("keep with points earned in the window, at least"))

    upgrade_bonus_points = models.PositiveIntegerField(
        _("upgrade bonus points"),
        default=0,
        help_text=_("Given once per member per calendar year on reaching this tier."),
    )
    upgrade_reward = models.ForeignKey(
        "rewards.Reward",
        verbose_name=_("upgrade reward"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("A reward or coupon given free on reaching this tier, with the bonus points."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = TierQuerySet.as_manager()

    class Meta:
        ordering = ["rank"]
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        constraints = [
            models.CheckConstraint(
                condition=Q(retail_discount__gte=0, retail_discount__lte=100),
                name="tier_retail_discount_0_100",
            ),
            models.CheckConstraint(
                condition=Q(wholesale_discount__gte=0, wholesale_discount__lte=100),
                name="tier_wholesale_discount_0_100",
            ),
            models.CheckConstraint(
                condition=Q(points_multiplier__gte=0), name="tier_multiplier_not_negative"
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        """The name in the reader's script, falling back to the name as typed."""
        return in_reader_script(self)

    @property
    def retail_discount_label(self):
        return format_discount(self.retail_discount)

    @property
    def wholesale_discount_label(self):
        return format_discount(self.wholesale_discount)

    def qualification(self) -> dict:
        """{criterion: threshold} for the thresholds this tier uses."""
        return {
            criterion: getattr(self, field)
            for field, criterion in QUALIFICATION_FIELDS.items()
            if getattr(self, field) is not None
        }

    def retention(self) -> dict:
        return {
            criterion: getattr(self, field)
            for field, criterion in RETENTION_FIELDS.items()
            if getattr(self, field) is not None
        }


class TierProgramme(models.Model):
    """How the ladder is run (one row, see `current()`)."""

    class Window(models.TextChoices):
        ROLLING = "rolling", _("Rolling months")
        CALENDAR_YEAR = "calendar_year", _("Calendar year")

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        YEARLY = "yearly", _("Yearly")

    class Downgrade(models.TextChoices):
        ONE_STEP = "one_step", _("One tier down")
        QUALIFIED = "qualified", _("Straight to the tier they qualify for")

    window = models.CharField(
        _("qualifying window"), max_length=20, choices=Window.choices, default=Window.ROLLING
    )
    window_months = models.PositiveSmallIntegerField(
        _("window length (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
        help_text=_("Used with the rolling window."),
    )
    frequency = models.CharField(
        _("retention review"),
        max_length=20,
        choices=Frequency.choices,
        default=Frequency.MONTHLY,
    )
    grace_days = models.PositiveSmallIntegerField(
        _("grace period (days)"), default=90, validators=[MaxValueValidator(730)]
    )

    class ShortOnApply(models.TextChoices):
        GRACE = "grace", _("Their grace period starts")
        KEEP = "keep", _("They keep the tier until the next review")

    downgrade = models.CharField(
        _("downgrade"), max_length=20, choices=Downgrade.choices, default=Downgrade.QUALIFIED
    )
    short_on_apply = models.CharField(
        _("when new rules are applied, members short of their tier"),
        max_length=10,
        choices=ShortOnApply.choices,
        default=ShortOnApply.GRACE,
        # In the database too: the row may be written by code older than the field.
        db_default=ShortOnApply.GRACE,
        help_text=_("Nobody drops a tier at once when rules are applied: they move up, or wait."),
    )
    # The target pyramid, as percent of members: top tier, the tiers between,
    # and the entry tier.
    top_min = models.DecimalField(
        _("top tier, at least (%)"), max_digits=5, decimal_places=2, default=Decimal("5")
    )
    top_max = models.DecimalField(
        _("top tier, at most (%)"), max_digits=5, decimal_places=2, default=Decimal("10")
    )
    middle_min = models.DecimalField(
        _("middle tiers, at least (%)"), max_digits=5, decimal_places=2, default=Decimal("20")
    )
    middle_max = models.DecimalField(
        _("middle tiers, at most (%)"), max_digits=5, decimal_places=2, default=Decimal("30")
    )
    base_min = models.DecimalField(
        _("entry tier, at least (%)"), max_digits=5, decimal_places=2, default=Decimal("60")
    )
    base_max = models.DecimalField(
        _("entry tier, at most (%)"), max_digits=5, decimal_places=2, default=Decimal("70")
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("tier programme settings")
        verbose_name_plural = _("tier programme settings")

    def __str__(self):
        return str(_("Tier programme settings"))

    @classmethod
    def current(cls):
        programme, _created = cls.objects.get_or_create(pk=1)
        return programme

    def bands(self) -> dict:
        return {
            "top": (self.top_min, self.top_max),
            "middle": (self.middle_min, self.middle_max),
            "base": (self.base_min, self.base_max),
        }


class TierChange(models.Model):
    """One line of a member's tier history: from, to, why, when, by whom."""

    class Kind(models.TextChoices):
        JOINED = "joined", _("Joined the programme")
        UPGRADE = "upgrade", _("Upgrade")
        GRACE_STARTED = "grace_started", _("Grace period started")
        GRACE_CLEARED = "grace_cleared", _("Grace period cleared")
        DOWNGRADE = "downgrade", _("Downgrade")
        MANUAL = "manual", _("Set by hand")
        TIER_CLOSED = "tier_closed", _("Tier deactivated")

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="tier_changes"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    from_tier = models.ForeignKey(
        Tier,
        verbose_name=_("from tier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_tier = models.ForeignKey(
        Tier, verbose_name=_("to tier"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    at = models.DateTimeField(_("time"), db_index=True)
    grace_until = models.DateField(_("grace period ends"), null=True, blank=True)
    pinned_until = models.DateField(_("pinned until"), null=True, blank=True)
    # The figures the decision was made on, so it can be explained later.
    figures = models.JSONField(default=dict, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        indexes = [models.Index(fields=["member", "at"], name="tierchange_member_time_idx")]

    def __str__(self):
        return f"{self.member_id}: {self.from_tier_id} -> {self.to_tier_id} ({self.kind})"


class UpgradeReward(models.Model):
    """An upgrade reward given: at most one per member, tier and calendar year."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="upgrade_rewards"
    )
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    points = models.PositiveIntegerField(_("points"), default=0)
    change = models.ForeignKey(TierChange, on_delete=models.CASCADE, related_name="+")
    redemption = models.ForeignKey(
        "rewards.RewardRedemption",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Why the reward could not be given (out of stock, ended), for the owner.
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("upgrade reward")
        verbose_name_plural = _("upgrade rewards")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "tier", "year"], name="upgrade_reward_once_a_year"
            ),
        ]

    def __str__(self):
        return f"{self.member_id} {self.tier_id} {self.year}"


class TierSettingsAudit(models.Model):
    """Who changed a tier or the programme settings, when, from what to what."""

    class Subject(models.TextChoices):
        TIER = "tier", _("Tier")
        PROGRAMME = "programme", _("Programme settings")

    subject = models.CharField(_("applies to"), max_length=20, choices=Subject.choices)
    tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit"
    )
    label = models.CharField(_("what"), max_length=100)
    # {field: [old, new]}; a new tier has old values of null.
    changes = models.JSONField(_("changes"), default=dict)
    at = models.DateTimeField(_("time"), db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("tier settings change")
        verbose_name_plural = _("tier settings changes")

    def __str__(self):
        return f"{self.label} {self.at:%Y-%m-%d %H:%M}"

    @property
    def display_label(self):
        """What changed, in the reader's script (the label keeps the name as typed)."""
        return self.tier.display_name if self.tier_id else self.label

    @property
    def change_lines(self):
        """[(field's name in the reader's language, old, new)]."""
        model = Tier if self.subject == self.Subject.TIER else TierProgramme
        names = {field.name: field.verbose_name for field in model._meta.fields}
        names["members_moved"] = _("members moved")
        lines = []
        for key, values in (self.changes or {}).items():
            old, new = values if isinstance(values, list | tuple) else (None, values)
            lines.append((names.get(key, key), old, new))
        return lines


class RulesApplication(models.Model):
    """One "apply the rules now": the rules it was previewed with (their
    version token), its chunks of members and what each did.

    Each chunk writes its RulesApplicationChunk in the transaction that moves
    its members, so progress is a count of those rows and a chunk delivered
    twice does its work once.
    """

    class Status(models.TextChoices):
        RUNNING = "running", _("Applying")
        DONE = "done", _("Applied")
        STOPPED = "stopped", _("Stopped")

    as_of = models.DateField(_("as of"))
    rules_version = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    # [[lo, hi], ...]: the member id ranges, one task each.
    ranges = models.JSONField(default=list)
    note = models.CharField(_("note"), max_length=300, blank=True)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("rules applied now")
        verbose_name_plural = _("rules applied now")

    def __str__(self):
        return f"{self.as_of} ({self.status})"

    @property
    def is_running(self):
        return self.status == self.Status.RUNNING


class RulesApplicationChunk(models.Model):
    """What applying the rules did to the members lo <= id < hi."""

    application = models.ForeignKey(
        RulesApplication, on_delete=models.CASCADE, related_name="chunks"
    )
    lo = models.PositiveBigIntegerField()
    hi = models.PositiveBigIntegerField()
    summary = models.JSONField(default=dict)
    done_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "lo"], name="rules_chunk_once"),
        ]

    def __str__(self):
        return f"{self.application_id}: {self.lo}-{self.hi}"
