"""Benchmark of BatchOperation against a save() loop and bare bulk_create().

Run with ``make bench-batch`` or ``python -m bench.batch``. For 100 and 20,000 new rows
it times a ``save()`` loop, ``BatchOperation`` with its default sizes (pool 500, batch
100), the same with ``atomic=True``, and ``bulk_create(batch_size=100)``. For 10,000
loaded rows it times a ``save()`` loop and ``BatchOperation`` writing changed titles.
Each contender runs on SQLite (a temporary file) and on PostgreSQL (a database of its
own, ``batchops_bench``, created when missing), never on the demo database.

Rounds interleave the contenders, rotating their order. The report gives medians,
ratios to ``bulk_create`` or to the ``save()`` loop, and the SQL statements each sent.
Results go to bench/results/batch.json and a chart to docs/batchops_bench.png.

``BENCH_POSTGRES_URL`` selects the PostgreSQL server (default
postgres://postgres@127.0.0.1:5432/batchops_bench).
"""

import argparse
import gc
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import django
import psycopg
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "batch.json"
CHART = ROOT / "docs" / "batchops_bench.png"
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/batchops_bench"
)
INSERT_SIZES = (100, 20_000)
UPDATE_SIZE = 10_000
# Rounds per row count: (rounds of the batched contenders, rounds of the save() loop).
# The save() loop of 20,000 rows took 10 to 30 seconds a round on the machine of
# docs/benchmarks.md, so it gets a few rounds of its own. The batched contenders
# interleave among themselves over more rounds.
ROUNDS = {100: (31, 31), 20_000: (11, 3), UPDATE_SIZE: (11, 3)}
SLOW = "save() loop"


def configure(sqlite_path):
    import dj_database_url

    postgres = dj_database_url.parse(POSTGRES_URL)
    settings.configure(
        DATABASES={
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": sqlite_path},
            "postgres": postgres,
        },
        INSTALLED_APPS=["django.contrib.contenttypes", "batchops", "project"],
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        USE_TZ=True,
    )
    django.setup()


