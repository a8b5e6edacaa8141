"""Normalise a queryset's ordering into the columns that keyset paging seeks on."""

import warnings
from dataclasses import dataclass, replace

from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import UnorderedObjectListWarning
from django.db.models import F, OrderBy
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import Random
from django.db.models.query import ModelIterable

from pager.exceptions import UnsupportedQuery


@dataclass(frozen=True)
class Column:
    """One ordering column of a paged query."""

    # Name for filter() and values_list(): a field path such as "author__name", or the
    # alias of an annotation that the pager adds for an ordering expression.
    lookup: str
    # Readable name for error messages: the path, or the expression's repr.
    name: str
    descending: bool
    # True or False when the ordering sets nulls_first or nulls_last, else None and the
    # database decides.
    nulls_first: bool | None
    nullable: bool
    output_field: object
    # Attribute of a model instance that contains the value, for fields of the model itself.
    attname: str | None = None
    # Annotation added to the page query to read the value, for every other column.
    value_alias: str | None = None
    # Ordering expression other than a field reference, such as Lower("title").
    expression: object = None
    is_pk: bool = False

    def nulls_come_first(self, connection):
        """Return whether NULL sorts before every other value of this column there."""
        if self.nulls_first is not None:
            return self.nulls_first
        # A database that sorts NULL as the largest value puts it first when descending.
        return self.descending == connection.features.nulls_order_largest

    def reversed(self):
        flipped = None if self.nulls_first is None else not self.nulls_first
        return replace(self, descending=not self.descending, nulls_first=flipped)

    def order_by_expression(self):
        return OrderBy(
            F(self.lookup),
            descending=self.descending,
            nulls_first=True if self.nulls_first else None,
            nulls_last=True if self.nulls_first is False else None,
        )


def normalise(queryset):
    """Return ``(queryset, columns)``: the queryset ordered and annotated for paging.

    The ordering is the queryset's own (its order_by(), else the model's Meta.ordering)
    with the primary key appended, in the direction of the last column, as a tie-breaker.
    An unordered queryset is ordered by the primary key, with a warning.
    """
    query = queryset.query
    _reject_unsupported(queryset)

    model = queryset.model
    items = _ordering_items(query)
    if not items:
        warnings.warn(
            f"Paging an unordered {model.__name__} queryset, so the pager orders it by "
            "the primary key. Call order_by() to choose the order.",
            UnorderedObjectListWarning,
            stacklevel=3,
        )

    columns = []
    for item in items:
        columns.extend(_item_columns(queryset, item))
    if not any(column.is_pk for column in columns):
        descending = columns[-1].descending if columns else False
        pk = model._meta.pk
        columns.append(
            Column(
                lookup="pk",
                name="pk",
                descending=descending,
                nulls_first=None,
                nullable=False,
                output_field=pk,
                attname=pk.attname,
                is_pk=True,
            )
        )

    # reverse() flips every column, the appended primary key included, as Django does.
    if not query.standard_ordering:
        columns = [column.reversed() for column in columns]
        queryset = queryset.reverse()

    annotations = {}
    for index, column in enumerate(columns):
        if column.attname is None:
            alias = f"_pager_{index}"
            if column.expression is None:
                annotations[alias] = F(column.lookup)
                columns[index] = replace(column, value_alias=alias)
            else:
                # The alias doubles as the lookup, so the seek filter and the ordering
                # refer to the same expression.
                annotations[alias] = column.expression
                columns[index] = replace(column, lookup=alias, value_alias=alias)
    if annotations:
        queryset = queryset.annotate(**annotations)
    queryset = queryset.order_by(*(column.order_by_expression() for column in columns))
    return queryset, tuple(columns)


def _reject_unsupported(queryset):
    query = queryset.query
    if query.combinator:
        raise UnsupportedQuery(
            f"The pager cannot page a {query.combinator}() of querysets, because it filters "
            "the query. Page each queryset alone, or one query with Q objects."
        )
    if query.distinct_fields:
        raise UnsupportedQuery(
            f"The pager cannot page distinct({', '.join(map(repr, query.distinct_fields))}), "
            "because its seek filter would change which row of each group DISTINCT ON keeps. "
            "Use distinct() without fields."
        )
    if query.is_sliced:
        raise UnsupportedQuery("The pager cannot page a sliced queryset. Remove the slice.")
    if query.extra_order_by:
        raise UnsupportedQuery(
            f"The pager cannot page extra(order_by={query.extra_order_by!r}). "
            "Use annotate() and order_by() instead."
        )
    if queryset._iterable_class is not ModelIterable:
        raise UnsupportedQuery(
            "The pager pages querysets of model instances, not values() or values_list(). "
            "Page the queryset, then read the values from the instances."
        )


def _ordering_items(query):
    if query.order_by:
        return list(query.order_by)
    if query.default_ordering and query.get_meta().ordering:
        return list(query.get_meta().ordering)
    return []


