"""Execution of one delete step through Django's deletion ``Collector``.

The collector does what ``QuerySet.delete()`` does: it follows ``on_delete`` from the
rows in the database at that moment, sends ``pre_delete`` and ``post_delete`` for every
deleted object, cascaded ones included, and sets the primary keys of the deleted
instances to None. Rows that are already gone are not an error; they count zero.
"""

from collections import defaultdict

from django.db.models.deletion import Collector

from batchops.errors import note_failure


def execute_delete_step(objects, context):
    """Delete ``objects``, at most ``delete_batch_size`` of them per collector."""
    batch_size = context.config.delete_batch_size
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
