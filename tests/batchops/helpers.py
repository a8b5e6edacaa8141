"""Helpers shared by the batchops tests."""

from django.db import connections
from django.test.utils import CaptureQueriesContext

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def data_statements(context):
    """Return the SQL captured by ``context``, without transaction control."""
    return [
        query["sql"]
        for query in context.captured_queries
        if not query["sql"].lstrip().upper().startswith(TRANSACTION_CONTROL)
    ]


def statements_starting(context, keyword):
    return [sql for sql in data_statements(context) if sql.lstrip().upper().startswith(keyword)]


def capture(alias="default"):
    return CaptureQueriesContext(connections[alias])


def table(model, *fields, using="default"):
    """Return the rows of ``model`` as sorted tuples of ``fields``."""
    return sorted(model._base_manager.using(using).values_list(*fields))
