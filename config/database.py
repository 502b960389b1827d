"""Cursors for statements that send their values apart from their text."""


def server_binding_cursor(db):
    """A cursor that sends the values of its statements apart from their
    text (PostgreSQL: bound on the server), wrapped as Django wraps its
    cursors (errors, query log); elsewhere, the connection's own cursor.

    Django's cursors bind on the client: each value is spelled into the
    statement's text. psycopg remembers the text of the last hundred
    statements of a connection (to prepare those run often, the
    `prepare_threshold` in config.settings), so a statement carrying a
    megabyte of values keeps that megabyte for as long as the connection
    lives. Bound on the server, the text stays short and the same from one
    run to the next: psycopg prepares it after a few uses, and PostgreSQL
    parses and plans it once instead of every time.
    """
    if db.vendor != "postgresql":
        return db.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    db.ensure_connection()
    return db._prepare_cursor(ServerBindingCursor(db.connection))
