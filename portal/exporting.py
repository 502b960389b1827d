"""A member's own data as one CSV file: who they are, then every sale,
points entry, reward and coupon, one row each."""

from django.utils import timezone
from django.utils.translation import gettext as _

from config import spreadsheets
from points.models import LedgerEntry, Purchase
from rewards.models import Coupon, RewardRedemption


def _when(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _rows(member):
    yield [_("record"), _("date"), _("item"), _("detail"), _("points"), _("amount")]
    yield [_("member"), member.joined_on.isoformat(), _("member number"), member.member_number]
    for label, value in (
        (_("name"), member.name),
        (_("phone"), member.phone),
        (_("email"), member.email),
        (_("birthday"), member.birthday.isoformat() if member.birthday else ""),
        (_("tier"), member.tier.display_name),
        (_("points balance"), member.points_balance),
        (_("messages by SMS"), _("no") if member.sms_opt_out else _("yes")),
        (_("messages by email"), _("no") if member.email_opt_out else _("yes")),
        (_("no marketing messages"), _("yes") if member.messages_opt_out else _("no")),
    ):
        yield [_("member"), "", label, value]
    for sale in Purchase.objects.filter(member=member).order_by("created_at", "id").iterator():
        yield [
            _("sale"),
            _when(sale.created_at),
            _("sale #%(number)s") % {"number": sale.pk},
            _("refunded %(amount)s") % {"amount": sale.refunded_amount}
            if sale.refunded_amount
            else "",
            sale.points_earned - sale.points_redeemed,
            sale.amount_paid,
        ]
    entries = LedgerEntry.objects.filter(member=member).order_by("created_at", "id")
    for entry in entries.iterator():
        yield [
            _("points"),
            _when(entry.created_at),
            entry.get_kind_display(),
            entry.reason,
            entry.points,
            "",
        ]
    redemptions = RewardRedemption.objects.filter(member=member).select_related("reward")
    for redemption in redemptions.order_by("created_at", "id").iterator():
        yield [
            _("reward"),
            _when(redemption.created_at),
            redemption.reward.display_name,
            redemption.get_status_display(),
            -redemption.points_spent,
            "",
        ]
    for coupon in Coupon.objects.filter(member=member).order_by("valid_from", "id").iterator():
        yield [
            _("coupon"),
            coupon.valid_from.isoformat(),
            coupon.display_code,
            _("used %(date)s") % {"date": _when(coupon.used_at)} if coupon.used_at else "",
            "",
            coupon.value if coupon.value is not None else f"{coupon.percent}%",
        ]


def member_data_rows(member):
    """The CSV, as chunks for a streaming response (UTF-8 with a BOM, so a
    spreadsheet reads Chinese; text that would run as a formula escaped)."""
    return spreadsheets.csv_chunks(None, _rows(member))
