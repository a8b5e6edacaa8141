"""Pooled, batched saves and deletes that end as plain ``save()`` and ``delete()`` would.

See ``batchops.operation.BatchOperation`` and docs/batchops.md.
"""

__all__ = ["BatchOperation"]


def __getattr__(name):
    # Imported on first use, so that loading INSTALLED_APPS does not import the ORM.
    if name == "BatchOperation":
        from batchops.operation import BatchOperation

        return BatchOperation
    raise AttributeError(f"module 'batchops' has no attribute {name!r}")
