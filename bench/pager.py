"""Benchmark of the Pager against Django's Paginator and a bare keyset query.

Run with ``make bench-pager`` or ``python -m bench.pager``. It fills 1,000,000 demo
articles into SQLite (a temporary file) and into PostgreSQL (a database of its own,
``pager_bench``, created when missing and reused while it has the same number of
rows), then times pages 1, 500, 5,000 and 49,999 of 20 rows, newest first, four ways:

- ``warm``: a Pager whose page start is cached, as when a visitor clicks Next;
- ``cold``: a Pager jump with every entry of the query deleted from the cache first;
- ``paginator``: ``Paginator(queryset, 20).page(n)`` with the same tie-breaker, which
  counts the rows and skips to the page with OFFSET;
- ``keyset``: the bare seek query with the boundary known, no cache and no pager.

Rounds interleave the contenders, pages and databases, and the report gives medians,
the ratios the targets name, the SQL queries and cache round trips of each contender,
and the most rows any one query may read (LIMIT + OFFSET). Results go to
bench/results/pager.json and a chart to docs/pager_bench.png.

``BENCH_POSTGRES_URL`` selects the PostgreSQL server (default
postgres://postgres@127.0.0.1:5432/pager_bench) and ``BENCH_REDIS_URL`` the Redis
that caches page boundaries (default redis://127.0.0.1:6379/14; its entries go under
the key prefix ``pager-bench`` and are deleted at the end). ``--cache locmem`` uses the
local-memory cache instead, to show the cost of the Redis round trips.
"""

import argparse
import datetime
import gc
import json
import os
import re
import statistics
import tempfile
import time
from pathlib import Path

import django
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "pager.json"
CHART = ROOT / "docs" / "pager_bench.png"
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/pager_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
ROWS = 1_000_000
PAGE_SIZE = 20
PAGES = (1, 500, 5_000, 49_999)
CONTENDERS = ("warm", "cold", "paginator", "keyset")
ALIASES = ("postgres", "sqlite")
# Rows created per second of the created column, so that equal values tie in groups.
ROWS_PER_SECOND = 3
START = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


def configure(sqlite_path, cache):
    import dj_database_url

    if cache == "redis":
        bench_cache = {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "pager-bench",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 5},
        }
    else:
        bench_cache = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pager-bench"}

    settings.configure(
        DATABASES={
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": sqlite_path},
            "sqlite": {"ENGINE": "django.db.backends.sqlite3", "NAME": sqlite_path},
            "postgres": dj_database_url.parse(POSTGRES_URL),
        },
        CACHES={
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "bench": bench_cache,
        },
        PAGER={"CACHE": "bench"},
        INSTALLED_APPS=["django.contrib.contenttypes", "pager", "project"],
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        USE_TZ=True,
        SECRET_KEY="pager-benchmark",
    )
    django.setup()


def create_postgres_database():
    """Create the benchmark's PostgreSQL database when it does not exist yet."""
    import psycopg

    name = settings.DATABASES["postgres"]["NAME"]
    server = settings.DATABASES["postgres"]
    with psycopg.connect(
        host=server["HOST"], port=server["PORT"] or 5432, user=server["USER"], password=server["PASSWORD"] or None,
        dbname="postgres", autocommit=True,
    ) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def fill(alias, rows):
    """Fill the article table of ``alias`` with ``rows`` rows, unless it contains that many already."""
    from django.core.management import call_command
    from django.db import connections

    from project.models import Article

    call_command("migrate", "project", database=alias, verbosity=0)
    table = Article._meta.db_table
    connection = connections[alias]
    if Article.objects.using(alias).count() != rows:
        started = time.perf_counter()
        insert_rows(connection, table, rows)
        print(f"filled {rows:,} rows on {alias} in {time.perf_counter() - started:.1f} s")
    # VACUUM also removes index entries of deleted rows, which deep index scans would
    # otherwise step over.
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {table}" if connection.vendor == "postgresql" else f"ANALYZE {table}")


