from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.clock import shop_date
from config.names import in_reader_script
from stores.fields import store_link


class Tag(models.Model):
    """An owner's label for members ("VIP", "wholesale"), named in each script."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    name_zh_hant = models.CharField(_("name in Traditional Chinese"), max_length=40, blank=True)
    name_zh_hans = models.CharField(_("name in Simplified Chinese"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return in_reader_script(self)


class Member(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        BLOCKED = "blocked", _("Blocked")

    class Gender(models.TextChoices):
        UNSPECIFIED = "", _("Not given")
        FEMALE = "f", _("Female")
        MALE = "m", _("Male")
        OTHER = "o", _("Other")

    member_number = models.CharField(_("member number"), max_length=20, unique=True)
    phone = models.CharField(
        _("phone"), max_length=20, unique=True, help_text=_("Stored in E.164 form.")
    )
    # The last four digits, indexed: the counter's most common lookup, and
    # the index every search by the end of a phone goes through.
    phone_tail = models.CharField(max_length=4, db_index=True, editable=False)
    name = models.CharField(_("name"), max_length=100)
    # Lower-cased, Simplified-script form of the name so 陳 finds 陈 and back.
    # Searched through its two-character pieces (member_name_pairs_gin, on
    # PostgreSQL) and by member_name_birthday_idx.
    name_key = models.CharField(max_length=100, editable=False)
    email = models.EmailField(_("email"), blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    gender = models.CharField(
        _("gender"), max_length=1, choices=Gender.choices, blank=True, default=""
    )
    joined_on = models.DateField(_("joined on"), db_index=True)
    # Indexed where set (member_referred_by_idx): most members have no referrer.
    referred_by = models.ForeignKey(
        "self",
        verbose_name=_("referred by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
        db_index=False,
    )
    notes = models.TextField(_("notes"), blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="members")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    # member_tier_status_idx leads with tier: a second index would only cost writes.
    tier = models.ForeignKey(
        "tiers.Tier",
        verbose_name=_("tier"),
        on_delete=models.PROTECT,
        related_name="members",
        db_index=False,
    )
    # Where the member enrolled (stores: members belong to the programme).
    home_store = store_link(_("home store"))
    tier_since = models.DateTimeField(_("tier since"), null=True, blank=True)
    tier_grace_until = models.DateField(_("grace period ends"), null=True, blank=True)
    tier_pinned_until = models.DateField(_("tier pinned until"), null=True, blank=True)

    # Cached figures kept by the points services in the same transaction as
    # the ledger; check_ledger proves them against the ledger.
    # lifetime_spend is all the member has spent with the shop: the sales
    # recorded here, net of refunds, plus opening_lifetime_spend; purchase_count
    # counts the sales recorded here only (a first sale is purchase_count 0).
    points_balance = models.IntegerField(_("points balance"), default=0)
    lifetime_spend = models.DecimalField(
        _("lifetime spend"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    purchase_count = models.PositiveIntegerField(_("purchases"), default=0)
    last_purchase_at = models.DateTimeField(_("last purchase"), null=True, blank=True)

    # Figures brought from an earlier system by an import, as of a date. They
    # count toward tiers like sales recorded here (tiers.rules): the lifetime
    # spend always, the window figures while the qualifying window includes
    # opening_as_of. Kept apart so the member page can tell them from sales here.
    # The database defaults let bulk writers that predate them leave them out.
    opening_lifetime_spend = models.DecimalField(
        _("lifetime spend brought in"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        db_default=Decimal("0"),
    )
    opening_window_spend = models.DecimalField(
        _("spend in the window brought in"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        db_default=Decimal("0"),
    )
    opening_window_purchases = models.PositiveIntegerField(
        _("purchases in the window brought in"), default=0, db_default=0
    )
    opening_as_of = models.DateField(_("brought-in figures as of"), null=True, blank=True)
    # All the purchases (orders, visits) the earlier system counted, and the
    # day of the last one: shown, and the last one places the member in a
    # lifecycle stage until a sale is recorded here (members.selectors).
    opening_purchases = models.PositiveIntegerField(
        _("purchases brought in"), default=0, db_default=0
    )
    opening_last_purchase_on = models.DateField(
        _("last purchase brought in"), null=True, blank=True
    )

    messages_opt_out = models.BooleanField(_("no marketing messages"), default=False)
    # The member's own choice per channel (their page's profile); the outbox
    # sends neither channel to a member with messages_opt_out.
    sms_opt_out = models.BooleanField(_("no messages by SMS"), default=False)
    email_opt_out = models.BooleanField(_("no messages by email"), default=False)
    # Raised by "sign out everywhere": every member-page session and personal
    # link issued before carries the old number and stops working.
    signin_generation = models.PositiveIntegerField(default=0, editable=False)
    # Empty: the shop's default language.
    language = models.CharField(
        _("language for messages"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Never searched by; only deleting a user would scan for it.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["-joined_on", "-id"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.CheckConstraint(
                condition=Q(points_balance__gte=0), name="member_balance_not_negative"
            ),
        ]
        # No index here may hold a figure a sale changes (balance, spend,
        # purchases, last purchase): the sale's update of the row then stays
        # on its page (HOT) and writes no index entry. The list sorts by
        # those figures through MemberSortKeys.
        indexes = [
            models.Index(fields=["tier", "status"], name="member_tier_status_idx"),
            # The import's near-duplicate check: same name, same birthday.
            models.Index(fields=["name_key", "birthday"], name="member_name_birthday_idx"),
            models.Index(
                fields=["referred_by"],
                name="member_referred_by_idx",
                condition=Q(referred_by__isnull=False),
            ),
            # The member list's Home store filter counts a store's members
            # through it (members migration 0031), unlike the other store
            # links, which have no index.
            models.Index(fields=["home_store"], name="member_home_store_idx"),
        ]
        # django-import-export asks for these (IMPORT_EXPORT_*_PERMISSION_CODE):
        # owners only, not everyone who may add or view a member.
        permissions = [
            ("import_member", _("Can import members from a file")),
            ("export_member", _("Can export the member list")),
        ]

    def __str__(self):
        return f"{self.name} ({self.member_number})"

    @property
    def is_blocked(self):
        return self.status == self.Status.BLOCKED

    @property
    def has_opening_figures(self):
        """Whether an import brought figures from an earlier system."""
        return bool(
            self.opening_lifetime_spend
            or self.opening_window_spend
            or self.opening_window_purchases
            or self.opening_as_of
            or self.opening_purchases
            or self.opening_last_purchase_on
        )

    @property
    def last_purchase_on(self):
        """The day of the last purchase: the last sale recorded here, else
        the last one the earlier system knew of; None when neither."""
        if self.last_purchase_at is not None:
            return shop_date(self.last_purchase_at)
        return self.opening_last_purchase_on

    @property
    def spend_here(self):
        """What the member spent in sales recorded here, net of refunds."""
        return max(self.lifetime_spend - self.opening_lifetime_spend, Decimal("0"))


class MemberSortKeys(models.Model):
    """The member list's sort keys within a tier, one row per member, copied
    from the member row by database triggers (members.sort_keys) whoever
    writes it: a sale, an expiry run, an import, the admin, raw SQL.

    Why a table of its own: the list sorts a tier by balance, lifetime spend
    or last purchase through the indexes below (tier, the key, member). On
    the member row those indexes made every sale's update of its figures
    write a new entry in each of the member table's thirteen indexes (no
    HOT update, as an indexed column changed). Here a sale rewrites one
    narrow row and its four index entries, and the member row is updated in
    place, in the room its pages keep (members migration 0012).

    Read by members.selectors.sorted_members (and check_ledger's check);
    nothing writes them but the triggers."""

    member = models.OneToOneField(
        Member, primary_key=True, on_delete=models.CASCADE, related_name="sort_keys"
    )
    # The member's tier; the member row's foreign key already guards it.
    tier = models.ForeignKey(
        "tiers.Tier",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    points_balance = models.IntegerField()
    lifetime_spend = models.DecimalField(max_digits=14, decimal_places=2)
    # The member's last_purchase_at, or members.sort_keys.NEVER (year 1).
    last_purchase_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["tier", "points_balance", "member"], name="member_sort_balance_idx"
            ),
            models.Index(fields=["tier", "lifetime_spend", "member"], name="member_sort_spend_idx"),
            models.Index(
                fields=["tier", "last_purchase_at", "member"],
                name="member_sort_last_purchase_idx",
            ),
        ]

    def __str__(self):
        return f"sort keys of member {self.member_id}"


class LifecycleRules(models.Model):
    """Owner-adjustable day counts behind the lifecycle stages (one row)."""

    new_days = models.PositiveSmallIntegerField(_("new: joined within (days)"), default=30)
    active_days = models.PositiveSmallIntegerField(_("active: bought within (days)"), default=60)
    churned_days = models.PositiveSmallIntegerField(
        _("churned: no purchase for over (days)"), default=90
    )

    class Meta:
        verbose_name = _("lifecycle rules")
        verbose_name_plural = _("lifecycle rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(churned_days__gt=models.F("active_days")),
                name="lifecycle_churn_after_active",
            ),
        ]

    def __str__(self):
        return str(_("Lifecycle rules"))

    @classmethod
    def current(cls):
        rules, _created = cls.objects.get_or_create(pk=1)
        return rules


def private_storage():
    """Uploads waiting for confirmation: shared by every server, never served."""
    from django.core.files.storage import storages

    return storages["private"]


class ImportJob(models.Model):
    """One uploaded customer file: its preview, the owner's choices, the outcome.

    The figures of a running job live in a small progress file beside the
    upload (see importing.services), because the import itself runs in
    one transaction that other requests cannot see into.
    """

    class Status(models.TextChoices):
        PREVIEWING = "previewing", _("Checking the file")
        PREVIEWED = "previewed", _("Ready to import")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Not imported")

    RUNNING = (Status.PREVIEWING, Status.IMPORTING)

    file = models.FileField(_("file"), storage=private_storage, upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PREVIEWING
    )
    language = models.CharField(max_length=10, default="en")
    encoding = models.CharField(_("encoding"), max_length=12, default="auto")
    update_existing = models.BooleanField(_("update members already registered"), default=False)
    minguo_dates = models.BooleanField(_("dates use Minguo years"), default=False)
    # Chosen on the preview; empty: the shop settings' (read when it runs).
    phone_region = models.CharField(_("phones without a country code"), max_length=2, blank=True)
    date_order = models.CharField(_("date order"), max_length=3, blank=True)
    valid_rows_only = models.BooleanField(_("import only the valid rows"), default=False)
    # The owner's choice of what each column holds, for the header it was
    # made on: {"signature": members.columns.header_signature, "fields":
    # {column index: field name, "" to ignore}}; empty: as the header says,
    # or as chosen last time for the same header (importing.models.ColumnMapping).
    columns = models.JSONField(_("columns chosen"), default=dict, blank=True)
    preview = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Each time the work is queued (upload, preview again, confirm, try
    # again) `attempt` counts up and the task carries it; a worker takes the
    # attempt (started_at) once, so a redelivered or stale task never runs
    # beside the current one. heartbeat_at: the last sign of life, from the
    # queueing and then from the worker, per batch (config.heartbeat).
    attempt = models.PositiveIntegerField(_("attempt"), default=0)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("member import")
        verbose_name_plural = _("member imports")

    def __str__(self):
        return self.original_name

    @property
    def is_running(self):
        return self.status in self.RUNNING


class MemberMerge(models.Model):
    """Two records found to be one person: what moved from `absorbed` to `kept`.

    The absorbed record stays (blocked, with a note) so its number and phone
    still lead staff to the member who remains.
    """

    kept = models.ForeignKey(
        Member, verbose_name=_("kept"), on_delete=models.PROTECT, related_name="merges_kept"
    )
    absorbed = models.OneToOneField(
        Member, verbose_name=_("merged in"), on_delete=models.PROTECT, related_name="merged_into"
    )
    points = models.IntegerField(_("points moved"), default=0)
    moved = models.JSONField(_("records moved"), default=dict, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("member merge")
        verbose_name_plural = _("member merges")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kept=models.F("absorbed")), name="merge_two_members"
            ),
        ]

    def __str__(self):
        return f"{self.absorbed_id} -> {self.kept_id}"


class MessageTemplate(models.Model):
    """What a member is told, per purpose, channel and language (owner-edited).

    The body may use {name}, {member_number}, {points}, {expires_on}, {shop},
    {reward}, {link}, and for tier events {tier}, {benefits}, {options},
    {date}, {old_tier} — whatever the purpose provides.
    """

    class Purpose(models.TextChoices):
        EXPIRY_REMINDER = "expiry_reminder", _("Points expiring soon")
        BIRTHDAY = "birthday", _("Birthday greeting")
        WAKE_UP = "wake_up", _("Wake-up offer")
        # Sent because the member asked for them (their own sign-in or the
        # link to their page): they go out even to members who opted out.
        MEMBER_CODE = "member_code", _("Sign-in code")
        MEMBER_LINK = "member_link", _("Link to the member's page")
        # Tier events (automation.tier_messages) and the membership anniversary.
        TIER_UPGRADE = "tier_upgrade", _("Tier upgrade congratulations")
        TIER_KEEP = "tier_keep", _("What keeps the tier")
        TIER_DOWNGRADE = "tier_downgrade", _("Tier downgrade notice")
        ANNIVERSARY = "anniversary", _("Membership anniversary")
        # Written by the owner for one segment (segments.SegmentMessage).
        SEGMENT = "segment", _("Message to a segment")

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Email")

    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject (email)"), max_length=150, blank=True)
    body = models.TextField(_("text"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["purpose", "channel", "language"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "channel", "language"], name="message_template_unique"
            )
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} · {self.get_channel_display()} · {self.language}"


class OutboundMessage(models.Model):
    """The outbox: a message is written here in the job's transaction and
    sent later by a task, so a crash never loses or doubles it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent: the member turned these messages off")

    # Empty for a sign-in code sent to a phone that is joining (no member yet).
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=MessageTemplate.Purpose.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=MessageTemplate.Channel.choices)
    address = models.CharField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=150, blank=True)
    text = models.TextField(_("text"))
    # One message per cause: a redelivered job finds its message already here.
    dedup_key = models.CharField(max_length=150, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status="queued"),
                name="outbox_due_idx",
            )
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} → {self.address}"


