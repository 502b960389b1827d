"""The tier engine. The Tiers issue fills this in; until then a sale never
moves a member between tiers."""


def evaluate_member(*, member, as_of, reason, by=None):
    """Upgrade `member` at once if they now qualify for a higher tier.

    Runs inside the caller's transaction with the member row locked (it is
    called by record_purchase and by referrals). Returns the TierChange made,
    or None. Seam: the Tiers issue replaces this body.
    """
    return None
