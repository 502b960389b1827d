"""What happens to a member that the apps built on members act on.

members is the lowest app: it may not call points or tiers. So its services
announce these events inside their own transaction, and the apps above
connect receivers in their AppConfig.ready() (points gives behaviour points
for joining and a completed profile; tiers re-evaluates a merged member).
A receiver runs in the service's transaction: if it fails, nothing of the
change is kept.
"""

from django.dispatch import Signal

# member, by: a member was enrolled (the row is saved, the member unlocked
# by no one else yet).
member_enrolled = Signal()

# member, by: the member's profile is complete (an email and a birthday);
# sent after every change that leaves it complete, receivers keep to once.
profile_completed = Signal()

# keep, absorb, by: `absorb` was folded into `keep` (both rows locked).
members_merged = Signal()

# member, by: every device signed in to the member's own pages, and every
# personal link issued before, stopped working ("sign out everywhere").
member_signed_out_everywhere = Signal()
