"""make bench / make bench-quick: python -m bench [--quick] [--only NAME ...]

Creates the database named by DATABASE_URL if it is missing, migrates it,
fills it with generate_data when it does not hold a synthetic shop of the
size asked, runs the figures and writes bench/results.json.
"""

import argparse
import os
import sys
import time
import warnings
from dataclasses import dataclass, field

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/loyalty_bench")


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="50,000 members, short runs")
    parser.add_argument("--members", type=int, help="default 1,000,000 (50,000 with --quick)")
    parser.add_argument("--years", type=float, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", nargs="*", help="run only these figures (see bench/figures.py)")
    args = parser.parse_args(argv)
    args.members = args.members or (50_000 if args.quick else 1_000_000)
    return args


def ensure_database():
    """CREATE DATABASE for DATABASE_URL when it does not exist yet."""
    import psycopg
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor != "postgresql":
        sys.exit("The benchmarks run on PostgreSQL: set DATABASE_URL=postgres://...")
    params = {
        "host": db.get("HOST") or "127.0.0.1",
        "port": db.get("PORT") or 5432,
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if exists.fetchone() is None:
            print(f"creating database {db['NAME']}")
            admin.execute(f'CREATE DATABASE "{db["NAME"]}"')


def ensure_shop(args):
    """Generate the synthetic shop unless the database already holds it."""
    from django.core.management import call_command

    from members.models import Member
    from points.models import LedgerEntry, Purchase

    count = Member.objects.count()
    synthetic = Purchase.objects.filter(idempotency_key__startswith="syn-sale-").exists()
    if count and not synthetic:
        sys.exit(
            f"{count} members that generate_data did not write are in this database: "
            "point DATABASE_URL at a benchmark database (loyalty_bench)."
        )
    if count != args.members:
        print(f"generating {args.members:,} members ({args.years:g} years, seed {args.seed})")
        call_command(
            "generate_data",
            members=args.members,
            years=args.years,
            seed=args.seed,
            replace=True,
        )
    return {
        "members": Member.objects.count(),
        "ledger_entries": LedgerEntry.objects.count(),
        "purchases": Purchase.objects.count(),
        "years": args.years,
        "seed": args.seed,
    }


@dataclass
class Context:
    quick: bool
    dataset: dict
    sample: list
    seconds: int = 10  # pgbench -T and the record_purchase run
    requests: int = 200  # requests per latency figure
    tier_sample: int = 10_000
    import_rows: int = 20_000
    import_file_rows: int = 1_000_000
    dashboard_requests: int = 10
    seed: int = 1
    baselines: dict = field(default_factory=dict)

    def _client(self, group):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.test import Client

        from config.roles import sync_roles

        sync_roles()
        user, _created = get_user_model().objects.get_or_create(username=f"bench-{group.lower()}")
        user.groups.add(Group.objects.get(name=group))
        client = Client()
        client.force_login(user)
        return client

    def staff_client(self):
        from config.roles import STAFF

        return self._client(STAFF)

    def owner_client(self):
        from config.roles import OWNER

        return self._client(OWNER)


def serve_the_test_client():
    """What the Django test client needs (its host name, e-mail kept in
    memory), without setup_test_environment's template instrumentation:
    that copies every rendered template's context for test assertions, 1-3
    ms of each counter request that no real request pays."""
    from django.conf import settings
    from django.core import mail
    from django.utils.translation import deactivate

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    deactivate()


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.figures import FIGURES
    from bench.harness import HEADER, line, machine, sample_members, write_results

    started = time.time()
    ensure_database()
    call_command("migrate", verbosity=0)
    dataset = ensure_shop(args)
    serve_the_test_client()
    warnings.filterwarnings("ignore", message="No directory at")  # static files: not served
    ctx = Context(
        quick=args.quick,
        dataset=dataset,
        sample=sample_members(2000, args.seed),
        requests=100 if args.quick else 200,
        tier_sample=1000 if args.quick else 10_000,
        import_rows=2000 if args.quick else 20_000,
        import_file_rows=50_000 if args.quick else 1_000_000,
        dashboard_requests=20,
        seed=args.seed,
    )
    info = machine(connection)
    print(
        f"{dataset['members']:,} members, {dataset['ledger_entries']:,} ledger rows on "
        f"{info['postgresql']}, {info['nproc']} CPUs, {info['memory_gb']} GB, "
        f"load {info['load_average_at_start']}"
    )
    print(HEADER)
    results = []
    for name, figure in FIGURES.items():
        if args.only and name not in args.only:
            continue
        outcome = figure(ctx)
        for result in outcome if isinstance(outcome, list) else [outcome]:
            print(line(result), flush=True)
            results.append(result)
    path = write_results(machine_info=info, dataset=dataset, results=results, started=started)
    print(f"wrote {path.relative_to(path.parent.parent)} in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
