"""Flush planning: turn the calls recorded for one alias into ordered steps.

A flush must leave the database as the recorded ``save()`` and ``delete()`` calls would
if they ran one by one, in call order, with the values the objects have at flush time.
The planner groups the calls into alternating save steps and delete steps:

- A save joins the earliest save step it can reach without crossing a delete step it
  does not commute with (see ``_commutes``). Saving an object twice keeps one entry,
  moved to the end of its step, so the last save of a row wins there.
- Consecutive deletes form one step. Deletes commute with each other, because the rows
  a cascade reaches are the same whichever delete collects them.
- A delete of an object whose key the database assigns and that was saved earlier in
  the flush but never written cancels out with those saves. Two cases keep both calls,
  so that the end matches plain calls. In the first, another pending object refers to
  it, and the delete's cascades and ``on_delete`` rules must reach the referring rows.
  In the second, its model has a unique constraint, and its row could make another
  pending insert fail, as it would with plain calls.

Each step is executed in order by ``batchops.savers`` and ``batchops.deletes``.
"""

from dataclasses import dataclass, field
from functools import cache

from django.db import models

SAVE = "save"
DELETE = "delete"


@dataclass
class Step:
    """Objects to save, or to delete, in one go; keyed by ``id()`` in call order."""

    kind: str
    objects: dict = field(default_factory=dict)
    affected: frozenset | None = None

    def add(self, obj):
        # Re-adding moves the object to the end, so it stays after earlier saves of
        # other instances of the same row.
        self.objects.pop(id(obj), None)
        self.objects[id(obj)] = obj


def plan(kinds, objects):
    """Return the ``Step`` list for the calls ``zip(kinds, objects)``, in call order."""
    if DELETE not in kinds:
        # Only saves: one step, each object at the place of its last save. Reading the
        # calls backwards, the first insertion of each id is its last save.
        last_saves = {id(obj): obj for obj in reversed(objects)}
        return [Step(SAVE, dict(reversed(last_saves.items())))]

    entries = _cancel_unwritten(list(zip(kinds, objects)))
    steps = []
    for kind, obj in entries:
        if kind == DELETE:
            if not steps or steps[-1].kind != DELETE:
                steps.append(Step(DELETE))
            steps[-1].add(obj)
            continue

        # The save may not move before the step that saves an object it refers to.
        related = {id(other) for other in _cached_related_objects(obj)}
        target = None
        for step in reversed(steps):
            if step.kind == SAVE:
                target = step
                if id(obj) in step.objects or not related.isdisjoint(step.objects):
                    break
            elif not _commutes(obj, step):
                break
        if target is None:
            target = Step(SAVE)
            steps.append(target)
        target.add(obj)
    return steps


def _cancel_unwritten(entries):
    """Drop the save and delete calls that cancel out (see the module docstring)."""
    referenced = set()
    for kind, obj in entries:
        if kind == SAVE:
            for related in _cached_related_objects(obj):
                referenced.add(id(related))

    dropped = set()
    pending_saves = {}
    for index, (kind, obj) in enumerate(entries):
        if kind == SAVE:
            pending_saves.setdefault(id(obj), []).append(index)
        elif (
            obj.pk is None
            and id(obj) in pending_saves
            and id(obj) not in referenced
            and not _has_unique_constraint(type(obj)._meta.concrete_model)
        ):
            dropped.update(pending_saves.pop(id(obj)))
            dropped.add(index)
    if not dropped:
        return entries
    return [entry for index, entry in enumerate(entries) if index not in dropped]


def _cached_related_objects(obj):
    """Yield the objects assigned to the forward foreign keys of ``obj``."""
    for fk in forward_relations(type(obj)):
        if fk.is_cached(obj):
            related = fk.get_cached_value(obj)
            if related is not None:
                yield related


def _commutes(obj, delete_step):
    """Return whether saving ``obj`` before ``delete_step`` ends as saving it after.

    True when the delete step can neither delete nor update rows of the object's model.
    Also true for a new object whose key the database assigns, when its model has no
    unique constraint that a deleted row could still occupy, and none of its foreign
    keys points to a model the delete step touches. No cascade can then reach its row.
    """
    if id(obj) in delete_step.objects:
        return False
    if delete_step.affected is None:
        delete_step.affected = affected_models(
            frozenset(type(other)._meta.concrete_model for other in delete_step.objects.values())
        )
    model = type(obj)._meta.concrete_model
    if model not in delete_step.affected:
        return True
    if obj.pk is not None or _has_unique_constraint(model):
        return False
    return not (_foreign_key_targets(model) & delete_step.affected)


@cache
def affected_models(deleted_models):
    """Return the concrete models whose rows deleting rows of ``deleted_models`` may change.

    This follows every reverse relation whose ``on_delete`` is not ``DO_NOTHING``,
    generic relations, and the parents and children of multi-table inheritance, as the
    deletion ``Collector`` does.
    """
    return reachable_models(
        deleted_models,
        lambda relation: relation.on_delete is not models.DO_NOTHING,
        generic=True,
    )


def reachable_models(start, follows, generic):
    """Return the concrete models reached from ``start`` through deletion paths.

    A reverse relation is followed when ``follows(relation)`` is true, generic relations
    when ``generic`` is true, and the parents of multi-table inheritance always.
    """
    seen = set()
    stack = list(start)
    while stack:
        model = stack.pop()._meta.concrete_model
        if model in seen:
            continue
        seen.add(model)
        for relation in model._meta.related_objects:
            if follows(relation):
                stack.append(relation.related_model)
        if generic:
            for private in model._meta.private_fields:
                if getattr(private, "bulk_related_objects", None) is not None:
                    stack.append(private.remote_field.model)
        stack.extend(model._meta.get_parent_list())
    return frozenset(seen)


@cache
def forward_relations(model):
    return tuple(
        fk
        for fk in model._meta.concrete_fields
        if fk.is_relation and (fk.many_to_one or fk.one_to_one)
    )


@cache
def _foreign_key_targets(model):
    return frozenset(fk.related_model._meta.concrete_model for fk in forward_relations(model))


@cache
def _has_unique_constraint(model):
    meta = model._meta
    if any(f.unique and not f.primary_key for f in meta.concrete_fields):
        return True
    if meta.unique_together:
        return True
    return any(isinstance(constraint, models.UniqueConstraint) for constraint in meta.constraints)