def insert_rows(connection, table, rows):
    from django.db import transaction

    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {table} RESTART IDENTITY")
            cursor.execute(
                f"INSERT INTO {table} (title, body, author, created) "
                "SELECT 'Article ' || (i %% 1000), 'Body of article ' || i, 'Author ' || (i %% 100), "
                "%s + (i / %s) * interval '1 second' FROM generate_series(0, %s) AS i",
                [START, ROWS_PER_SECOND, rows - 1],
            )
            return
        cursor.execute(f"DELETE FROM {table}")
        batch = 50_000
        for offset in range(0, rows, batch):
            cursor.executemany(
                f"INSERT INTO {table} (title, body, author, created) VALUES (%s, %s, %s, %s)",
                [
                    (
                        f"Article {i % 1000}",
                        f"Body of article {i}",
                        f"Author {i % 100}",
                        # Stored as Django stores datetimes on SQLite, so that
                        # comparisons with query parameters hold.
                        connection.ops.adapt_datetimefield_value(
                            START + datetime.timedelta(seconds=i // ROWS_PER_SECOND)
                        ),
                    )
                    for i in range(offset, min(offset + batch, rows))
                ],
            )


def queryset(alias):
    from project.models import Article

    return Article.objects.using(alias).order_by("-created")


def clear_cache():
    from django.core.cache import caches

    cache = caches["bench"]
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()


def serve_with_pager(alias, page):
    from pager import Pager

    pager = Pager(query=queryset(alias), page=page)
    items, cursor, more = pager.paginate(page_size=PAGE_SIZE)
    if pager.page != page:
        raise RuntimeError(f"The pager served page {pager.page} on {alias}, not page {page}.")
    return items, pager.cache_round_trips


def serve_with_paginator(alias, page):
    from django.core.paginator import Paginator

    # The primary key breaks ties as the pager's does, so both serve the same rows.
    paged = queryset(alias).order_by("-created", "-id")
    return list(Paginator(paged, PAGE_SIZE).page(page).object_list), 0


def serve_with_keyset(alias, boundary):
    from django.db.models import Q

    if boundary is None:
        return list(queryset(alias).order_by("-created", "-id")[:PAGE_SIZE]), 0
    created, pk = boundary
    after = Q(created__lt=created) | Q(created=created, id__lt=pk)
    return list(queryset(alias).filter(created__lte=created).filter(after).order_by("-created", "-id")[:PAGE_SIZE]), 0


def boundary_before(alias, page):
    """Return (created, id) of the last row before ``page``, or None for page 1."""
    if page == 1:
        return None
    return queryset(alias).order_by("-created", "-id").values_list("created", "id")[(page - 1) * PAGE_SIZE - 1]


def run_once(alias, page, contender, boundaries):
    """Run one contender once; return (seconds, items, cache round trips)."""
    if contender == "cold":
        clear_cache()
    gc.collect()
    started = time.perf_counter()
    if contender in ("warm", "cold"):
        items, round_trips = serve_with_pager(alias, page)
    elif contender == "paginator":
        items, round_trips = serve_with_paginator(alias, page)
    else:
        items, round_trips = serve_with_keyset(alias, boundaries[alias, page])
    return time.perf_counter() - started, items, round_trips


def rows_read(sql):
    limit = re.search(r"\bLIMIT (\d+)", sql)
    offset = re.search(r"\bOFFSET (\d+)", sql)
    if limit is None:
        return None
    return int(limit.group(1)) + (int(offset.group(1)) if offset else 0)


def inspect(alias, page, contender, boundaries):
    """Return the queries, cache round trips and Redis packets of one untimed run."""
    import redis.connection
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    sends = [0]
    original = redis.connection.AbstractConnection.send_packed_command

    def counted(self, *args, **kwargs):
        sends[0] += 1
        return original(self, *args, **kwargs)

    redis.connection.AbstractConnection.send_packed_command = counted
    try:
        with CaptureQueriesContext(connections[alias]) as captured:
            seconds, items, round_trips = run_once(alias, page, contender, boundaries)
    finally:
        redis.connection.AbstractConnection.send_packed_command = original
    queries = [query["sql"] for query in captured.captured_queries]
    reads = [rows_read(sql) for sql in queries]
    return {
        "queries": len(queries),
        "counts": sum("COUNT(" in sql.upper() for sql in queries),
        "max_rows_read": None if None in reads else max(reads, default=0),
        "cache_round_trips": round_trips,
        "redis_packets": sends[0],
        "items": [item.pk for item in items],
    }


def run(rounds, rows):
    from django.db import connections

    for alias in ALIASES:
        fill(alias, rows)
    boundaries = {(alias, page): boundary_before(alias, page) for alias in ALIASES for page in PAGES}

    # Untimed runs: counts, and the same rows from every contender. The cold run also
    # warms the cache for the timed warm runs.
    details = {}
    for alias in ALIASES:
        for page in PAGES:
            for contender in ("cold", "warm", "paginator", "keyset"):
                details[alias, page, contender] = inspect(alias, page, contender, boundaries)
            reference = details[alias, page, "paginator"]["items"]
            for contender in CONTENDERS:
                if details[alias, page, contender]["items"] != reference:
                    raise RuntimeError(f"{contender} served other rows than Paginator on {alias}, page {page}.")

    timings = {key: [] for key in details}
    for round_number in range(rounds):
        for alias in ALIASES:
            for page in PAGES:
                # Cold first, so the warm run right after it reads what it cached.
                for contender in ("cold", "warm", "paginator", "keyset"):
                    seconds, items, round_trips = run_once(alias, page, contender, boundaries)
                    timings[alias, page, contender].append(seconds)
        print(f"round {round_number + 1}/{rounds} done")
    clear_cache()
    for alias in ALIASES:
        connections[alias].close()
    return details, timings


def summarise(details, timings):
    results = []
    for (alias, page, contender), samples in timings.items():
        detail = {key: value for key, value in details[alias, page, contender].items() if key != "items"}
        results.append(
            {
                "database": alias,
                "page": page,
                "contender": contender,
                "median_ms": statistics.median(samples) * 1000,
                "min_ms": min(samples) * 1000,
                "rounds": len(samples),
                **detail,
            }
        )
    return results


def print_report(results):
    by_key = {(row["database"], row["page"], row["contender"]): row for row in results}
    header = f"{'database':9} {'page':>6} {'contender':10} {'median ms':>10} {'queries':>7} {'COUNT':>5} {'max rows':>8} {'cache rt':>8} {'redis':>5}"
    print(header)
    for row in results:
        print(
            f"{row['database']:9} {row['page']:>6} {row['contender']:10} {row['median_ms']:>10.2f} "
            f"{row['queries']:>7} {row['counts']:>5} {row['max_rows_read'] or '-':>8} "
            f"{row['cache_round_trips']:>8} {row['redis_packets']:>5}"
        )
    print()
    print(f"{'database':9} {'page':>6} {'paginator/warm':>15} {'warm/keyset':>12} {'cold/warm':>10}")
    for alias in ALIASES:
        for page in PAGES:
            warm = by_key[alias, page, "warm"]["median_ms"]
            print(
                f"{alias:9} {page:>6} {by_key[alias, page, 'paginator']['median_ms'] / warm:>15.1f} "
                f"{warm / by_key[alias, page, 'keyset']['median_ms']:>12.2f} "
                f"{by_key[alias, page, 'cold']['median_ms'] / warm:>10.1f}"
            )


def draw_chart(results):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(ALIASES), figsize=(11, 4.2), sharey=True)
    width = 0.2
    for axis, alias in zip(axes, ALIASES):
        for index, contender in enumerate(CONTENDERS):
            medians = [
                next(row["median_ms"] for row in results if (row["database"], row["page"], row["contender"]) == (alias, page, contender))
                for page in PAGES
            ]
            axis.bar([position + (index - 1.5) * width for position in range(len(PAGES))], medians, width, label=contender)
        axis.set_xticks(range(len(PAGES)), [f"page {page:,}" for page in PAGES])
        axis.set_yscale("log")
        axis.set_title(f"{alias}, {ROWS:,} rows, 20 a page")
        axis.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("median time per page (ms, log scale)")
    axes[0].legend()
    figure.tight_layout()
    figure.savefig(CHART, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=9, help="Timed rounds of every case (default: 9).")
    parser.add_argument("--rows", type=int, default=ROWS, help=f"Rows in each database (default: {ROWS:,}).")
    parser.add_argument(
        "--cache",
        choices=["redis", "locmem"],
        default="redis",
        help="Cache of the page boundaries: Redis at BENCH_REDIS_URL, or local memory (default: redis).",
    )
    arguments = parser.parse_args()
    if arguments.rows < max(PAGES) * PAGE_SIZE:
        parser.error(f"--rows must be at least {max(PAGES) * PAGE_SIZE:,} to reach page {max(PAGES):,}.")

    with tempfile.TemporaryDirectory(prefix="pager-bench-") as directory:
        configure(str(Path(directory) / "bench.sqlite3"), arguments.cache)
        create_postgres_database()
        details, timings = run(arguments.rounds, arguments.rows)

    results = summarise(details, timings)
    print_report(results)
    # The chart shows the default run on Redis. The local-memory run only has results.
    results_path = RESULTS if arguments.cache == "redis" else RESULTS.with_name("pager_locmem.json")
    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.write_text(json.dumps(results, indent=1) + "\n")
    print(f"results: {results_path.relative_to(ROOT)}")
    if arguments.cache == "redis":
        draw_chart(results)
        print(f"chart: {CHART.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
