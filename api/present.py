"""The API's answers as plain JSON data, through the schemas (one shape
per object, whichever endpoint returns it)."""

from api import schemas
from tiers.discounts import format_discount


def dump(schema, data) -> dict:
    return schema.model_validate(data).model_dump(mode="json")


def tier(tier) -> dict:
    return {
        "id": tier.pk,
        "name": tier.display_name,
        "rank": tier.rank,
        "retail_discount": tier.retail_discount,
        "wholesale_discount": tier.wholesale_discount,
        "points_multiplier": tier.points_multiplier,
        "discount_text": format_discount(tier.retail_discount),
    }


def member_card(card) -> dict:
    member, progress = card.member, card.tier_progress
    return dump(
        schemas.MemberOut,
        {
            "member_number": member.member_number,
            "name": member.name,
            "phone": member.phone,
            "blocked": member.is_blocked,
            "tier": tier(member.tier),
            "points_balance": member.points_balance,
            "cash_value": card.cash_value,
            "expiring": {"points": card.expiring.points, "first_date": card.expiring.first_date},
            "stage": card.stage,
            "progress": {
                "sentence": str(getattr(progress, "sentence", "") or ""),
                "next_tier": str(progress.next_tier)
                if getattr(progress, "next_tier", None)
                else None,
                "options": [str(option) for option in getattr(progress, "options", [])],
            },
        },
    )


def member_brief(member) -> dict:
    return {
        "member_number": member.member_number,
        "name": member.name,
        "phone": member.phone,
        "tier": member.tier.display_name,
        "points_balance": member.points_balance,
    }


def quote(quote) -> dict:
    return dump(
        schemas.QuoteOut,
        {
            **{
                name: getattr(quote, name)
                for name in schemas.QuoteOut.model_fields
                if hasattr(quote, name)
            },
            "campaign_bonuses": [
                {"campaign": str(campaign), "points": points} for campaign, points in quote.bonuses
            ],
        },
    )


def sale(purchase, member_number) -> dict:
    fields = schemas.SaleOut.model_fields
    data = {name: getattr(purchase, name) for name in fields if hasattr(purchase, name)}
    data.update(
        id=purchase.pk,
        member=member_number,
        receipt=purchase.note,
        balance_after=getattr(purchase, "balance_after", None),
    )
    return dump(schemas.SaleOut, data)


def refund(refund) -> dict:
    fields = schemas.RefundOut.model_fields
    data = {name: getattr(refund, name) for name in fields if hasattr(refund, name)}
    data.update(id=refund.pk, sale=refund.purchase_id)
    return dump(schemas.RefundOut, data)


def redemption(redemption, *, balance_after) -> dict:
    return dump(
        schemas.RedemptionOut,
        {
            "id": redemption.pk,
            "reward": redemption.reward_id,
            "reward_name": redemption.reward.display_name,
            "quantity": redemption.quantity,
            "points_spent": redemption.points_spent,
            "status": redemption.status,
            "coupons": [coupon.code for coupon in redemption.coupons.all()],
            "balance_after": balance_after,
        },
    )


def entry(entry) -> dict:
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "kind_label": entry.get_kind_display(),
        "points": entry.points,
        "created_at": entry.created_at,
        "reason": entry.reason,
        "expires_on": entry.expires_on,
        "remaining": entry.remaining,
        "sale": entry.purchase_id,
    }
