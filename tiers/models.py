from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tiers.discounts import format_discount


class TierQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def lowest_active(self):
        return self.active().order_by("rank").first()


class Tier(models.Model):
    """A rung of the ladder. Rank orders them: the lowest rank is the entry tier."""

    name = models.CharField(_("name"), max_length=60)
    rank = models.PositiveSmallIntegerField(_("rank"), unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    retail_discount = models.DecimalField(
        _("retail discount (% off)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Percentage taken off the retail price: 5 means the member pays 95%."),
    )
    wholesale_discount = models.DecimalField(
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
        return self.name

    @property
    def retail_discount_label(self):
        return format_discount(self.retail_discount)

    @property
    def wholesale_discount_label(self):
        return format_discount(self.wholesale_discount)
