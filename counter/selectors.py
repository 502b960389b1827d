"""Reads behind the counter page: finding a member and the member card.

Every read here costs a fixed number of queries whatever the size of the
member list (tests/counter/test_counter_queries.py holds us to it).
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, Max, Min, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.rulebook import current_rulebook
from campaigns.selectors import redemption_terms
from config.clock import shop_date, shop_day_bounds, shop_day_start, shop_today
from config.errors import LoyaltyError, NotYours
from config.roles import (
    OWNER,
    STAFF,
    STORE_MANAGER,
    is_owner,
    is_staff_member,
    is_store_manager,
)
from loyalty.sale import quote_purchase
from members.models import Member
from members.selectors import STAGES, lifecycle_stage, search_members
from points.ledger import points_value
from points.models import LedgerEntry, ProgrammeRules, Purchase
from points.selectors import expiring_soon
from rewards.models import display_coupon_code
from rewards.selectors import catalogue_for_member
from stores.selectors import may_see_store, visible_store_ids
from tiers.discounts import format_discount
from tiers.progress import tier_progress

# A pick-list longer than this is no help at a counter: ask for more digits.
PICK_LIST_SIZE = 8
EXPIRING_WITHIN_DAYS = 30


@dataclass
class FindResult:
    query: str
    matches: list
    more: bool = False

    @property
    def member(self):
        return self.matches[0] if len(self.matches) == 1 else None


def find_members(query) -> FindResult:
    """What the one box found: one member, a short pick-list, or nobody."""
    query = " ".join(str(query or "").split())
    if not query:
        return FindResult(query="", matches=[])
    found = list(
        search_members(query, Member.objects.select_related("tier")).order_by("name", "id")[
            : PICK_LIST_SIZE + 1
        ]
    )
    exact = [m for m in found if m.member_number == query]
    if exact:
        # A member number is unique: scanning a card never asks to pick.
        return FindResult(query=query, matches=exact)
    return FindResult(query=query, matches=found[:PICK_LIST_SIZE], more=len(found) > PICK_LIST_SIZE)


def counter_member(pk) -> Member:
    return Member.objects.select_related("tier").get(pk=pk)


@dataclass
class Expiring:
    points: int = 0
    first_date: object = None


def expiring_total(member, *, today=None) -> Expiring:
    """How many points expire within the next 30 days, and the first such day."""
    totals = expiring_soon(member, days=EXPIRING_WITHIN_DAYS, today=today).aggregate(
        points=Sum("remaining"), first_date=Min("expires_on")
    )
    return Expiring(points=totals["points"] or 0, first_date=totals["first_date"])


@dataclass
class MemberCard:
    member: Member
    rules: ProgrammeRules
    cash_value: Decimal
    expiring: Expiring
    stage: str
    stage_label: str
    birthday_this_month: bool
    campaigns_today: list = field(default_factory=list)
    tier_progress: object = None


def member_card(member, *, today=None) -> MemberCard:
    """Everything the counter shows about a member, in a fixed number of queries."""
    today = today or shop_today()
    rulebook = current_rulebook()
    rules = rulebook.programme
    stage = lifecycle_stage(member, today=today, rules=rulebook.lifecycle)
    return MemberCard(
        member=member,
        rules=rules,
        cash_value=points_value(
            rules=rules,
            points=member.points_balance,
            # A double-value day's points are worth more (before any bill's minimum).
            multiplier=redemption_terms(
                member=member, moment=shop_day_start(today), rulebook=rulebook
            ).multiplier,
        ),
        expiring=expiring_total(member, today=today),
        stage=stage,
        stage_label=STAGES[stage],
        birthday_this_month=bool(member.birthday and member.birthday.month == today.month),
        campaigns_today=rulebook.campaigns_on(today),
        tier_progress=tier_progress(member, as_of=today, rulebook=rulebook),
    )


def redeemable_rewards(member, *, store_id=None):
    """The catalogue items `member` can take now at the store `store_id`,
    for the card's rewards panel."""
    items = catalogue_for_member(member=member, store_id=store_id)
    return [item for item in items if item.available]


# Staff may undo their own mistakes while the customer is still at the counter.
STAFF_UNDO_WINDOW = timedelta(minutes=10)


def _is_refunded(purchase) -> bool:
    count = getattr(purchase, "refund_count", None)  # annotated by recent_sales
    if count is None:
        return purchase.refunded_amount > 0 or purchase.refunds.exists()
    return count > 0


