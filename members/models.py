from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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
    # The last four digits, indexed: the counter's most common lookup.
    phone_tail = models.CharField(max_length=4, db_index=True, editable=False)
    name = models.CharField(_("name"), max_length=100)
    # Lower-cased, Simplified-script form of the name so 陳 finds 陈 and back.
    name_key = models.CharField(max_length=100, db_index=True, editable=False)
    email = models.EmailField(_("email"), blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    gender = models.CharField(
        _("gender"), max_length=1, choices=Gender.choices, blank=True, default=""
    )
    joined_on = models.DateField(_("joined on"), db_index=True)
    referred_by = models.ForeignKey(
        "self",
        verbose_name=_("referred by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    tier = models.ForeignKey(
        "tiers.Tier", verbose_name=_("tier"), on_delete=models.PROTECT, related_name="members"
    )
    tier_since = models.DateTimeField(_("tier since"), null=True, blank=True)
    tier_grace_until = models.DateField(_("grace period ends"), null=True, blank=True)
    tier_pinned_until = models.DateField(_("tier pinned until"), null=True, blank=True)

    # Cached figures kept by the points services in the same transaction as
    # the ledger; check_ledger proves them against the ledger.
    points_balance = models.IntegerField(_("points balance"), default=0)
    lifetime_spend = models.DecimalField(
        _("lifetime spend"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    purchase_count = models.PositiveIntegerField(_("purchases"), default=0)
    last_purchase_at = models.DateTimeField(_("last purchase"), null=True, blank=True)

    messages_opt_out = models.BooleanField(_("no marketing messages"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
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
        indexes = [
            models.Index(fields=["last_purchase_at"], name="member_last_purchase_idx"),
            models.Index(fields=["tier", "status"], name="member_tier_status_idx"),
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
    upload (see members.importing.services), because the import itself runs in
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
    valid_rows_only = models.BooleanField(_("import only the valid rows"), default=False)
    preview = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

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
