"""``BatchOperation``: record saves and deletes, then write them in few statements.

Usage::

    with BatchOperation() as op:
        op.save(Post(title="t", text="x"))
        op.delete(old_post)
    op.stats["default"].inserted

The contract: after the block, the database contains what it would contain if each
``op.save(obj)`` and ``op.delete(obj)`` had been ``obj.save()`` and ``obj.delete()`` at
that point in the same order. The values written are those the objects have when
their pool is flushed, and primary keys that the database assigns may differ. Where
the plain calls would raise a database error, the flush raises it and writes nothing
of that flush. One deliberate difference: objects pending together are written
parents first, and a foreign key to an object pending as a new row takes that row's
key. So a child may be saved before its new parent, or refer to a parent deleted and
saved again.

Rules of use:

- Calls are recorded per database alias, routed as ``Model.save()`` routes them: the
  ``using`` argument, else the router's ``db_for_write``, which falls back to the
  database the object was loaded from. Each alias has a save pool and a delete pool. A
  pool that reaches its size flushes that alias, and the end of the block flushes all.
  ``op.flush()`` flushes all at once.
- Each flush of an alias is one transaction (a savepoint when a transaction is already
  open, for example inside ``transaction.atomic`` or with ``atomic=True``). A failing
  flush re-raises the database error with its class and a note naming the model and
  row count, and the failed flush's work is gone.
- An exception inside the block discards all pending work and propagates unchanged.
  ``atomic=True`` makes the whole block one transaction per alias. Each alias's
  transaction opens on entry for the aliases in ``config`` (``"default"`` without a
  config) and at the first call routed to any other alias.
- Queries inside the block read the database, so they do not see pending work.
- Nesting: entering a block flushes the innermost enclosing block of the same thread,
  so call order holds as long as each call goes to the innermost open block. A block
  used as a decorator runs a fresh operation per call and passes it to the function as
  the keyword argument ``op``.
- ``op.save()`` takes neither ``update_fields`` nor ``force_insert``: call
  ``obj.save(update_fields=...)`` or ``obj.save(force_insert=True)`` yourself, after
  ``op.flush()`` if it must follow the pending work. ``op.save()`` decides INSERT or
  UPDATE as ``save()`` does without them. Many-to-many assignments are not batched.
- After a flush, saved objects hold their primary key (where the backend returns it),
  ``_state.adding`` is False and ``_state.db`` is the alias. Deleted objects have their
  primary key set to None, as with ``delete()``. An object whose key the database
  assigns, saved and then deleted in the same flush, is never written and stays
  unsaved, unless a pending object refers to it or its model has a unique constraint
  (see ``batchops.planner``).
- Rows that exchange unique values within one flush may fail where plain calls pass,
  or the reverse, because the database checks unique constraints row by row inside a
  statement. Flush between such saves.
- An operation belongs to the thread that created it.
"""

import threading
from collections import Counter
from contextlib import ExitStack
from functools import wraps

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, models, router, transaction

from batchops.conf import raise_for_problems, resolve
from batchops.deletes import execute_delete_step
from batchops.errors import note_commit_failure
from batchops.planner import SAVE, plan
from batchops.pools import AliasPools
from batchops.savers import SaveContext, execute_save_step
from batchops.stats import AliasStats, count_statements

_active = threading.local()


def _active_operations():
    if not hasattr(_active, "stack"):
        _active.stack = []
    return _active.stack


