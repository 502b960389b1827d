"""The points ledger and the sale record.

The ledger is append-only: an entry is never updated or deleted, except an
earning lot's `remaining`, which spending and expiry draw down. The member's
cached balance (Member.points_balance) equals the sum of the ledger and the
sum of unexpired lots' remainders; `check_ledger` proves it.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.names import in_reader_script
from stores.fields import store_link


class ProgrammeRules(models.Model):
    """The owner's earning and redemption rules (one row, see `current()`)."""

    class ExpiryPolicy(models.TextChoices):
        NEVER = "never", _("Points never expire")
        MONTHS = "months", _("N months after earning")
        YEAR_END = "year_end", _("End of the year after earning")

    # Earning: `earn_points` points for every `earn_per_amount` spent,
    # e.g. 1 per 1, or 1 per 100.
    earn_points = models.PositiveIntegerField(_("points earned"), default=1)
    earn_per_amount = models.DecimalField(
        _("per amount spent"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    # Redemption as cash: `redeem_points` points are worth `redeem_value`.
    redeem_points = models.PositiveIntegerField(_("points redeemed"), default=100)
    redeem_value = models.DecimalField(
        _("are worth (cash)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("50"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    min_redeem_points = models.PositiveIntegerField(_("minimum points per redemption"), default=100)
    max_bill_share = models.DecimalField(
        _("maximum share of a bill payable in points (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("50"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    expiry_policy = models.CharField(
        _("points expire"),
        max_length=10,
        choices=ExpiryPolicy.choices,
        default=ExpiryPolicy.YEAR_END,
    )
    expiry_months = models.PositiveSmallIntegerField(_("months until points expire"), default=12)
    reminder_days = models.PositiveSmallIntegerField(
        _("remind members this many days before points expire"), default=30
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("programme rules")
        verbose_name_plural = _("programme rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_bill_share__gte=0, max_bill_share__lte=100),
                name="rules_bill_share_0_100",
            ),
            models.CheckConstraint(
                condition=Q(earn_per_amount__gt=0, redeem_value__gt=0, redeem_points__gt=0),
                name="rules_rates_positive",
            ),
        ]

    def __str__(self):
        return str(_("Programme rules"))

    @classmethod
    def current(cls):
        rules, _created = cls.objects.get_or_create(pk=1)
        return rules

    # What a sale reads of the rules (and what the owner edits, with reminder_days).
    SALE_FIELDS = (
        "earn_points",
        "earn_per_amount",
        "redeem_points",
        "redeem_value",
        "min_redeem_points",
        "max_bill_share",
        "expiry_policy",
        "expiry_months",
    )


class BehaviourRule(models.Model):
    """Points for something a member does besides buying, with a per-member cap."""

    class Action(models.TextChoices):
        JOIN = "join", _("Joining")
        PROFILE = "profile", _("Completing the profile")
        BIRTHDAY = "birthday", _("Birthday")
        REFERRAL = "referral", _("Referring a member who buys")
        CUSTOM = "custom", _("Owner-defined action")

    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    code = models.SlugField(
        _("code"), max_length=40, unique=True, help_text=_("Short unique name, e.g. review.")
    )
    name = models.CharField(_("name"), max_length=80)
    name_zh_hant = models.CharField(_("name in Traditional Chinese"), max_length=80, blank=True)
    name_zh_hans = models.CharField(_("name in Simplified Chinese"), max_length=80, blank=True)
    points = models.PositiveIntegerField(_("points"))
    per_member_cap = models.PositiveIntegerField(
        _("times per member"),
        null=True,
        blank=True,
        help_text=_("Empty means no limit; birthday points are once a year regardless."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["action", "code"]
        verbose_name = _("behaviour reward")
        verbose_name_plural = _("behaviour rewards")

    def __str__(self):
        return self.name

    @property
    def display_name(self):
        """The name in the reader's script, falling back to the name as typed."""
        return in_reader_script(self)


class Purchase(models.Model):
    """One sale at the counter, as computed by record_purchase."""

    # purchase_member_time_idx leads with member: a second index would only cost every sale.
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="purchases", db_index=False
    )
    idempotency_key = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(_("time"), db_index=True)
    gross_amount = models.DecimalField(_("bill amount"), max_digits=12, decimal_places=2)
    wholesale = models.BooleanField(_("wholesale"), default=False)
    discount_percent = models.DecimalField(
        # xgettext:no-python-format
        _("tier discount (% off)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
    )
    discount_amount = models.DecimalField(
        _("discount"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    # A coupon of the member's applied after the tier discount (the Coupon row
    # links back through Coupon.used_purchase); the code is kept for the receipt
    # and to tell a replay of this sale from another use of its key.
    coupon_code = models.CharField(_("coupon"), max_length=20, blank=True)
    coupon_discount = models.DecimalField(
        _("coupon discount"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    points_redeemed = models.PositiveIntegerField(_("points redeemed"), default=0)
    redeemed_value = models.DecimalField(
        _("points value"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    amount_paid = models.DecimalField(_("amount paid"), max_digits=12, decimal_places=2)
    points_earned = models.PositiveIntegerField(_("points earned"), default=0)
    # How the points were computed (rate, multipliers, campaigns), for the
    # receipt and for explaining a figure later.
    earning_detail = models.JSONField(default=dict, blank=True)
    tier = models.ForeignKey(
        "tiers.Tier", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    refunded_amount = models.DecimalField(
        _("refunded"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    note = models.CharField(_("store note"), max_length=200, blank=True)
    # Where the sale happened (no index: the sale pays for every index).
    store = store_link()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("staff"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("sale")
        verbose_name_plural = _("sales")
        indexes = [models.Index(fields=["member", "created_at"], name="purchase_member_time_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(gross_amount__gt=0), name="purchase_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(amount_paid__gte=0), name="purchase_paid_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(coupon_discount__gte=0), name="purchase_coupon_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0, refunded_amount__lte=models.F("amount_paid")),
                name="purchase_refund_within_paid",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.member_id} {self.amount_paid}"


class Refund(models.Model):
    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="refunds")
    idempotency_key = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(_("time"))
    amount = models.DecimalField(_("amount refunded"), max_digits=12, decimal_places=2)
    points_reversed = models.PositiveIntegerField(_("earned points reversed"), default=0)
    points_returned = models.PositiveIntegerField(_("redeemed points returned"), default=0)
    # Earned points the member had already spent: the balance stops at zero
    # and this many could not be taken back.
    points_shortfall = models.PositiveIntegerField(_("points short"), default=0)
    # Where the refund was made, which may differ from the sale's store.
    store = store_link()
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            # Zero for a sale paid entirely with points: its refund moves points only.
            models.CheckConstraint(condition=Q(amount__gte=0), name="refund_amount_not_negative"),
        ]

    def __str__(self):
        return f"refund {self.amount} of sale #{self.purchase_id}"


# The ledger's links that entries are looked up by (partial indexes).
LINKS_LOOKED_UP = ("purchase", "reward_redemption", "reverses", "behaviour_rule", "campaign")


class LedgerEntry(models.Model):
    """One change of a member's points. Earning entries are lots."""

    class Kind(models.TextChoices):
        PURCHASE_EARN = "purchase_earn", _("Earned on a sale")
        BEHAVIOUR_EARN = "behaviour_earn", _("Earned for an action")
        CAMPAIGN_BONUS = "campaign_bonus", _("Campaign bonus")
        TIER_BONUS = "tier_bonus", _("Tier upgrade bonus")
        REDEEM_CASH = "redeem_cash", _("Redeemed as cash")
        REWARD_REDEEM = "reward_redeem", _("Redeemed for a reward")
        REWARD_CANCEL = "reward_cancel", _("Reward cancelled")
        REFUND_REVERSAL = "refund_reversal", _("Refund")
        EXPIRY = "expiry", _("Expired")
        ADJUSTMENT = "adjustment", _("Manual adjustment")
        OPENING_BALANCE = "opening_balance", _("Opening balance")
        MERGE = "merge", _("Merged from another record")

    # Foreign keys without an index of their own (db_index=False): the member
    # leads ledger_member_time_idx; the links most entries leave empty have
    # partial indexes below (only the entries that have the link), or none
    # where nothing looks entries up by them (refund, by). Every write of an
    # entry and every change of a lot pays for each index the ledger has.
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="ledger_entries", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    points = models.IntegerField(_("points"))
    # Lots only (entries with points > 0 that can be spent): what is left,
    # and the shop-local day after which it is gone.
    remaining = models.PositiveIntegerField(_("remaining"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), db_index=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    purchase = models.ForeignKey(
        Purchase,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        db_index=False,
    )
    refund = models.ForeignKey(
        Refund,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        db_index=False,
    )
    reward_redemption = models.ForeignKey(
        "rewards.RewardRedemption",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        db_index=False,
    )
    # A return of points (refund, reward cancellation) links the spend it gives back.
    reverses = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversals",
        verbose_name=_("gives back"),
        db_index=False,
    )
    behaviour_rule = models.ForeignKey(
        BehaviourRule,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("behaviour reward"),
        db_index=False,
    )
    # The campaign whose bonus this entry is (campaign_bonus entries).
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        verbose_name=_("campaign"),
        db_index=False,
    )
    # Where the points were earned or spent (none: expiry, the programme's own).
    store = store_link()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("staff"),
        db_index=False,
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            models.Index(fields=["member", "created_at"], name="ledger_member_time_idx"),
            # The open lots of a member, in the order spending uses them.
            models.Index(
                fields=["member", "expires_on", "id"],
                condition=Q(remaining__gt=0),
                name="ledger_open_lots_idx",
            ),
            # What the nightly expiry scans.
            models.Index(
                fields=["expires_on"], condition=Q(remaining__gt=0), name="ledger_expiring_idx"
            ),
            # A sale's entries (refunds, receipts), a reward's (cancelling), a
            # spend's returns, a campaign's bonuses, a rule's entries (the
            # admin's delete check): each link indexed where it is set.
            *(
                models.Index(
                    fields=[link],
                    condition=Q(**{f"{link}__isnull": False}),
                    name=f"ledger_{link}_idx",
                )
                for link in LINKS_LOOKED_UP
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="ledger_points_not_zero"),
            models.CheckConstraint(
                condition=Q(remaining__isnull=True)
                | Q(points__gt=0, remaining__lte=models.F("points")),
                name="ledger_remaining_within_lot",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.points:+d}"


class LotDraw(models.Model):
    """Which lots a spending entry drew from, so a refund or cancellation
    returns points to the right lots (and their expiry dates)."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="draws")
    lot = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="drawn_by")
    points = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="lot_draw_positive"),
        ]

    def __str__(self):
        return f"{self.points} from lot {self.lot_id}"
