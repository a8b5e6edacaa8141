"""Context added to database errors raised by a flush."""

from contextlib import contextmanager

from django.db import DatabaseError


def _add_note_once(exc, note):
    # The innermost block has the most precise context, so outer blocks add no note.
    if not getattr(exc, "_batchops_noted", False):
        exc.add_note(note)
        exc._batchops_noted = True


@contextmanager
def note_failure(action, model, count, alias):
    """Add a note naming the model and row count to a ``DatabaseError`` from the block.

    The error keeps its class, so ``IntegrityError`` stays ``IntegrityError``.
    """
    try:
        yield
    except DatabaseError as exc:
        _add_note_once(
            exc,
            f"batchops: {action} {count} {model._meta.label} row(s) on database "
            f"{alias!r} failed, so nothing of this flush was written.",
        )
        raise


@contextmanager
def note_commit_failure(alias, summary):
    """Add a note listing the flushed work to an error raised at commit.

    Foreign keys on PostgreSQL and SQLite are checked at commit, so such an error
    belongs to no single statement. ``summary`` is a callable returning the text.
    """
    try:
        yield
    except DatabaseError as exc:
        _add_note_once(
            exc,
            f"batchops: the flush on database {alias!r} failed at commit, so none of "
            f"it was written. It contained {summary()}.",
        )
        raise
