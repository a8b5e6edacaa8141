"""The query plan of a warm page: an index scan that starts at the page boundary."""

import datetime
import json

import pytest
from django.db import connection

from pager import Pager
from project.models import Article
from tests.pager.helpers import capture_sql

ROWS = 3000
PAGE_SIZE = 20


@pytest.fixture
def articles(db):
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    Article.objects.bulk_create(
        Article(title=f"t{index % 97}", body="", author="a", created=start + datetime.timedelta(seconds=index // 3))
        for index in range(ROWS)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Article._meta.db_table}")


def warm_page_sql(order, page):
    for number in range(1, page + 1):
        with capture_sql() as sql:
            Pager(query=Article.objects.order_by(order), page=number).paginate(page_size=PAGE_SIZE)
    (query,) = sql.captured_queries
    return query["sql"]


def plan_nodes(node):
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


# Columns: the ordering, its leading column, and the index on it with the primary key.
ORDERINGS = [("-created", "created", "article_newest_idx"), ("title", "title", "article_title_idx")]


@pytest.mark.parametrize(("order", "column", "index"), ORDERINGS)
def test_warm_page_uses_index(articles, order, column, index):
    sql = warm_page_sql(order, page=40)

    assert "IS NULL" not in sql.upper()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            raw = cursor.fetchone()[0]
            plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
            nodes = list(plan_nodes(plan))
            scans = [node for node in nodes if node["Node Type"] in ("Index Scan", "Index Only Scan")]
            assert len(scans) == 1, json.dumps(plan, indent=1)
            # The range condition on the leading column starts the scan at the boundary.
            # PostgreSQL may pick the single-column index on created and sort ties
            # incrementally, which also reads only the rows of the page.
            assert column in scans[0].get("Index Cond", ""), json.dumps(plan, indent=1)
            assert not [node for node in nodes if node["Node Type"] in ("Sort", "Seq Scan", "Bitmap Heap Scan")]
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            details = " | ".join(str(row[-1]) for row in cursor.fetchall())
            assert f"USING INDEX {index}" in details or f"USING COVERING INDEX {index}" in details, details
            assert "TEMP B-TREE" not in details, details
