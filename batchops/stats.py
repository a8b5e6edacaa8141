"""Counters of what an operation wrote, per database alias."""

from contextlib import contextmanager
from dataclasses import dataclass

# Statements that only manage the transaction of a flush; they are not counted.
TRANSACTION_CONTROL_PREFIXES = ("BEGIN", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@dataclass
class AliasStats:
    """Rows and statements of one database alias, cumulative over a block.

    ``deleted`` counts rows as ``QuerySet.delete()`` does, cascades included.
    ``statements`` counts the SQL statements the flushes sent, without transaction
    control. ``fallbacks`` counts the objects written one at a time by ``save()``'s own
    code, such as multi-table inherited models.
    """

    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    statements: int = 0
    fallbacks: int = 0


@contextmanager
def count_statements(connection, stats):
    """Add the statements sent on ``connection`` inside the block to ``stats``."""

    def counter(execute, sql, params, many, context):
        if not sql.lstrip().upper().startswith(TRANSACTION_CONTROL_PREFIXES):
            stats.statements += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        yield
