"""The members' own pages: the owner's settings, signed-in phones, sign-in codes."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PortalSettings(models.Model):
    """The owner's choices for the members' pages (one row)."""

    sign_in_days = models.PositiveSmallIntegerField(
        _("members stay signed in for (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(400)],
        help_text=_(
            "A receipt's or a message's link works this many days, and a phone "
            "that signed in stays signed in this long."
        ),
    )
    join_open = models.BooleanField(
        _("walk-ins can join on their phone"),
        default=True,
        help_text=_("The join page of the poster. Off: only staff enrol members."),
    )

    class Meta:
        verbose_name = _("member page settings")
        verbose_name_plural = _("member page settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(sign_in_days__gte=1, sign_in_days__lte=400),
                name="portal_sign_in_days_range",
            )
        ]

    def __str__(self):
        return str(_("Member page settings"))

    @classmethod
    def current(cls):
        """The row, or its defaults while the owner has saved none (reading never writes)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class MemberSession(models.Model):
    """One phone (browser) signed in to a member's pages. The Django session
    keeps only this row's random id; the row says whose pages they are."""

    class Via(models.TextChoices):
        LINK = "link", _("personal link")
        CODE = "code", _("code by SMS")
        JOIN = "join", _("joining")

    id = models.CharField(primary_key=True, max_length=64, editable=False)
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="page_sessions"
    )
    # The member's signin_generation when this phone signed in: "sign out
    # everywhere" raises the member's, and this row stops counting.
    generation = models.PositiveIntegerField()
    via = models.CharField(_("signed in by"), max_length=10, choices=Via.choices)
    device = models.CharField(_("device"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("signed in"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen"))
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("signed out"), null=True, blank=True)

    class Meta:
        verbose_name = _("signed-in phone")
        verbose_name_plural = _("signed-in phones")
        indexes = [models.Index(fields=["member", "expires_at"], name="portal_session_member_idx")]

    def __str__(self):
        return f"{self.member_id} · {self.get_via_display()}"


class SignInCode(models.Model):
    """A six-digit code sent by SMS, kept hashed. Valid ten minutes, five
    tries; the fifth wrong try locks the phone (`locked_until`)."""

    phone = models.CharField(max_length=20)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    # The form that used it: the same form sent again (a double tap) is
    # answered as the first, never as "code already used".
    used_key = models.CharField(max_length=64, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in code")
        verbose_name_plural = _("sign-in codes")
        indexes = [models.Index(fields=["phone", "created_at"], name="portal_code_phone_idx")]

    def __str__(self):
        return f"{self.phone} {self.created_at:%Y-%m-%d %H:%M}"
