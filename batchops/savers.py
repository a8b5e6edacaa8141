"""Execution of one save step: inserts, batched updates and fallbacks to ``save()``.

Each object is written the way ``Model.save()`` would write it:

- no primary key, or a new instance whose key has a default (``uuid4``, say): INSERT,
  through ``bulk_create`` in statements of at most ``save_batch_size`` rows;
- any other object with a primary key, loaded or set by hand: UPDATE, then INSERT of
  the rows the UPDATE did not match;
- multi-table inherited models, composite primary keys, ``order_with_respect_to``,
  instances loaded with deferred fields, fields assigned expressions, and updates on
  backends without ``UPDATE ... FROM`` and ``RETURNING``: ``save()``'s own code, one
  object at a time, counted in ``AliasStats.fallbacks``.

Objects pending in one step are written in levels: an object goes after the new objects
it refers to through a foreign key, so that their keys are known (self references too).
Several instances of one row keep only the last one saved.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from uuid import UUID

import django
from django.db import transaction
from django.db.models.expressions import DatabaseDefault
from django.db.models.signals import post_save, pre_save

from batchops.errors import note_failure
from batchops.planner import forward_relations
from batchops.updates import supports_fast_update, update_rows

# Django 6.0 refreshes GeneratedField values after save() updates a row.
REFRESHES_GENERATED_ON_UPDATE = django.VERSION >= (6, 0)


class SaveContext:
    """The connection, sizes, stats and flags of one flush of one alias."""

    def __init__(self, connection, config, stats, send_signals):
        self.connection = connection
        self.alias = connection.alias
        self.config = config
        self.stats = stats
        self.send_signals = send_signals


def execute_save_step(objects, context):
    """Write ``objects`` (in call order) as ``save()`` would, in batches."""
    objects = _last_save_of_each_row(objects)
    levels, links = _levels(objects)
    for level in levels:
        groups = defaultdict(list)
        for obj in level:
            # A foreign key to a new object of this step takes that object's key, now
            # known, even when the attribute contains the key of a deleted row. Setting
            # the relation, as save() does, keeps the related object cached.
            for fk, related in links.get(id(obj), ()):
                setattr(obj, fk.name, related)
            groups[type(obj)].append(obj)
        for model, group in groups.items():
            _save_group(model, group, context)


@dataclass(frozen=True)
class ModelInfo:
    """Facts about a model that the save path needs, computed once per model."""

    always_falls_back: bool
    pk_attname: str
    pk_has_default: bool
    update_fields: tuple
    update_attnames: tuple
    forward_relations: tuple
    checks_related: bool


@cache
def model_info(model):
    meta = model._meta
    update_fields = tuple(
        f for f in meta.local_concrete_fields if not f.primary_key and not f.generated
    )
    return ModelInfo(
        always_falls_back=bool(
            meta.concrete_model._meta.parents
            or getattr(meta, "is_composite_pk", False)
            or meta.order_with_respect_to is not None
        ),
        pk_attname=meta.pk.attname,
        pk_has_default=meta.pk.has_default() or meta.pk.has_db_default(),
        update_fields=update_fields,
        update_attnames=tuple(f.attname for f in update_fields),
        forward_relations=forward_relations(model),
        # save() checks foreign keys and generic foreign keys for unsaved objects.
        checks_related=bool(forward_relations(model) or meta.private_fields),
    )


def _forces_insert(obj, info):
    """Return whether ``save()`` would INSERT ``obj`` without trying an UPDATE first."""
    if getattr(obj, info.pk_attname) is None:
        return True
    return obj._state.adding and info.pk_has_default


def _last_save_of_each_row(objects):
    """Drop all but the last instance of each row that ``save()`` would update."""
    seen = set()
    kept = []
    for obj in reversed(objects):
        info = model_info(type(obj))
        if not _forces_insert(obj, info):
            key = (obj._meta.concrete_model, getattr(obj, info.pk_attname))
            if key in seen:
                continue
            seen.add(key)
        kept.append(obj)
    kept.reverse()
    return kept


def _levels(objects):
    """Split ``objects`` into lists, each after the new objects its members refer to.

    Return the lists and, per ``id()`` of an object, its ``(foreign key, new object)``
    pairs within ``objects``.
    """
    if not any(model_info(model).forward_relations for model in {type(obj) for obj in objects}):
        return [objects], {}

    pending = {id(obj): obj for obj in objects}
    depth = {}
    links = defaultdict(list)

    def depth_of(obj, visiting):
        key = id(obj)
        if key in depth:
            return depth[key]
        if key in visiting:
            # A cycle of new objects cannot be written, by save() or here: the
            # unsaved-related-object check raises when the cycle is reached.
            return 0
        visiting.add(key)
        result = 0
        for fk in model_info(type(obj)).forward_relations:
            if not fk.is_cached(obj):
                continue
            related = fk.get_cached_value(obj)
            if related is not None and id(related) in pending and related.pk is None:
                links[key].append((fk, related))
                result = max(result, depth_of(related, visiting) + 1)
        visiting.discard(key)
        depth[key] = result
        return result

    levels = defaultdict(list)
    for obj in objects:
        levels[depth_of(obj, set())].append(obj)
    return [levels[index] for index in sorted(levels)], links


# Values of these types are never expressions, so the check below skips them quickly.
PLAIN_VALUE_TYPES = frozenset(
    {str, int, float, bool, bytes, Decimal, UUID, datetime.date, datetime.datetime, datetime.time}
)


def _needs_fallback(obj, info, inserting, connection):
    if info.always_falls_back:
        return True
    if obj._state.db == connection.alias and obj.get_deferred_fields():
        return True
    if not inserting and not supports_fast_update(connection):
        return True
    values = obj.__dict__
    for attname in info.update_attnames:
        value = values.get(attname)
        if value is None or value.__class__ in PLAIN_VALUE_TYPES:
            continue
        if hasattr(value, "resolve_expression"):
            # bulk_create() writes DEFAULT for an unset db_default, as save() does.
            if not (inserting and isinstance(value, DatabaseDefault)):
                return True
    return False


def _save_group(model, group, context):
    """Write ``group``, objects of one model at one level, and send signals if asked."""
    alias = context.alias
    info = model_info(model)
    fields = list(info.update_fields)
    signals = context.send_signals and not model._meta.auto_created

    fallbacks, inserts, updates = [], [], []
    for obj in group:
        inserting = _forces_insert(obj, info)
        if _needs_fallback(obj, info, inserting, context.connection):
            fallbacks.append(obj)
            continue
        if signals:
            pre_save.send(sender=model, instance=obj, raw=False, using=alias, update_fields=None)
            inserting = _forces_insert(obj, info)
        if info.checks_related:
            obj._prepare_related_fields_for_save(operation_name="save")
        (inserts if inserting else updates).append(obj)

    for obj in fallbacks:
        _save_one(obj, context)

    matched = _update(model, fields, updates, context)
    unmatched = [obj for obj in updates if id(obj) not in matched]
    _insert(model, inserts + unmatched, context)

    if signals:
        for obj in inserts + updates:
            post_save.send(
                sender=model,
                instance=obj,
                created=id(obj) not in matched,
                update_fields=None,
                raw=False,
                using=alias,
            )


def _insert(model, objs, context):
    if not objs:
        return
    with note_failure("inserting", model, len(objs), context.alias):
        model._base_manager.using(context.alias).bulk_create(
            objs, batch_size=context.config.save_batch_size
        )
    context.stats.inserted += len(objs)


def _update(model, fields, objs, context):
    """UPDATE the rows of ``objs`` and return the ``id()`` of the objects that matched."""
    if not objs:
        return set()
    connection = context.connection
    if not fields:
        # A table with only a primary key: save() checks that the row exists.
        pks = [obj.pk for obj in objs]
        existing = set(
            model._base_manager.using(context.alias).filter(pk__in=pks).values_list("pk", flat=True)
        )
        return {id(obj) for obj in objs if obj.pk in existing}

    pk = model._meta.pk
    batch_size = min(
        context.config.save_batch_size,
        connection.ops.bulk_batch_size([pk, *fields], objs) or len(objs),
    )
    generated = [f for f in model._meta.local_concrete_fields if f.generated]
    matched = set()
    for start in range(0, len(objs), batch_size):
        batch = objs[start : start + batch_size]
        by_key = {}
        rows = []
        for obj in batch:
            key = pk.get_db_prep_save(obj.pk, connection)
            values = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in fields]
            by_key[key] = obj
            rows.append((key, values))
        # NOTE: the database checks unique constraints row by row inside one UPDATE,
        # so rows that exchange unique values here may fail where save() calls pass.
        with note_failure("updating", model, len(batch), context.alias):
            returned = update_rows(connection, model, fields, rows)
        for key in returned:
            obj = by_key.get(key)
            if obj is None:
                # Some drivers return keys in another Python type than the one sent.
                obj = by_key[pk.get_db_prep_save(pk.to_python(key), connection)]
            matched.add(id(obj))
            obj._state.adding = False
            obj._state.db = context.alias
            if REFRESHES_GENERATED_ON_UPDATE:
                # As Django 6 does when it cannot read them back: the next access
                # loads the values the database computed.
                for field in generated:
                    obj.__dict__.pop(field.attname, None)
    context.stats.updated += len(matched)
    return matched


def _save_one(obj, context):
    """Write ``obj`` with ``save()``'s code, sending signals only if the operation sends them."""
    alias = context.alias
    context.stats.fallbacks += 1
    if context.send_signals:
        created = obj._state.adding or obj.pk is None
        with note_failure("saving", type(obj), 1, alias):
            obj.save(using=alias)
        context.stats.inserted += created
        context.stats.updated += not created
        return

    # The body of Model.save() and save_base() without pre_save and post_save.
    obj._prepare_related_fields_for_save(operation_name="save")
    update_fields = None
    deferred = obj.get_deferred_fields()
    if deferred and obj._state.db == alias:
        loaded = {
            f.attname
            for f in obj._meta.concrete_fields
            if not f.primary_key and not f.generated and f.attname not in deferred
        }
        update_fields = frozenset(loaded) or None
    cls = obj._meta.concrete_model
    with note_failure("saving", type(obj), 1, alias):
        with transaction.atomic(using=alias, savepoint=False):
            force_insert = obj._validate_force_insert(False)
            parent_inserted = obj._save_parents(cls, alias, update_fields, force_insert)
            updated = obj._save_table(
                False, cls, force_insert or parent_inserted, False, alias, update_fields
            )
    obj._state.db = alias
    obj._state.adding = False
    context.stats.inserted += not updated
    context.stats.updated += bool(updated)
