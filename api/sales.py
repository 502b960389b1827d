"/api/v1/sales: quote, record, read, refund."

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Router

from api import present, schemas
from api.access import member_id_by_number, member_not_found, require_scope
from api.idempotency import run_once
from api.problems import Problem
from loyalty.sale import quote_purchase, record_purchase
from members.models import Member
from points.models import Purchase
from points.refund import refund_purchase
from points.sale import MemberNumber

router = Router(tags=["sales"])
PROBLEM = schemas.PROBLEMS


@router.post(
    "/quote",
    response={200: schemas.QuoteOut, **PROBLEM},
    summary=gettext_noop("Quote a sale"),
    description=gettext_noop(
        "What the sale would cost and earn (tier discount, coupon, points as cash, "
        "campaigns), without recording anything. Needs no Idempotency-Key."
    ),
)
def quote(request, body: schemas.SaleIn):
    _may_quote(request)
    member_id = member_id_by_number(body.member)
    return present.quote(
        quote_purchase(
            member=member_id,
            amount=body.amount,
            points_to_redeem=body.points_to_redeem,
            wholesale=body.wholesale,
            coupon_code=body.coupon,
            store=request.auth.store_id,
        )
    )


def _may_quote(request):
    if "sell" not in request.auth.scopes:
        require_scope(request, "read")


@router.post(
    "",
    response={201: schemas.SaleOut, **PROBLEM},
    summary=gettext_noop("Record a sale"),
    description=gettext_noop(
        "The bill, points to redeem, a coupon, wholesale, and the till's receipt number. "
        "The server computes every figure. A replayed Idempotency-Key returns the first sale."
    ),
)
def record(request, body: schemas.SaleIn):
    require_scope(request, "sell")

    def operation(service_key):
        try:
            # By number: the sale's lock finds the member (no lookup first).
            purchase = record_purchase(
                member=MemberNumber(body.member),
                amount=body.amount,
                points_to_redeem=body.points_to_redeem,
                wholesale=body.wholesale,
                coupon_code=body.coupon,
                note=body.receipt,
                idempotency_key=service_key,
                by=request.auth.user,
                store=request.auth.store_id,
            )
        except Member.DoesNotExist:
            raise member_not_found(body.member) from None
        return 201, present.sale(purchase, body.member)

    return run_once(request, body.model_dump(mode="json"), operation, replayed_by_service=True)


def _sale(pk) -> Purchase:
    purchase = Purchase.objects.select_related("member").filter(pk=pk).first()
    if purchase is None:
        raise Problem(404, "sale_not_found", _("No sale has the number %(id)s.") % {"id": pk})
    return purchase


@router.get(
    "/{sale_id}",
    response={200: schemas.SaleOut, **PROBLEM},
    summary=gettext_noop("A sale"),
    description=gettext_noop("One sale with what has been refunded of it."),
)
def read(request, sale_id: int):
    require_scope(request, "read")
    purchase = _sale(sale_id)
    return present.sale(purchase, purchase.member.member_number)


@router.post(
    "/{sale_id}/refunds",
    response={201: schemas.RefundOut, **PROBLEM},
    summary=gettext_noop("Refund a sale"),
    description=gettext_noop(
        "In full (no amount) or in part. Gives back the refund's share of the points used "
        "and takes back its share of the points earned."
    ),
)
def refund(request, sale_id: int, body: schemas.RefundIn):
    require_scope(request, "refund")
    purchase = _sale(sale_id)

    def operation(service_key):
        done = refund_purchase(
            purchase=purchase,
            amount=body.amount,
            idempotency_key=service_key,
            by=request.auth.user,
            store=request.auth.store_id,
            reason=body.reason or _("Refund from a till"),
        )
        return 201, present.refund(done)

    return run_once(
        request,
        {"sale": sale_id, **body.model_dump(mode="json")},
        operation,
        replayed_by_service=True,
    )
