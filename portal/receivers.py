"""What the member pages do when other apps announce something."""

from django.contrib.auth.signals import user_logged_in
from django.utils import timezone

from automation.messaging import message_context
from members.signals import member_signed_out_everywhere
from portal.models import MemberSession


def revoke_sessions(sender, *, member, **kwargs):
    """The generation already locks them out; mark the rows so the member's
    list of phones says so too."""
    MemberSession.objects.filter(member=member, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def add_link(sender, *, member, **kwargs):
    """{link} in any message to a member: their personal link."""
    from portal.links import link_url

    return {"link": link_url(member)}


def forget_member_on_staff_log_in(sender, *, request, user, **kwargs):
    """A staff log-in in a browser holding a member's session ends that
    session here: one person per browser."""
    from portal.access import SESSION_KEY

    if request is not None and hasattr(request, "session"):
        request.session.pop(SESSION_KEY, None)


def connect():
    member_signed_out_everywhere.connect(revoke_sessions, dispatch_uid="portal.revoke_sessions")
    message_context.connect(add_link, dispatch_uid="portal.add_link")
    user_logged_in.connect(forget_member_on_staff_log_in, dispatch_uid="portal.forget_member")
