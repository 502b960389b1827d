"""After a database restart a kept connection is replaced, not reused for a 500."""

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connection, connections

from members.models import Member


def test_connections_are_checked_before_reuse():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_killed_connection_is_replaced_at_the_next_request():
    if connection.vendor != "postgresql":
        pytest.skip("terminates a PostgreSQL backend")
    Member.objects.count()
    pid = connection.connection.info.backend_pid
    killer = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        killer.close()
    close_old_connections()  # what Django does when the next request starts
    assert Member.objects.count() == 0
    assert connection.connection.info.backend_pid != pid