class BatchOperation:
    """Pools of saves and deletes per database alias, written in batches on flush.

    ``config`` maps database aliases to sizes, as ``settings.BATCHOPS`` does (see
    ``batchops.conf``). ``atomic=True`` wraps the block in one transaction per alias.
    ``send_signals=True`` sends ``pre_save`` and ``post_save`` for every saved object at
    flush time; without it they are not sent. Delete signals are always sent, as
    ``QuerySet.delete()`` sends them.
    """

    def __init__(self, config=None, *, atomic=False, send_signals=False):
        if config is not None:
            raise_for_problems(config, "BatchOperation config")
        self.config = config
        self.atomic = atomic
        self.send_signals = send_signals
        self.stats = {}
        self._pools = {}
        self._thread = threading.get_ident()
        self._transactions = None
        self._entered = False

    def __repr__(self):
        pending = {alias: len(pools) for alias, pools in self._pools.items() if len(pools)}
        return f"<BatchOperation pending={pending} stats={self.stats}>"

    # Recording.

    def save(self, obj, using=None):
        """Record ``obj.save(using=using)``; flush the alias if its save pool is full."""
        alias, pools = self._pools_of(obj, using, "save")
        if pools.add_save(obj):
            self._flush_alias(alias)

    def delete(self, obj, using=None):
        """Record ``obj.delete(using=using)``; flush the alias if its delete pool is full.

        Raise ``ValueError`` at once, as ``Model.delete()`` does, for an object without
        a primary key, unless this operation has a pending save of that object.
        """
        alias, pools = self._pools_of(obj, using, "delete")
        if obj.pk is None and not pools.is_saving(obj):
            raise ValueError(
                f"{obj._meta.object_name} object can't be deleted because its "
                f"{obj._meta.pk.attname} attribute is set to None."
            )
        if pools.add_delete(obj):
            self._flush_alias(alias)

    def flush(self):
        """Write all pending work, one alias after another in order of first use."""
        self._check_thread()
        for alias in list(self._pools):
            self._flush_alias(alias)

    # Context manager and decorator.

    def __enter__(self):
        self._check_thread()
        if self._entered:
            raise RuntimeError(
                "This BatchOperation is already in use as a context manager; "
                "create a new BatchOperation for a nested block."
            )
        stack = _active_operations()
        if stack:
            stack[-1].flush()
        stack.append(self)
        self._entered = True
        if self.atomic:
            self._transactions = ExitStack()
            for alias in self.config or (DEFAULT_DB_ALIAS,):
                self._transactions.enter_context(transaction.atomic(using=alias))
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        try:
            if exc_type is None:
                try:
                    self.flush()
                except BaseException as error:
                    self._discard()
                    self._close_transactions(type(error), error, error.__traceback__)
                    raise
            else:
                self._discard()
            self._close_transactions(exc_type, exc_value, traceback)
        finally:
            _active_operations().remove(self)
            self._entered = False
        return False

    def __call__(self, func):
        """Run ``func`` in a fresh operation per call, passed as the keyword ``op``."""

        @wraps(func)
        def run_in_operation(*args, **kwargs):
            operation = BatchOperation(
                self.config, atomic=self.atomic, send_signals=self.send_signals
            )
            with operation:
                return func(*args, op=operation, **kwargs)

        return run_in_operation

    # Internals.

    def _check_thread(self):
        if threading.get_ident() != self._thread:
            raise RuntimeError(
                "A BatchOperation belongs to the thread that created it; create one "
                "per thread."
            )

    def _pools_of(self, obj, using, method):
        """Return the alias that ``obj`` routes to and that alias's pools.

        This runs once per recorded call, so the common case takes few steps.
        """
        if threading.get_ident() != self._thread:
            self._check_thread()
        if not isinstance(obj, models.Model):
            raise TypeError(
                f"BatchOperation.{method}() expects a model instance, not "
                f"{type(obj).__name__}."
            )
        if using:
            alias = using
        elif router.routers:
            alias = router.db_for_write(type(obj), instance=obj)
        else:
            # What db_for_write() returns when no router is configured.
            alias = obj._state.db or DEFAULT_DB_ALIAS

        pools = self._pools.get(alias)
        if pools is None:
            pools = self._open_pools(alias, method)
        return alias, pools

    def _open_pools(self, alias, method):
        if alias not in connections.settings:
            raise ImproperlyConfigured(
                f"BatchOperation.{method}() got the database alias {alias!r}, which is "
                f"not in settings.DATABASES; use one of {sorted(connections.settings)}."
            )
        pools = self._pools[alias] = AliasPools(resolve(self.config, alias))
        self.stats.setdefault(alias, AliasStats())
        if self._transactions is not None and alias not in (self.config or (DEFAULT_DB_ALIAS,)):
            self._transactions.enter_context(transaction.atomic(using=alias))
        return pools

    def _flush_alias(self, alias):
        pools = self._pools[alias]
        if not len(pools):
            return
        config = pools.config
        kinds, objects = pools.take()
        steps = plan(kinds, objects)
        connection = connections[alias]
        flush_stats = AliasStats()
        context = SaveContext(connection, config, flush_stats, self.send_signals)
        try:
            with count_statements(connection, flush_stats):
                with note_commit_failure(alias, lambda: _summarize(kinds, objects)):
                    with transaction.atomic(using=alias):
                        for step in steps:
                            step_objects = list(step.objects.values())
                            if step.kind == SAVE:
                                execute_save_step(step_objects, context)
                            else:
                                execute_delete_step(step_objects, context)
        except BaseException:
            self.stats[alias].statements += flush_stats.statements
            raise
        total = self.stats[alias]
        total.inserted += flush_stats.inserted
        total.updated += flush_stats.updated
        total.deleted += flush_stats.deleted
        total.statements += flush_stats.statements
        total.fallbacks += flush_stats.fallbacks

    def _discard(self):
        for pools in self._pools.values():
            pools.take()

    def _close_transactions(self, exc_type, exc_value, traceback):
        transactions, self._transactions = self._transactions, None
        if transactions is not None:
            transactions.__exit__(exc_type, exc_value, traceback)


def _summarize(kinds, objects):
    counts = Counter((kind, type(obj)._meta.label) for kind, obj in zip(kinds, objects))
    return ", ".join(f"{count} {kind}(s) of {label}" for (kind, label), count in counts.items())
