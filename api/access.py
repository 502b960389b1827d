"""What every endpoint checks first: the key's scope, and the member the
address names (by member number)."""

from django.db import connection
from django.utils.translation import gettext as _

from api.problems import Problem
from members.models import Member


def require_scope(request, scope):
    if scope not in request.auth.scopes:
        raise Problem(
            403,
            "scope_missing",
            _("This API key may not do that: it needs the “%(scope)s” scope.") % {"scope": scope},
        )


def member_not_found(number):
    return Problem(
        404, "member_not_found", _("No member has the number %(number)s.") % {"number": number}
    )


def member_by_number(number) -> Member:
    member = Member.objects.select_related("tier").filter(member_number=str(number)).first()
    if member is None:
        raise member_not_found(number)
    return member


def member_id_by_number(number) -> int:
    """Only the id, for a service that reads and locks the member itself
    (the sale): one narrow read, not the whole row twice, in SQL written
    once (the ORM compiling it cost more than the database answering it)."""
    meta = Member._meta
    name = connection.ops.quote_name
    sql = (
        f"SELECT {name(meta.pk.column)} FROM {name(meta.db_table)} "
        f"WHERE {name(meta.get_field('member_number').column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [str(number)])
        row = cursor.fetchone()
    if row is None:
        raise member_not_found(number)
    return row[0]