def refund_refusal(purchase, *, user, now=None):
    """Why `user` may not refund `purchase` (in full or in part), or None when
    they may: owners any sale any time, staff their own sales within 10 minutes.
    Whether money is left to refund is the refund service's to say."""
    if is_owner(user):
        return None
    if not is_staff_member(user):
        return _("Only counter staff and owners can undo a sale.")
    if purchase.by_id != user.pk:
        return _(
            "Only the cashier who recorded this sale can undo it; "
            "ask them or an owner to refund it."
        )
    now = now or timezone.now()
    if now - purchase.created_at > STAFF_UNDO_WINDOW:
        return _("Staff can undo a sale within 10 minutes; ask an owner to refund it.")
    return None


def undo_refusal(purchase, *, user, now=None):
    """Why `user` may not undo `purchase` at the counter, or None when they may.

    Undo is a full refund of a sale not refunded yet, under refund_refusal's rules.
    """
    if _is_refunded(purchase):
        return _("This sale is already refunded.")
    return refund_refusal(purchase, user=user, now=now)


def recent_sales(*, user, now=None, limit=10):
    """The last sales this cashier recorded today, each marked with whether
    they may still undo it (`undo_refusal`)."""
    now = now or timezone.now()
    start, end = shop_day_bounds(shop_date(now))
    sales = list(
        Purchase.objects.filter(by=user, created_at__gte=start, created_at__lt=end)
        .select_related("member")
        .annotate(refund_count=Count("refunds"))
        .order_by("-created_at", "-id")[:limit]
    )
    for sale in sales:
        sale.refunded = sale.refund_count > 0
        sale.undo_refusal = undo_refusal(sale, user=user, now=now)
    return sales


def balance_after(sale) -> int:
    """The member's balance right after `sale`, in one query.

    The ledger is append-only and a member's entries are written one locked
    transaction at a time, so "after this sale" is every entry up to the
    sale's last one (or up to its time, for a sale that moved no points).
    """
    own = LedgerEntry.objects.filter(purchase=sale.pk, refund__isnull=True)
    last_own = own.values("purchase").annotate(last=Max("id")).values("last")[:1]
    up_to_sale = Q(id__lte=Subquery(last_own)) | (Q(created_at__lte=sale.created_at) & ~Exists(own))
    entries = LedgerEntry.objects.filter(up_to_sale, member_id=sale.member_id)
    return entries.aggregate(total=Sum("points"))["total"] or 0


def receipt(sale):
    """`sale` with what its receipt prints besides its own fields."""
    if getattr(sale, "balance_after", None) is None:  # record_purchase sets it on a new sale
        sale.balance_after = balance_after(sale)
    sale.discount_label = format_discount(sale.discount_percent)
    sale.coupon_display = display_coupon_code(sale.coupon_code)
    sale.campaign_lines = sale.earning_detail.get("explanation", [])
    # The store's address and phone when the sale was read with its store
    # (a reprint); a sale just recorded prints without them (no extra query).
    store = sale.store if Purchase.store.is_cached(sale) else None
    sale.receipt_store = store if store and (store.address or store.phone) else None
    return sale


def receipt_refusal(sale, *, user, today=None):
    """Why `user` may not open `sale`'s receipt, or None when they may: the
    cashier who recorded it any time, other staff of its store while it is
    the shop's today (a receipt reprinted at the counter), a manager of its
    store any time, owners always. Staff of one store never open another's."""
    if is_owner(user) or (sale.by_id is not None and sale.by_id == user.pk):
        return None
    if not may_see_store(user, sale.store_id):
        return _("This sale belongs to another store.")
    if is_store_manager(user):
        return None
    if is_staff_member(user) and shop_date(sale.created_at) == (today or shop_today()):
        return None
    return _(
        "This receipt is of an earlier day and another cashier's sale: ask an owner to open it."
    )


def sale_for_receipt(pk, *, user, today=None):
    """The sale behind a receipt, for `user`; raises Purchase.DoesNotExist,
    or NotYours (the 403 page, saying why) when receipt_refusal refuses."""
    sale = Purchase.objects.select_related("member", "tier", "by", "store").get(pk=pk)
    refusal = receipt_refusal(sale, user=user, today=today)
    if refusal:
        raise NotYours(refusal)
    return receipt(sale)


