from tiers.models import Tier


def entry_tier():
    """The tier a new member starts in: the lowest active rank."""
    return Tier.objects.lowest_active()
