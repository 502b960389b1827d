"""The reward catalogue, what members took from it, and coupons issued as rewards.

Stock, points and limits change only through rewards.services, which lock the
member row and then the reward row, so stock is never oversold and points are
never spent twice.
"""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from stores.fields import store_link

# Language code -> suffix of the per-language name and description fields.
NAME_LANGUAGES = {"en": "en", "zh-hant": "zh_hant", "zh-hans": "zh_hans"}


class Reward(models.Model):
    class Kind(models.TextChoices):
        GOODS = "goods", _("Goods")
        SERVICE = "service", _("Service")
        COUPON = "coupon", _("Coupon")

    class Period(models.TextChoices):
        EVER = "ever", _("in total")
        DAY = "day", _("per day")
        WEEK = "week", _("per week")
        MONTH = "month", _("per calendar month")
        YEAR = "year", _("per calendar year")

    name = models.CharField(
        _("name"), max_length=120, help_text=_("Shown in any language without its own name.")
    )
    name_en = models.CharField(_("name in English"), max_length=120, blank=True)
    name_zh_hant = models.CharField(_("name in Traditional Chinese"), max_length=120, blank=True)
    name_zh_hans = models.CharField(_("name in Simplified Chinese"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description in English"), blank=True)
    description_zh_hant = models.TextField(_("description in Traditional Chinese"), blank=True)
    description_zh_hans = models.TextField(_("description in Simplified Chinese"), blank=True)
    image = models.ImageField(_("image"), upload_to="rewards/", blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.GOODS)
    points_cost = models.PositiveIntegerField(_("points cost"), validators=[MinValueValidator(1)])
    stock = models.PositiveIntegerField(
        _("stock"), null=True, blank=True, help_text=_("Empty means unlimited.")
    )
    min_tier = models.ForeignKey(
        "tiers.Tier",
        verbose_name=_("minimum tier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Only members in this tier or a higher one may redeem it."),
    )
    limit_per_member = models.PositiveIntegerField(
        _("limit per member"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty means no limit."),
    )
    limit_period = models.CharField(
        _("limit period"), max_length=10, choices=Period.choices, default=Period.EVER
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.IntegerField(_("sort order"), default=0)
    # Coupons only: what the coupon takes off a bill, and for how long.
    coupon_value = models.DecimalField(
        _("coupon value (amount off)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    coupon_percent = models.DecimalField(
        _("coupon percent off"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    coupon_valid_days = models.PositiveIntegerField(
        _("coupon valid for (days)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    coupon_min_spend = models.DecimalField(
        _("coupon minimum bill"),
        max_digits=12,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_(
            "The smallest bill, after the member's discount, the coupon can be used on "
            "(spend 1,000, get 100 off); 0 means any bill."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["sort_order", "points_cost", "id"]
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        constraints = [
            models.CheckConstraint(
                condition=Q(stock__isnull=True) | Q(stock__gte=0), name="reward_stock_not_negative"
            ),
            models.CheckConstraint(condition=Q(points_cost__gt=0), name="reward_cost_positive"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="reward_valid_window_ordered",
            ),
            # A coupon takes either an amount or a percentage off, and lasts a
            # number of days; other kinds carry no coupon terms.
            models.CheckConstraint(
                condition=(
                    Q(kind="coupon", coupon_valid_days__isnull=False)
                    & (
                        Q(coupon_value__isnull=False, coupon_percent__isnull=True)
                        | Q(coupon_value__isnull=True, coupon_percent__isnull=False)
                    )
                )
                | (
                    ~Q(kind="coupon")
                    & Q(
                        coupon_value__isnull=True,
                        coupon_percent__isnull=True,
                        coupon_valid_days__isnull=True,
                    )
                ),
                name="reward_coupon_terms",
            ),
            models.CheckConstraint(
                condition=Q(coupon_min_spend__gte=0), name="reward_coupon_min_spend_ok"
            ),
        ]

    def __str__(self):
        return self.display_name

    def _localized(self, field):
        suffix = NAME_LANGUAGES.get((get_language() or "").lower())
        return (suffix and getattr(self, f"{field}_{suffix}")) or getattr(self, field)

    @property
    def display_name(self):
        return self._localized("name")

    @property
    def display_description(self):
        return self._localized("description")

    @property
    def is_coupon(self):
        return self.kind == self.Kind.COUPON

    @property
    def unlimited_stock(self):
        return self.stock is None

    def open_to(self, tier):
        """Whether members of `tier` may have it: no minimum tier, or `tier`
        ranks at or above it (redeemed or given free)."""
        return self.min_tier_id is None or tier.rank >= self.min_tier.rank

    def period_start(self, today):
        """The first shop day of the limit period that contains `today`."""
        if self.limit_period == self.Period.DAY:
            return today
        if self.limit_period == self.Period.WEEK:
            return today - timedelta(days=today.weekday())
        if self.limit_period == self.Period.MONTH:
            return today.replace(day=1)
        if self.limit_period == self.Period.YEAR:
            return today.replace(month=1, day=1)
        return None


class RewardRedemption(models.Model):
    """A member took a reward: bought with points, or given free (issue_reward)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be handed over")
        FULFILLED = "fulfilled", _("Handed over")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        REDEEMED = "redeemed", _("Redeemed with points")
        ISSUED = "issued", _("Issued free")

    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="reward_redemptions",
    )
    reward = models.ForeignKey(
        Reward, verbose_name=_("reward"), on_delete=models.PROTECT, related_name="redemptions"
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    points_spent = models.PositiveIntegerField(_("points spent"), default=0)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.REDEEMED
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(_("time"), db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Where the reward was redeemed (and its points spent).
    store = store_link()
    fulfilled_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    fulfilled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancel_reason = models.CharField(_("why cancelled"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reward redemption")
        verbose_name_plural = _("reward redemptions")
        indexes = [
            models.Index(fields=["member", "reward", "created_at"], name="redemption_limit_idx"),
            models.Index(fields=["status", "created_at"], name="redemption_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="redemption_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(source="issued", points_spent=0) | Q(source="redeemed"),
                name="redemption_free_issue_spends_nothing",
            ),
        ]

    def __str__(self):
        return f"{self.reward} × {self.quantity} → {self.member_id}"

    @property
    def is_open(self):
        return self.status != self.Status.CANCELLED


def display_coupon_code(code) -> str:
    """A stored code in groups of four, as printed on the slip (ABCD-EFGH-JKLM)."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


class Coupon(models.Model):
    """A code a member shows at the counter; its terms are copied from the reward
    when issued, so editing the reward later changes no coupon already out."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="coupons"
    )
    redemption = models.ForeignKey(
        RewardRedemption,
        verbose_name=_("redemption"),
        on_delete=models.PROTECT,
        related_name="coupons",
    )
    value = models.DecimalField(
        _("amount off"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    percent = models.DecimalField(
        _("percent off"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    # The smallest bill (after the member's discount) it may be used on.
    min_spend = models.DecimalField(_("minimum bill"), max_digits=12, decimal_places=2, default=0)
    valid_from = models.DateField(_("valid from"))
    expires_on = models.DateField(_("valid until"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    used_amount = models.DecimalField(
        _("amount taken off"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    used_purchase = models.ForeignKey(
        "points.Purchase",
        verbose_name=_("used on sale"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="coupons",
    )
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)

    class Meta:
        ordering = ["-valid_from", "-id"]
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        constraints = [
            models.CheckConstraint(
                condition=Q(value__isnull=False, percent__isnull=True)
                | Q(value__isnull=True, percent__isnull=False),
                name="coupon_value_or_percent",
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(voided_at__isnull=True),
                name="coupon_not_used_and_voided",
            ),
        ]

    def __str__(self):
        return self.display_code

    @property
    def display_code(self):
        return display_coupon_code(self.code)

    @property
    def is_used(self):
        return self.used_at is not None

    @property
    def is_voided(self):
        return self.voided_at is not None


class RewardStock(models.Model):
    """How many of a goods reward one store holds (a chain). A redemption at
    the store takes from its row as well as from the reward's total stock,
    so neither oversells; one from a member's phone takes from the total."""

    reward = models.ForeignKey(Reward, on_delete=models.CASCADE, related_name="store_stock")
    store = models.ForeignKey(
        "stores.Store", on_delete=models.PROTECT, related_name="+", verbose_name=_("store")
    )
    quantity = models.PositiveIntegerField(_("in stock"), default=0)

    class Meta:
        verbose_name = _("stock at a store")
        verbose_name_plural = _("stock at stores")
        constraints = [
            models.UniqueConstraint(fields=["reward", "store"], name="reward_stock_per_store"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0), name="reward_store_stock_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.reward_id}@{self.store_id}: {self.quantity}"
