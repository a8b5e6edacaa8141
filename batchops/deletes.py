"""Execution of one delete step through Django's deletion ``Collector``.

The collector does what ``QuerySet.delete()`` does: it follows ``on_delete`` from the
rows in the database at that moment, sends ``pre_delete`` and ``post_delete`` for every
deleted object, cascaded ones included, and sets the primary keys of the deleted
instances to None. Rows that are already gone are not an error; they count zero.

One collector raises ``ProtectedError`` for a row referenced through ``PROTECT`` even
when the referring row is deleted by the same collector, while plain calls that delete
the referring row first succeed. So when a step may delete rows on both sides of a
``PROTECT`` or ``RESTRICT`` foreign key, each object gets its own collector, in call
order.
"""

from collections import defaultdict
from functools import cache

from django.db import models
from django.db.models.deletion import Collector

from batchops.errors import note_failure
from batchops.planner import reachable_models

GUARDING = (models.PROTECT, models.RESTRICT)


def execute_delete_step(objects, context):
    """Delete ``objects``, at most ``delete_batch_size`` of them per collector."""
    batch_size = context.config.delete_batch_size
    if _needs_call_order(frozenset(type(obj)._meta.concrete_model for obj in objects)):
        batch_size = 1
    for start in range(0, len(objects), batch_size):
        batch = objects[start : start + batch_size]
        by_model = defaultdict(list)
        for obj in batch:
            if obj.pk is None:
                # The same message as Model.delete(): the planner keeps the delete of
                # an unsaved object only when its save ran earlier in the flush.
                raise ValueError(
                    f"{obj._meta.object_name} object can't be deleted because its "
                    f"{obj._meta.pk.attname} attribute is set to None."
                )
            by_model[type(obj)].append(obj)

        model = next(iter(by_model))
        with note_failure("deleting", model, len(batch), context.alias):
            collector = Collector(using=context.alias, origin=None)
            for objs in by_model.values():
                collector.collect(objs)
            deleted, _per_model = collector.delete()
        context.stats.deleted += deleted


@cache
def _needs_call_order(step_models):
    """Return whether deleting rows of ``step_models`` may reach both ends of a guard.

    The rows that may be deleted belong to ``step_models`` and to the models reached
    from them through ``CASCADE`` and multi-table inheritance. A guard is a ``PROTECT``
    or ``RESTRICT`` foreign key from one of those models to another.
    """
    deleted = reachable_models(
        step_models, lambda relation: relation.on_delete is models.CASCADE, generic=False
    )
    for model in deleted:
        for relation in model._meta.related_objects:
            if relation.on_delete in GUARDING and relation.related_model._meta.concrete_model in deleted:
                return True
    return False
