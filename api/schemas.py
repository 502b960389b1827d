"""What the API reads and writes: pydantic schemas (the OpenAPI document
is made from them). Money is a decimal string, points an integer."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import Field, PlainSerializer

# Money in answers: a string with the cents, whatever the database returned.
Money = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.2f}", return_type=str)]


class TierOut(Schema):
    id: int
    name: str
    rank: int
    retail_discount: Decimal = Field(description="percent off, e.g. 5 = pay 95 %")
    wholesale_discount: Decimal
    points_multiplier: Decimal
    discount_text: str


class ExpiringOut(Schema):
    points: int
    first_date: date | None


class ProgressOut(Schema):
    sentence: str
    next_tier: str | None
    options: list[str]


class MemberOut(Schema):
    member_number: str
    name: str
    phone: str
    blocked: bool
    tier: TierOut
    points_balance: int
    cash_value: Money
    expiring: ExpiringOut
    stage: str
    progress: ProgressOut


class MemberBrief(Schema):
    member_number: str
    name: str
    phone: str
    tier: str
    points_balance: int


class FindOut(Schema):
    matches: list[MemberBrief]
    more: bool = Field(description="more matched than shown: send more digits")


class EnrolIn(Schema):
    phone: str = Field(max_length=40)
    name: str = Field(max_length=100)
    email: str = Field("", max_length=254)
    birthday: date | None = None
    referred_by: str = Field("", max_length=40, description="member number or phone")


class SaleTerms(Schema):
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    points_to_redeem: int = Field(0, ge=0, le=1_000_000_000)
    coupon: str = Field("", max_length=40)
    wholesale: bool = False


class SaleIn(SaleTerms):
    member: str = Field(max_length=20, description="member number")
    receipt: str = Field("", max_length=100, description="the till's own receipt number")


class CampaignLine(Schema):
    campaign: str
    points: int


class QuoteOut(Schema):
    gross_amount: Money
    discount_percent: Decimal
    discount_amount: Money
    coupon_code: str
    coupon_discount: Money
    amount_due: Money
    points_to_redeem: int
    redeemed_value: Money
    amount_paid: Money
    points_earned: int
    max_redeemable_points: int
    min_redeem_points: int
    points_balance: int
    value_multiplier: Decimal = Field(
        Decimal("1"), description="points pay this many times the redemption rate today"
    )
    campaign_bonuses: list[CampaignLine]


class SaleOut(Schema):
    id: int
    member: str
    created_at: datetime
    receipt: str
    gross_amount: Money
    wholesale: bool
    discount_percent: Decimal
    discount_amount: Money
    coupon_code: str
    coupon_discount: Money
    points_redeemed: int
    redeemed_value: Money
    amount_paid: Money
    points_earned: int
    refunded_amount: Money
    balance_after: int | None = Field(None, description="only in the answer that recorded it")


class RefundIn(Schema):
    amount: Decimal | None = Field(
        None, gt=0, max_digits=12, decimal_places=2, description="empty: all that is left"
    )
    reason: str = Field("", max_length=200)


class RefundOut(Schema):
    id: int
    sale: int
    created_at: datetime
    amount: Money
    points_returned: int
    points_reversed: int
    points_shortfall: int = Field(description="earned points already spent: not taken back")


class RedeemIn(Schema):
    reward: int
    quantity: int = Field(1, ge=1, le=100)


class RedemptionOut(Schema):
    id: int
    reward: int
    reward_name: str
    quantity: int
    points_spent: int
    status: str
    coupons: list[str]
    balance_after: int


class CouponOut(Schema):
    code: str
    reward: str
    value: Money | None
    percent: Decimal | None
    min_spend: Money  # the smallest bill (after the tier discount) it takes; 0: any
    valid_from: date
    expires_on: date


class CouponCheckOut(Schema):
    code: str
    discount: Money
    amount_after: Money


class EntryOut(Schema):
    id: int
    kind: str
    kind_label: str
    points: int
    created_at: datetime
    reason: str
    expires_on: date | None
    remaining: int | None
    sale: int | None


class EntryPage(Schema):
    items: list[EntryOut]
    next_cursor: str | None


class SalePage(Schema):
    items: list[SaleOut]
    next_cursor: str | None


class RulesOut(Schema):
    earn_points: int
    earn_per_amount: Money
    redeem_points: int
    redeem_value: Money
    min_redeem_points: int
    max_bill_share: Decimal
    expiry_policy: str


class RewardOut(Schema):
    id: int
    name: str
    kind: str
    points_cost: int
    stock: int | None
    min_tier: str | None
    valid_from: date | None
    valid_to: date | None


class CampaignOut(Schema):
    id: int
    name: str
    multiplier: Decimal
    bonus_points: int
    ends_on: date


class ProgrammeOut(Schema):
    currency: str
    rules: RulesOut
    tiers: list[TierOut]
    rewards: list[RewardOut]
    campaigns_today: list[CampaignOut]


class FieldError(Schema):
    field: str
    message: str


class Problem(Schema):
    """RFC 9457 problem details, as every refusal is answered."""

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="stable: branch on it")
    field: str | None = None
    errors: list[FieldError] | None = None


# The refusals any endpoint may answer (its own add 404 and 422).
PROBLEMS = {
    400: Problem,
    401: Problem,
    403: Problem,
    404: Problem,
    413: Problem,
    422: Problem,
    429: Problem,
}
