"/api/v1/programme: the shop's rules, tiers, rewards and today's campaigns."

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_noop
from ninja import Router

from api import present, schemas
from api.access import require_scope
from campaigns.rulebook import current_rulebook
from config.clock import shop_today
from rewards.models import Reward
from tiers.models import Tier

router = Router(tags=["programme"])


@router.get(
    "",
    response={200: schemas.ProgrammeOut, **schemas.PROBLEMS},
    summary=gettext_noop("The programme"),
    description=gettext_noop(
        "Earning and redemption rules, the active tiers, the rewards on offer today "
        "and today's campaigns."
    ),
)
def programme(request):
    require_scope(request, "read")
    today = shop_today()
    rulebook = current_rulebook()
    rules = rulebook.programme
    rewards = (
        Reward.objects.filter(is_active=True)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related("min_tier")
    )
    return {
        "currency": settings.CURRENCY,
        "rules": {name: getattr(rules, name) for name in schemas.RulesOut.model_fields},
        "tiers": [
            present.tier(tier) for tier in Tier.objects.filter(is_active=True).order_by("rank")
        ],
        "rewards": [
            {
                "id": reward.pk,
                "name": reward.display_name,
                "kind": reward.kind,
                "points_cost": reward.points_cost,
                "stock": reward.stock,
                "min_tier": reward.min_tier.display_name if reward.min_tier else None,
                "valid_from": reward.valid_from,
                "valid_to": reward.valid_to,
            }
            for reward in rewards
        ],
        "campaigns_today": [
            {
                "id": campaign.pk,
                "name": campaign.name,
                "multiplier": campaign.multiplier,
                "bonus_points": campaign.bonus_points,
                "ends_on": campaign.ends_on,
            }
            for campaign in rulebook.campaigns_on(today)
        ],
    }
