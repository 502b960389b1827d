"""Drop the index on last_purchase_at.

Every sale sets last_purchase_at. While it was indexed, PostgreSQL could not
update the member row in place (a HOT update): each sale wrote a new entry
into all eleven indexes of the members table, the three GIN indexes of the
name and phone search among them. Without it, a sale's member update
touches no index. Measured on the 1M-member bench data, one cashier: the
database's CPU per sale went from 2.3 ms to 1.6 ms.

Nothing needed it: the lifecycle stages it was meant for (active, dormant,
churned) each hold a large share of the members, and their member-list
pages and counts took the same time with and without it (the first page
walks the joined_on order; a count reads the table either way).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("members", "0012_member_fillfactor")]

    operations = [
        migrations.RemoveIndex(model_name="member", name="member_last_purchase_idx"),
    ]