def _item_columns(queryset, item):
    """Return the columns of one order_by() item."""
    if isinstance(item, str):
        if item == "?":
            raise UnsupportedQuery("The pager cannot page a queryset in random order, order_by('?').")
        descending = item.startswith("-")
        return _name_columns(queryset, item.lstrip("-+"), descending, nulls_first=None)

    nulls_first = None
    descending = False
    expression = item
    if isinstance(item, OrderBy):
        descending = item.descending
        if item.nulls_first:
            nulls_first = True
        elif item.nulls_last:
            nulls_first = False
        expression = item.expression
    if isinstance(expression, Random):
        raise UnsupportedQuery("The pager cannot page a queryset in random order, Random().")
    if isinstance(expression, F):
        return _name_columns(queryset, expression.name, descending, nulls_first)
    return [_expression_column(queryset, expression, descending, nulls_first)]


def _expression_column(queryset, expression, descending, nulls_first):
    """Return the column of an ordering expression such as Lower("title")."""
    # Resolving the expression on a copy of the query gives its output field.
    probe = queryset.alias(_pager_probe=expression).query.annotations["_pager_probe"]
    return Column(
        lookup="",
        name=repr(expression),
        descending=descending,
        nulls_first=nulls_first,
        # Without a field to ask, assume NULL is possible and seek past it correctly.
        nullable=True,
        output_field=probe.output_field,
        expression=expression,
    )


def _name_columns(queryset, name, descending, nulls_first, seen=()):
    """Return the columns of an ordering by name, expanding relations as Django does."""
    query = queryset.query
    if LOOKUP_SEP not in name and name in query.annotations:
        annotation = query.annotations[name]
        return [
            Column(
                lookup=name,
                name=name,
                descending=descending,
                nulls_first=nulls_first,
                nullable=True,
                output_field=annotation.output_field,
            )
        ]

    model = queryset.model
    field, nullable, pieces = _resolve_path(model, name)
    related_opts = field.related_model._meta if field.is_relation else None
    # Like Django, order by a relation through the related model's Meta.ordering, unless
    # the name is the foreign key's column (author_id) or that model has no ordering.
    if related_opts is not None and related_opts.ordering and field.attname != pieces[-1] and name != "pk":
        if (model, name) in seen:
            raise UnsupportedQuery(
                f"Ordering by {name!r} loops through Meta.ordering of related models. "
                f"Order by the related fields by name, such as {name}{LOOKUP_SEP}<field>."
            )
        columns = []
        for item in related_opts.ordering:
            if not isinstance(item, str):
                raise UnsupportedQuery(
                    f"The pager cannot expand the ordering by {name!r}, because "
                    f"{related_opts.label}.Meta.ordering contains the expression {item!r}. "
                    f"Order by the related fields by name, such as {name}{LOOKUP_SEP}<field>."
                )
            inner_descending = item.startswith("-") != descending
            path = f"{name}{LOOKUP_SEP}{item.lstrip('-')}"
            columns.extend(_name_columns(queryset, path, inner_descending, nulls_first, (*seen, (model, name))))
        return columns

    output_field = field
    if field.is_relation and not field.concrete:
        # A reverse one-to-one relation orders by the related primary key.
        output_field = field.related_model._meta.pk
    is_pk = len(pieces) == 1 and field == model._meta.pk
    # only() and defer() may leave the field out of the SELECT, and reading it from the
    # instance would then cost a query per page, so such values come from an annotation.
    deferred_names, defer = query.deferred_loading
    if defer:
        loaded = field.name not in deferred_names
    else:
        # only() keeps the names it was given, or every field when it was not called.
        loaded = not deferred_names or field.name in deferred_names
    local = len(pieces) == 1 and field.concrete and loaded
    return [
        Column(
            lookup=name,
            name=name,
            descending=descending,
            nulls_first=nulls_first,
            nullable=nullable,
            output_field=output_field,
            attname=field.attname if local else None,
            is_pk=is_pk,
        )
    ]


def _resolve_path(model, name):
    """Return ``(field, nullable, pieces)`` for a field path like "author__name"."""
    opts = model._meta
    pieces = name.split(LOOKUP_SEP)
    nullable = False
    field = None
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        try:
            field = opts.pk if piece == "pk" else opts.get_field(piece)
        except FieldDoesNotExist as exc:
            raise UnsupportedQuery(
                f"The pager cannot order by {name!r}: {opts.label} has no field {piece!r}."
            ) from exc
        if field.many_to_many or field.one_to_many:
            raise UnsupportedQuery(
                f"The pager cannot order by {name!r}, because {piece!r} is a multi-valued "
                "relation that repeats rows. Order by a field of the model or of a foreign key."
            )
        if field.is_relation:
            # A reverse one-to-one relation may have no row, so its fields can be NULL.
            nullable = nullable or field.null or not field.concrete
            if not last:
                opts = field.related_model._meta
        else:
            nullable = nullable or field.null
            if not last:
                raise UnsupportedQuery(
                    f"The pager cannot order by {name!r}, because it applies a transform "
                    f"({LOOKUP_SEP.join(pieces[index + 1:])}) to {piece!r}. Order by an "
                    "expression such as TruncDate('created') instead."
                )
    return field, nullable, pieces
