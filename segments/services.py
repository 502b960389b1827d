"""Saving and deleting segments (owners only)."""

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from config.errors import LoyaltyError
from config.roles import require_owner
from config.text import clean_text
from segments.models import Segment
from segments.selectors import clean_criteria


@transaction.atomic(durable=True)
def save_segment(*, segment=None, name, criteria, by) -> Segment:
    """Create (`segment` None) or change a segment; `criteria` as the form
    posts them, checked by the member list's filters."""
    require_owner(by)
    name = clean_text(name or "")
    if not name:
        raise LoyaltyError(_("Give the segment a name."), field="name", code="segment_name")
    if len(name) > Segment._meta.get_field("name").max_length:
        raise LoyaltyError(
            _("A segment's name is at most 100 characters."), field="name", code="segment_name"
        )
    segment = segment or Segment(created_by=by)
    segment.name = name
    segment.criteria = clean_criteria(criteria)
    segment.save()
    return segment


@transaction.atomic(durable=True)
def delete_segment(*, segment, by) -> None:
    """Delete a segment no message was written to (their results keep it)
    and no campaign aims at (campaigns.Campaign.saved_segment protects it)."""
    require_owner(by)
    if segment.messages.exists():
        raise LoyaltyError(
            _("Messages were written to this segment; it stays so their results can be read."),
            code="segment_in_use",
        )
    try:
        segment.delete()
    except ProtectedError as refused:
        # Campaigns name it as their "who" (the campaigns app sits above this one).
        names = sorted({str(obj) for obj in refused.protected_objects})
        raise LoyaltyError(
            _(
                "Campaigns are aimed at this segment (%(names)s): change their “Who” "
                "to everyone or another segment first, then delete it."
            )
            % {"names": ", ".join(f"“{name}”" for name in names)},
            code="segment_in_campaigns",
        ) from None
