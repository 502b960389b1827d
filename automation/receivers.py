"""What automation does when the apps below it announce something."""

from automation.offers import welcome_new_member
from members.signals import member_enrolled


def connect():
    member_enrolled.connect(welcome_new_member, dispatch_uid="automation.welcome_new_member")
