"""The one lock order. Every row lock a service takes goes through here.

A transaction that locks rows of several kinds takes them in this order,
each kind in the order its step names, so that two transactions never wait
on each other in a circle (a deadlock):

1. member rows, by primary key (the sale's own statement, points.sale_sql,
   takes its one member row the same way); a write to a member row then
   takes its sort keys row (members.sort_keys' trigger, in the same
   statement), which nothing else writes;
2. the points lots of those members, earliest expiry first, then by id;
3. rows a member's operation draws on: a reward's stock, a coupon, a
   redemption, a sale being refunded, by primary key.

Settings rows and tier rows are read by every sale (the foreign key from a
sale to its tier takes a KEY SHARE lock on the tier row when the sale
commits). A service that changes them takes FOR NO KEY UPDATE, which a KEY
SHARE lock does not wait for, so an owner saving a tier never blocks on, or
deadlocks with, a sale; and a service that then moves members takes their
rows in step 1's order.

Each function takes the queryset to lock, so this module imports no app:
the apps pass their own rows down. Call these inside a transaction.
"""

from django.db.models import F


def lock_members(queryset) -> list:
    """Step 1: member rows, in primary-key order. Only the member table's
    rows are locked (`of=self`), not those of related rows read with them."""
    return list(queryset.select_for_update(of=("self",)).order_by("pk"))


def lock_member(queryset, pk):
    """Step 1 for one member: the locked row (`queryset` may select_related)."""
    return queryset.select_for_update(of=("self",)).get(pk=pk)


def lock_members_skipping_busy(queryset) -> list:
    """Step 1 for a batch job: the ids of the rows no one holds now, in
    primary-key order; rows held by a sale are left for the caller to take
    one by one (SKIP LOCKED), so the batch never waits inside a chunk."""
    return list(
        queryset.select_for_update(of=("self",), skip_locked=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def lock_lots(queryset) -> list:
    """Step 2: lots, earliest expiry first (lots that never expire last),
    then oldest; the order a spend draws them in."""
    return list(
        queryset.select_for_update(of=("self",)).order_by(
            F("expires_on").asc(nulls_last=True), "id"
        )
    )


def lock_row(queryset, **lookup):
    """Step 3: one row a member's operation draws on (stock, a coupon, a
    redemption, a sale), after the member. Raises the model's DoesNotExist."""
    return queryset.select_for_update(of=("self",)).get(**lookup)


def lock_rows(queryset) -> list:
    """Step 3 for several rows, in primary-key order."""
    return list(queryset.select_for_update(of=("self",)).order_by("pk"))


def lock_settings(queryset, **lookup):
    """A settings or tier row an owner changes: FOR NO KEY UPDATE, which
    the sales that reference it (KEY SHARE at commit) never wait for."""
    return queryset.select_for_update(no_key=True).get(**lookup)


def lock_settings_rows(queryset) -> list:
    """Several settings or tier rows, FOR NO KEY UPDATE, in primary-key order."""
    return list(queryset.select_for_update(no_key=True).order_by("pk"))


def lock_lots_of_members(queryset):
    """Step 2 for many members at once (a batch that holds their rows):
    by member, then in each member's spending order."""
    return queryset.select_for_update(of=("self",)).order_by(
        "member_id", F("expires_on").asc(nulls_last=True), "id"
    )


def lock_job(queryset, **lookup):
    """A bookkeeping row of a job (an import, a nightly run, a follow-up, a
    message) held while nothing of a member is: outside the member order."""
    return queryset.select_for_update().get(**lookup)


def lock_or_create_job(queryset, *, defaults, **lookup):
    """lock_job, creating the row when it is missing: (row, created)."""
    return queryset.select_for_update().get_or_create(defaults=defaults, **lookup)


def claim_job(queryset):
    """The first row of `queryset` no other worker holds, locked, or None:
    workers sharing a queue each take a different row (SKIP LOCKED)."""
    return queryset.select_for_update(skip_locked=True).first()


def for_update_clause(db) -> str:
    """The SQL suffix of step 1 for hand-written statements."""
    return " FOR UPDATE" if db.features.has_select_for_update else ""
