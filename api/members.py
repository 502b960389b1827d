"""/api/v1/members: find, the card, enrol, redeem, coupons, ledger, sales."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Query, Router
from pydantic import Field

from api import cursor as paging
from api import present, schemas
from api.access import member_by_number, require_scope
from api.idempotency import run_once
from api.problems import Problem
from config.clock import shop_today
from counter import selectors as counter
from members.selectors import single_member
from members.services import enrol_member
from points.models import Purchase
from points.selectors import member_ledger
from rewards.coupons import check_coupon
from rewards.models import Reward, display_coupon_code
from rewards.selectors import usable_coupons
from rewards.services import redeem_reward

router = Router(tags=["members"])
PROBLEM = schemas.PROBLEMS


class FindQuery(schemas.Schema):
    q: str = Field(min_length=1, max_length=100, description="phone, last digits, member number")


@router.get(
    "/find",
    response={200: schemas.FindOut, **PROBLEM},
    summary=gettext_noop("Find a member"),
    description=gettext_noop(
        "By phone in any form, its last 4 to 9 digits, or the member number (a card "
        "scan). At most 8 matches; never the whole list."
    ),
)
def find(request, query: Query[FindQuery]):
    require_scope(request, "read")
    found = counter.find_members(query.q)
    return {"matches": [present.member_brief(m) for m in found.matches], "more": found.more}


@router.get(
    "/{number}",
    response={200: schemas.MemberOut, **PROBLEM},
    summary=gettext_noop("A member's card"),
    description=gettext_noop(
        "Tier, discount, balance and its cash value, points expiring in 30 days, progress."
    ),
)
def card(request, number: str):
    require_scope(request, "read")
    return present.member_card(counter.member_card(member_by_number(number)))


@router.post(
    "",
    response={201: schemas.MemberOut, **PROBLEM},
    summary=gettext_noop("Enrol a member"),
    description=gettext_noop("A phone and a name; the member gets the lowest active tier."),
)
def enrol(request, body: schemas.EnrolIn):
    require_scope(request, "enrol")

    def operation(service_key):
        referrer = None
        if body.referred_by.strip():
            referrer = single_member(body.referred_by)
            if referrer is None:
                raise Problem(
                    422,
                    "referrer_not_found",
                    _("No single member matches the referrer %(text)s.")
                    % {"text": body.referred_by},
                )
        member = enrol_member(
            phone=body.phone,
            name=body.name,
            email=body.email,
            birthday=body.birthday,
            referred_by=referrer,
            by=request.auth.user,
            store=request.auth.store_id,
        )
        return 201, present.member_card(counter.member_card(counter.counter_member(member.pk)))

    return run_once(request, body.model_dump(mode="json"), operation)


@router.post(
    "/{number}/redemptions",
    response={201: schemas.RedemptionOut, **PROBLEM},
    summary=gettext_noop("Redeem a reward"),
    description=gettext_noop("Spends the member's points on a reward from the catalogue."),
)
def redeem(request, number: str, body: schemas.RedeemIn):
    require_scope(request, "sell")
    member = member_by_number(number)
    reward = Reward.objects.filter(pk=body.reward).first()
    if reward is None:
        raise Problem(
            404, "reward_not_found", _("No reward has the id %(id)s.") % {"id": body.reward}
        )

    def operation(service_key):
        redemption = redeem_reward(
            member=member,
            reward=reward,
            quantity=body.quantity,
            idempotency_key=service_key,
            by=request.auth.user,
            store=request.auth.store_id,
        )
        balance = counter.counter_member(member.pk).points_balance
        return 201, present.redemption(redemption, balance_after=balance)

    return run_once(
        request,
        {"member": number, **body.model_dump(mode="json")},
        operation,
        replayed_by_service=True,
    )


@router.get(
    "/{number}/coupons",
    response={200: list[schemas.CouponOut], **PROBLEM},
    summary=gettext_noop("A member's coupons"),
    description=gettext_noop("The coupons the member can use today, soonest expiring first."),
)
def coupons(request, number: str):
    require_scope(request, "read")
    member = member_by_number(number)
    return [
        {
            "code": display_coupon_code(coupon.code),
            "reward": coupon.redemption.reward.display_name,
            "value": coupon.value,
            "percent": coupon.percent,
            "min_spend": coupon.min_spend,
            "valid_from": coupon.valid_from,
            "expires_on": coupon.expires_on,
        }
        for coupon in usable_coupons(member=member, today=shop_today())
    ]


class CouponCheckQuery(schemas.Schema):
    amount: schemas.Decimal = Field(gt=0, max_digits=12, decimal_places=2)


@router.get(
    "/{number}/coupons/{code}",
    response={200: schemas.CouponCheckOut, **PROBLEM},
    summary=gettext_noop("Check a coupon"),
    description=gettext_noop(
        "Whether the member can use the coupon on a bill of `amount` (after the tier "
        "discount), and what it takes off."
    ),
)
def check(request, number: str, code: str, query: Query[CouponCheckQuery]):
    require_scope(request, "read")
    member = member_by_number(number)
    use = check_coupon(member=member, code=code, amount=query.amount)
    return {
        "code": display_coupon_code(use.coupon.code),
        "discount": use.discount,
        "amount_after": query.amount - use.discount,
    }


class PageQuery(schemas.Schema):
    cursor: str = Field("", max_length=200)
    limit: int = Field(20, ge=1, le=paging.MAX_LIMIT)


@router.get(
    "/{number}/ledger",
    response={200: schemas.EntryPage, **PROBLEM},
    summary=gettext_noop("A member's points ledger"),
    description=gettext_noop("Newest first; pass next_cursor as cursor for the next page."),
)
def ledger(request, number: str, query: Query[PageQuery]):
    require_scope(request, "read")
    member = member_by_number(number)
    rows, next_cursor = paging.page(member_ledger(member), cursor=query.cursor, limit=query.limit)
    return {"items": [present.entry(row) for row in rows], "next_cursor": next_cursor}


@router.get(
    "/{number}/sales",
    response={200: schemas.SalePage, **PROBLEM},
    summary=gettext_noop("A member's sales"),
    description=gettext_noop("Newest first; pass next_cursor as cursor for the next page."),
)
def sales(request, number: str, query: Query[PageQuery]):
    require_scope(request, "read")
    member = member_by_number(number)
    rows, next_cursor = paging.page(
        Purchase.objects.filter(member=member), cursor=query.cursor, limit=query.limit
    )
    return {
        "items": [present.sale(row, member.member_number) for row in rows],
        "next_cursor": next_cursor,
    }
