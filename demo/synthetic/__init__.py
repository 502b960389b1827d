"""A synthetic shop for benchmarks: tiers, programme rules, a campaign,
members, sales and a points ledger that adds up, written fast enough for a
million members.

Deterministic: the same seed, size, years and end day give the same rows
(ids included). Every member is simulated on their own timeline (join bonus,
sales with points used as cash, catalogue rewards, birthday points, the
year-end expiry run), so the cached Member figures equal the ledger exactly.

PostgreSQL gets the rows through COPY, a chunk of members at a time, with
the indexes built once at the end; any other database (SQLite for tests)
through bulk_create. The whole load is one transaction.
"""