def quote_sale(
    *,
    member,
    amount,
    points_to_redeem=0,
    wholesale=False,
    coupon_code="",
    use_max=False,
    store=None,
):
    """The sale's preview; with `use_max`, redeeming the most points the
    programme allows on this bill (none when that is below the minimum)."""
    terms = {
        "member": member,
        "amount": amount,
        "wholesale": wholesale,
        "coupon_code": coupon_code,
        "store": store,
    }
    if not use_max:
        return quote_purchase(points_to_redeem=points_to_redeem, **terms)
    quote = quote_purchase(**terms)
    if not quote.max_redeemable_points:
        return quote
    try:
        return quote_purchase(points_to_redeem=quote.max_redeemable_points, **terms)
    except LoyaltyError as error:
        if error.code == "below_minimum":
            return quote
        raise


def points_hint(quote) -> str:
    """What the member can do with points on this bill, in the cashier's words
    (and, on a double-value day, that points are worth more today)."""
    hint = _points_hint(quote)
    if quote.value_multiplier > 1:
        multiplier = f"{quote.value_multiplier.normalize():f}"
        hint += " " + _("Points are worth ×%(multiplier)s as cash today.") % {
            "multiplier": multiplier
        }
    return hint


def _points_hint(quote) -> str:
    least = max(quote.min_redeem_points, 1)
    most, balance = quote.max_redeemable_points, quote.points_balance
    if balance < least:
        return _("Needs %(least)d points to redeem; has %(balance)d.") % {
            "least": least,
            "balance": balance,
        }
    if most < least:
        return _(
            "This bill is too small to pay with points: at least %(least)d points at a time, "
            "and this bill takes at most %(most)d."
        ) % {"least": least, "most": most}
    if least > 1:
        return _("%(least)d to %(most)d points can pay this bill (balance %(balance)d).") % {
            "least": least,
            "most": most,
            "balance": balance,
        }
    return _("Up to %(most)d points can pay this bill (balance %(balance)d).") % {
        "most": most,
        "balance": balance,
    }


def visible_sales(*, user, today=None):
    """The sales whose receipts `user` may open (receipt_refusal's rule as a
    query): owners all; store managers all of their stores'; staff their own,
    and everyone's of the shop's today at their stores."""
    sales = Purchase.objects.select_related("member", "by", "store")
    if is_owner(user):
        return sales
    stores = visible_store_ids(user)
    if stores is not None:
        # Staff of some stores see only those stores' sales (and their own).
        sales = sales.filter(Q(by=user) | Q(store__in=stores))
    if is_store_manager(user):
        return sales
    start, end = shop_day_bounds(today or shop_today())
    return sales.filter(Q(by=user) | Q(created_at__gte=start, created_at__lt=end))


def sales_history(
    *,
    user,
    date_from=None,
    date_to=None,
    member="",
    cashier=None,
    amount_min=None,
    amount_max=None,
    store=None,
    today=None,
):
    """The sales page's list, newest first: days are the shop's days, the
    member is found as the counter finds one, amounts are what was paid."""
    sales = visible_sales(user=user, today=today)
    if date_from:
        sales = sales.filter(created_at__gte=shop_day_bounds(date_from)[0])
    if date_to:
        sales = sales.filter(created_at__lt=shop_day_bounds(date_to)[1])
    if member:
        sales = sales.filter(member__in=search_members(member).values("pk"))
    if cashier is not None:
        sales = sales.filter(by=cashier)
    if amount_min is not None:
        sales = sales.filter(amount_paid__gte=amount_min)
    if amount_max is not None:
        sales = sales.filter(amount_paid__lte=amount_max)
    if store is not None:
        sales = sales.filter(store=store)
    return sales.order_by("-created_at", "-id")


def refundable_left(sale) -> Decimal:
    """Money still refundable on `sale` (zero for a sale paid only with points)."""
    return max(sale.amount_paid - sale.refunded_amount, Decimal("0"))


def sale_refunds(sale):
    return list(sale.refunds.select_related("by").order_by("created_at", "id"))


def cashiers():
    """Users who can record sales, for the sales page's cashier filter."""
    return (
        get_user_model()
        .objects.filter(Q(groups__name__in=[OWNER, STAFF, STORE_MANAGER]) | Q(is_superuser=True))
        .distinct()
        .order_by("username")
    )