class AutomationSettings(models.Model):
    """The owner's choices for the nightly jobs (one row)."""

    class BirthdayTiming(models.TextChoices):
        ON_THE_DAY = "day", _("On the member's birthday")
        MONTH_START = "month", _("On the first day of the birthday month")

    birthday_timing = models.CharField(
        _("birthday gifts are given"),
        max_length=10,
        choices=BirthdayTiming.choices,
        default=BirthdayTiming.ON_THE_DAY,
    )
    wake_up_points = models.PositiveIntegerField(
        _("wake-up bonus points"),
        default=0,
        help_text=_("Given once when a member becomes dormant; 0 gives none."),
    )
    birthday_reward = models.ForeignKey(
        "rewards.Reward",
        verbose_name=_("birthday reward"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Issued free on the birthday, once a year (e.g. a coupon)."),
    )
    wake_up_reward = models.ForeignKey(
        "rewards.Reward",
        verbose_name=_("wake-up reward"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Issued free once when a member becomes dormant."),
    )
    send_expiry_reminders = models.BooleanField(
        _("remind members of expiring points"), default=True
    )
    send_birthday_greetings = models.BooleanField(_("send birthday greetings"), default=True)
    send_wake_up_offers = models.BooleanField(_("send wake-up offers"), default=True)
    # Tier events: each message once per member and event (automation.tier_messages).
    send_tier_upgrade_messages = models.BooleanField(
        _("congratulate members on an upgrade"), default=True
    )
    send_tier_keep_reminders = models.BooleanField(
        _("tell members short of keeping their tier what keeps it"), default=True
    )
    tier_keep_reminder_days = models.PositiveSmallIntegerField(
        _("days before a review or grace end to tell them"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    send_tier_downgrade_notices = models.BooleanField(
        _("tell members of a downgrade and what brings the tier back"), default=True
    )
    welcome_reward = models.ForeignKey(
        "rewards.Reward",
        verbose_name=_("welcome offer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "Issued free to every new member once, when they join (e.g. a first-purchase "
            "coupon). Empty gives none."
        ),
    )
    anniversary_points = models.PositiveIntegerField(
        _("anniversary points"),
        default=0,
        help_text=_("Given on each anniversary of joining, once a year; 0 gives none."),
    )
    anniversary_reward = models.ForeignKey(
        "rewards.Reward",
        verbose_name=_("anniversary reward"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Issued free on each anniversary of joining, once a year (e.g. a coupon)."),
    )
    send_anniversary_greetings = models.BooleanField(_("send anniversary greetings"), default=True)

    class Meta:
        verbose_name = _("automation settings")
        verbose_name_plural = _("automation settings")

    def __str__(self):
        return str(_("Automation settings"))

    @classmethod
    def current(cls):
        current, _created = cls.objects.get_or_create(pk=1)
        return current


class BirthdayGift(models.Model):
    """A tier's birthday gift, given once a year: points and/or a reward.

    Each part replaces the programme's default for that tier (the birthday
    behaviour points, AutomationSettings.birthday_reward); 0 points or no
    reward leaves the default in place."""

    tier = models.OneToOneField(
        "tiers.Tier", on_delete=models.CASCADE, related_name="birthday_gift", verbose_name=_("tier")
    )
    points = models.PositiveIntegerField(_("birthday points"), default=0)
    reward = models.ForeignKey(
        "rewards.Reward",
        verbose_name=_("birthday reward"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("birthday gift")
        verbose_name_plural = _("birthday gifts")

    def __str__(self):
        return f"{self.tier}: {self.points}" + (f" + {self.reward}" if self.reward_id else "")


class FollowUp(models.Model):
    """A churned member for staff to call personally."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="follow_ups")
    # One follow-up per lapse: keyed by the member and their last purchase.
    dedup_key = models.CharField(max_length=150, unique=True)
    created_on = models.DateField(_("listed on"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)

    class Meta:
        ordering = ["done_at", "-created_on", "id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self):
        return f"{self.member} ({self.created_on})"


class JobRun(models.Model):
    """One run of a nightly job for one shop day: its summary or its error."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    job = models.CharField(_("job"), max_length=40)
    run_for = models.DateField(_("for day"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The last sign of life of a running run, per chunk (config.heartbeat).
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)

    class Meta:
        ordering = ["-run_for", "job"]
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        constraints = [
            models.UniqueConstraint(fields=["job", "run_for"], name="job_run_once_per_day")
        ]

    def __str__(self):
        return f"{self.job} {self.run_for}"


class SettlementDay(models.Model):
    """One shop day of the stores' settlement (reports.settlement), stored
    once the day is over, so a year's settlement sums 365 rows instead of
    a year of ledger entries and their lot draws. Keyed by store id as
    text ("" for the programme's own points): points issued and redeemed
    per store, and points earned at one store and spent at another
    ("earned:spent")."""

    day = models.DateField(unique=True)
    issued = models.JSONField(default=dict)
    redeemed = models.JSONField(default=dict)
    flows = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("settlement day")
        verbose_name_plural = _("settlement days")

    def __str__(self):
        return str(self.day)


class DashboardSnapshot(models.Model):
    """The dashboard's figures for one date range and tier filter, as last
    computed. At a million members they aggregate years of sales and ledger
    rows (seconds of database work), so the page reads the latest snapshot
    and a worker recomputes it: nightly for the default range, and whenever
    an owner looks at one older than DASHBOARD_FRESH_SECONDS. Kept in the
    database so every web server and worker shares it and a restart keeps it.
    """

    period_start = models.DateField()
    period_end = models.DateField()
    tier_key = models.PositiveIntegerField(default=0)  # the tier's id, 0 for all tiers
    store_key = models.PositiveIntegerField(default=0)  # the store's id, 0 for all stores
    # What the figures were computed as of: the shop day of the lifecycle
    # stages and the moment the sales and ledger were read.
    shop_day = models.DateField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    compute_seconds = models.FloatField(default=0)
    # The selectors' dataclasses, pickled: only this code writes them, and a
    # layout change bumps FIGURES_LAYOUT so older rows count as missing.
    figures = models.BinaryField(null=True, blank=True, editable=False)
    layout = models.PositiveSmallIntegerField(default=0)
    refresh_queued_at = models.DateTimeField(null=True, blank=True)
    # When a worker last said it is computing the queued refresh.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    viewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("dashboard snapshot")
        verbose_name_plural = _("dashboard snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["period_start", "period_end", "tier_key", "store_key"],
                name="dashboard_snapshot_once_per_store",
            )
        ]

    def __str__(self):
        return (
            f"{self.period_start}..{self.period_end} tier {self.tier_key or '-'}"
            f" store {self.store_key or '-'}"
        )
