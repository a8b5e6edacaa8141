"""Batched UPDATE statements for loaded objects, in one statement per batch.

``bulk_update()`` builds ``SET col = CASE WHEN pk = ... THEN ... END``, which the
database evaluates row by row against every branch. On PostgreSQL and SQLite this module
sends ``UPDATE ... FROM (VALUES ...)`` instead: the rows to write are joined to the table
by primary key, and ``RETURNING`` names the rows that matched, so that the caller can
insert the others as ``save()`` does when its UPDATE matches no row.
"""

from django.db import NotSupportedError


def supports_fast_update(connection):
    """Return whether ``connection`` can run ``update_rows``.

    SQLite has ``UPDATE ... FROM`` since 3.33 and ``RETURNING`` since 3.35, which is
    also what Django's ``can_return_columns_from_insert`` tells for SQLite.
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
        raise NotSupportedError(f"batched updates do not support {connection.vendor}")

    quote = connection.ops.quote_name
    meta = model._meta
    table = quote(meta.db_table)
    pk_column = quote(meta.pk.column)
    values_alias = quote("batchops_rows")
    columns = [meta.pk, *fields]

    if connection.vendor == "postgresql":
        # Literal parameters in VALUES have no type of their own, so each gets the
        # column's type; without it, text would be compared with bigint and so on.
        placeholders = []
        for field in columns:
            cast = field.cast_db_type(connection)
            placeholders.append(f"%s::{cast}" if cast else "%s")
        names = [quote(f"c{index}") for index in range(len(columns))]
        source = f"AS {values_alias} ({', '.join(names)})"
    else:
        # SQLite names the columns of a VALUES subquery column1, column2, and so on.
        placeholders = ["%s"] * len(columns)
        names = [f"column{index + 1}" for index in range(len(columns))]
        source = f"AS {values_alias}"

    row_sql = f"({', '.join(placeholders)})"
    assignments = ", ".join(
        f"{quote(field.column)} = {values_alias}.{name}"
        for field, name in zip(fields, names[1:])
    )
    sql = (
        f"UPDATE {table} SET {assignments} "
        f"FROM (VALUES {', '.join([row_sql] * len(rows))}) {source} "
        f"WHERE {table}.{pk_column} = {values_alias}.{names[0]} "
        f"RETURNING {pk_column}"
    )
    params = []
    for pk, values in rows:
        params.append(pk)
        params.extend(values)

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}
