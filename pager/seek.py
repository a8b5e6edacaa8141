"""Build the seek filter: rows strictly after a page boundary in the paged order.

For columns c1..ck and boundary values b1..bk, "after" is the row comparison
``(c1, ..., ck) > (b1, ..., bk)`` taken column by column in each column's direction,
written as an OR of ANDs::

    c1 after b1  OR  (c1 = b1 AND c2 after b2)  OR  ...

and led by ``c1 at or after b1``, which a B-tree index on the ordering can use as the
start of its scan. NULL is a value here, sorting first or last as the database or the
ordering sets it. ``IS NULL`` branches appear only for columns that can be NULL, so a
query on non-null columns keeps the plain range conditions that an index serves.
"""

from django.db.models import Q


def seek_filter(columns, boundary, connection):
    """Return a Q object that matches the rows after ``boundary``."""
    branches = []
    equal_so_far = Q()
    for column, value in zip(columns, boundary):
        after = _after(column, value, connection)
        if after is not None:
            branches.append(equal_so_far & after)
        equal_so_far &= _equal(column, value)

    # The primary key ends every ordering and is never NULL, so branches is not empty.
    condition = Q(*branches, _connector=Q.OR)
    if len(columns) > 1:
        leading = _at_or_after(columns[0], boundary[0], connection)
        if leading is not None:
            condition = leading & condition
    return condition


def _lookup(column, suffix, value):
    return Q(**{f"{column.lookup}__{suffix}": value})


def _equal(column, value):
    if value is None:
        return _lookup(column, "isnull", True)
    return _lookup(column, "exact", value)


def _after(column, value, connection):
    """Return the condition for values strictly after ``value``, or None for none."""
    nulls_first = column.nulls_come_first(connection)
    if value is None:
        return _lookup(column, "isnull", False) if nulls_first else None
    condition = _lookup(column, "lt" if column.descending else "gt", value)
    if column.nullable and not nulls_first:
        condition |= _lookup(column, "isnull", True)
    return condition


def _at_or_after(column, value, connection):
    """Return the condition for values at or after ``value``, or None for all rows."""
    nulls_first = column.nulls_come_first(connection)
    if value is None:
        return None if nulls_first else _lookup(column, "isnull", True)
    condition = _lookup(column, "lte" if column.descending else "gte", value)
    if column.nullable and not nulls_first:
        condition |= _lookup(column, "isnull", True)
    return condition
