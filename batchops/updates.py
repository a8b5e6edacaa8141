"""Batched UPDATE statements for loaded objects, in one statement per batch.

``bulk_update()`` builds ``SET col = CASE WHEN pk = ... THEN ... END``, which the
database evaluates row by row against every branch. This module joins the new values
to the table by primary key instead, and ``RETURNING`` names the rows that matched, so
that the caller can insert the others as ``save()`` does when its UPDATE matches no row:

- PostgreSQL: ``UPDATE ... FROM unnest(%s::type[], ...)``, one array per column, or
  ``UPDATE ... FROM (VALUES ...)`` for columns that cannot travel as arrays (JSON and
  array columns);
- SQLite 3.35 or newer: ``UPDATE ... FROM (VALUES ...)``.
"""

from django.db import NotSupportedError


def supports_fast_update(connection):
    """Return whether ``connection`` can run ``update_rows``.

    SQLite has ``UPDATE ... FROM`` since 3.33 and ``RETURNING`` since 3.35. Django's
    ``can_return_columns_from_insert`` is True from SQLite 3.35, so it serves as the test.
    """
    return (
        connection.vendor in ("postgresql", "sqlite")
        and connection.features.can_return_columns_from_insert
    )


def update_rows(connection, model, fields, rows):
    """Write ``rows`` into ``fields`` of ``model``'s table and return the matched keys.

    ``rows`` is a list of ``(pk, values)`` pairs, already converted for the database
    with ``get_db_prep_save``. The returned set contains the primary keys, as the
    database returns them, of the rows that existed.
    """
    if not rows:
        return set()
    if connection.vendor not in ("postgresql", "sqlite"):
        raise NotSupportedError(
            f"Batched updates support PostgreSQL and SQLite, not {connection.vendor}; "
            "check supports_fast_update() and save such objects one by one."
        )

    quote = connection.ops.quote_name
    meta = model._meta
    table = quote(meta.db_table)
    pk_column = quote(meta.pk.column)
    values_alias = quote("batchops_rows")
    columns = [meta.pk, *fields]

    if connection.vendor == "postgresql":
        casts = [field.cast_db_type(connection) for field in columns]
        names = [quote(f"c{index}") for index in range(len(columns))]
        if _can_unnest(columns, casts):
            # One array parameter per column: the statement text stays short whatever
            # the number of rows, so the driver and the server parse it quickly.
            arrays = ", ".join(f"%s::{cast}[]" for cast in casts)
            source = f"unnest({arrays}) AS {values_alias} ({', '.join(names)})"
            params = [list(column) for column in zip(*((pk, *values) for pk, values in rows))]
        else:
            # Literal parameters in VALUES have no type of their own, so each gets the
            # column's type. Without it, text would be compared with bigint.
            placeholders = [f"%s::{cast}" if cast else "%s" for cast in casts]
            source = _values_source(placeholders, len(rows), values_alias, names)
            params = _flatten(rows)
    else:
        # SQLite names the columns of a VALUES subquery column1, column2, and so on.
        names = [f"column{index + 1}" for index in range(len(columns))]
        source = _values_source(["%s"] * len(columns), len(rows), values_alias, None)
        params = _flatten(rows)

    assignments = ", ".join(
        f"{quote(field.column)} = {values_alias}.{name}"
        for field, name in zip(fields, names[1:])
    )
    sql = (
        f"UPDATE {table} SET {assignments} FROM {source} "
        f"WHERE {table}.{pk_column} = {values_alias}.{names[0]} "
        f"RETURNING {pk_column}"
    )

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def _can_unnest(columns, casts):
    """Return whether every column can travel as a one-dimensional array."""
    for field, cast in zip(columns, casts):
        if not cast or cast.endswith("]") or field.get_internal_type() == "JSONField":
            return False
    return True


def _values_source(placeholders, row_count, values_alias, names):
    row_sql = f"({', '.join(placeholders)})"
    rows_sql = ", ".join([row_sql] * row_count)
    columns = f" ({', '.join(names)})" if names else ""
    return f"(VALUES {rows_sql}) AS {values_alias}{columns}"


def _flatten(rows):
    params = []
    for pk, values in rows:
        params.append(pk)
        params.extend(values)
    return params
