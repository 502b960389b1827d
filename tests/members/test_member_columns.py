"""The members table as the migrations leave it on PostgreSQL."""

import pytest
from django.db import connection

pytestmark = pytest.mark.postgres


@pytest.mark.django_db
@pytest.mark.parametrize("column", ["phone", "member_number", "phone_tail", "name_key"])
def test_key_columns_compare_byte_by_byte(column):
    # members migration 0015; an AlterField of the column would drop it.
    if connection.vendor != "postgresql":
        pytest.skip("collations are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.collname FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation "
            "WHERE a.attrelid = 'members_member'::regclass AND a.attname = %s",
            [column],
        )
        assert cursor.fetchone() == ("C",)