def create_postgres_database():
    """Create the benchmark's PostgreSQL database when it does not exist yet."""
    from django.db import connections

    params = connections["postgres"].get_connection_params()
    name = params.pop("dbname")
    params["dbname"] = "postgres"
    with psycopg.connect(**params, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')


def create_table(alias):
    from django.db import connections

    from project.models import Post

    with connections[alias].schema_editor() as editor:
        if Post._meta.db_table in connections[alias].introspection.table_names():
            editor.delete_model(Post)
        editor.create_model(Post)


def empty_table(alias):
    from django.db import connections

    from project.models import Post

    table = connections[alias].ops.quote_name(Post._meta.db_table)
    with connections[alias].cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")


def new_posts(count):
    from project.models import Post

    text = "benchmark text " * 4
    return [Post(title=f"post {number}", text=text) for number in range(count)]


def fill_and_load(alias, count):
    """Insert ``count`` posts and return them loaded, with changed titles."""
    from project.models import Post

    empty_table(alias)
    Post.objects.using(alias).bulk_create(new_posts(count), batch_size=1000)
    posts = list(Post.objects.using(alias).order_by("pk"))
    for post in posts:
        post.title += " changed"
    return posts


def save_loop(alias, posts):
    for post in posts:
        post.save(using=alias)


def batch_operation(alias, posts):
    from batchops import BatchOperation

    with BatchOperation() as op:
        for post in posts:
            op.save(post, using=alias)


def batch_operation_atomic(alias, posts):
    from batchops import BatchOperation

    with BatchOperation({alias: {}}, atomic=True) as op:
        for post in posts:
            op.save(post, using=alias)


def bare_bulk_create(alias, posts):
    from project.models import Post

    Post.objects.using(alias).bulk_create(posts, batch_size=100)


INSERT_CONTENDERS = {
    "save() loop": save_loop,
    "BatchOperation": batch_operation,
    "atomic=True": batch_operation_atomic,
    "bulk_create": bare_bulk_create,
}
UPDATE_CONTENDERS = {"save() loop": save_loop, "BatchOperation": batch_operation}


def prepare(alias, case, count):
    if case == "insert":
        empty_table(alias)
        return new_posts(count)
    return fill_and_load(alias, count)


def time_case(alias, case, count, contenders, rounds):
    """Time each contender ``rounds`` times, rotating their order every round.

    Return the timings and the statements each contender sent in its last round,
    transaction control aside. An execute wrapper counts them in every round, so all
    contenders pay the same small cost for it.
    """
    from django.db import connections

    names = list(contenders)
    timings = {name: [] for name in names}
    statements = {}
    control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")

    # One untimed round first, so that no contender pays for first-use costs.
    for name in names:
        contenders[name](alias, prepare(alias, case, min(count, 100)))

    for round_number in range(rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            posts = prepare(alias, case, count)
            sent = []

            def counter(execute, sql, params, many, context):
                if not sql.startswith(control):
                    sent.append(sql)
                return execute(sql, params, many, context)

            gc.collect()
            with connections[alias].execute_wrapper(counter):
                started = time.perf_counter()
                contenders[name](alias, posts)
                timings[name].append(time.perf_counter() - started)
            statements[name] = len(sent)
    return timings, statements


def run(rounds_factor):
    results = []
    cases = [("insert", size, INSERT_CONTENDERS) for size in INSERT_SIZES]
    cases.append(("update", UPDATE_SIZE, UPDATE_CONTENDERS))
    for alias in ("default", "postgres"):
        create_table(alias)
        for case, count, contenders in cases:
            fast_rounds, slow_rounds = (max(1, round(r * rounds_factor)) for r in ROUNDS[count])
            if fast_rounds == slow_rounds:
                timings, statements = time_case(alias, case, count, contenders, fast_rounds)
            else:
                fast = {name: run for name, run in contenders.items() if name != SLOW}
                timings, statements = time_case(alias, case, count, fast, fast_rounds)
                slow_timings, slow_statements = time_case(
                    alias, case, count, {SLOW: contenders[SLOW]}, slow_rounds
                )
                timings.update(slow_timings)
                statements.update(slow_statements)
            for name in contenders:
                results.append(
                    {
                        "database": "SQLite" if alias == "default" else "PostgreSQL",
                        "case": case,
                        "rows": count,
                        "contender": name,
                        "rounds": len(timings[name]),
                        "median_seconds": statistics.median(timings[name]),
                        "statements": statements[name],
                        "all_seconds": timings[name],
                    }
                )
            print_case(results[-len(contenders) :])
        empty_table(alias)
    return results


def baseline_of(group):
    names = {row["contender"]: row for row in group}
    return names.get("bulk_create") or names["save() loop"]


def print_case(group):
    baseline = baseline_of(group)
    first = group[0]
    print(f"\n{first['database']}, {first['case']} of {first['rows']:,} rows (medians):")
    for row in group:
        ratio = row["median_seconds"] / baseline["median_seconds"]
        print(
            f"  {row['contender']:<15} {row['median_seconds'] * 1000:10.1f} ms  "
            f"{ratio:7.3f}x {baseline['contender']:<12} {row['statements']:6} statements  "
            f"{row['rounds']:3} rounds"
        )


def draw_chart(results):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = []
    for row in results:
        key = (row["database"], row["case"], row["rows"])
        if key not in groups:
            groups.append(key)
    contenders = list(INSERT_CONTENDERS)
    colors = {
        "save() loop": "#d62728",
        "BatchOperation": "#1f77b4",
        "atomic=True": "#9ecae1",
        "bulk_create": "#7f7f7f",
    }
    width = 0.2
    figure, axes = plt.subplots(figsize=(10, 4.5))
    for index, name in enumerate(contenders):
        xs, heights = [], []
        for position, key in enumerate(groups):
            for row in results:
                if (row["database"], row["case"], row["rows"]) == key and row["contender"] == name:
                    xs.append(position + (index - 1.5) * width)
                    heights.append(row["median_seconds"] * 1000)
        label = "BatchOperation(atomic=True)" if name == "atomic=True" else name
        axes.bar(xs, heights, width, label=label, color=colors[name])
    axes.set_yscale("log")
    axes.set_ylabel("median time, ms (log scale)")
    axes.set_xticks(range(len(groups)))
    axes.set_xticklabels([f"{db}\n{case} {rows:,}" for db, case, rows in groups], fontsize=8)
    axes.set_title("Saving Post rows, median of interleaved rounds (bench/batch.py)")
    axes.legend()
    figure.tight_layout()
    figure.savefig(CHART, dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rounds-factor",
        type=float,
        default=1.0,
        help="Multiply the number of rounds of every case by this factor (default 1.0).",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        configure(str(Path(directory) / "bench.sqlite3"))
        try:
            create_postgres_database()
        except psycopg.OperationalError as error:
            parser.exit(
                1,
                f"PostgreSQL at {POSTGRES_URL} is not reachable ({error}). Start it or set "
                "BENCH_POSTGRES_URL to a server where this user may create a database.\n",
            )
        results = run(args.rounds_factor)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    draw_chart(results)
    print(f"\nResults: {RESULTS.relative_to(ROOT)}, chart: {CHART.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
