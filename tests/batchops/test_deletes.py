"""Deletes through BatchOperation: cascades, signals, counts and unsaved objects."""

import pytest
from django.db.models import ProtectedError
from django.db.models.signals import post_delete, pre_delete

from batchops import BatchOperation
from tests.batchops.helpers import capture, statements_starting, table
from tests.testapp.models import BatchChild, BatchLock, BatchNode, BatchParent, BatchTag

pytestmark = pytest.mark.django_db


def make_family(name, children=2):
    parent = BatchParent.objects.create(name=name)
    for number in range(children):
        BatchChild.objects.create(parent=parent, name=f"{name}-c{number}")
    return parent


def test_delete_cascades_and_counts_as_queryset():
    keep = make_family("keep")
    gone = make_family("gone", children=3)
    BatchTag.objects.create(parent=gone, label="tag")
    expected = BatchParent.objects.filter(pk=gone.pk)

    with BatchOperation() as op:
        op.delete(gone)

    assert table(BatchParent, "name") == [("keep",)]
    assert table(BatchChild, "parent_id") == [(keep.pk,), (keep.pk,)]
    assert table(BatchTag, "label", "parent_id") == [("tag", None)]
    assert gone.pk is None
    # The parent and its three children, as QuerySet.delete() counts them.
    assert op.stats["default"].deleted == 4
    assert not expected.exists()


def test_delete_counts_match_queryset_delete():
    first = make_family("a", children=2)
    second = make_family("b", children=1)
    with BatchOperation() as op:
        op.delete(first)
        op.delete(second)
    batched = op.stats["default"].deleted

    make_family("a", children=2)
    make_family("b", children=1)
    plain, _per_model = BatchParent.objects.all().delete()
    assert batched == plain == 5


def test_delete_sends_signals_for_cascades():
    parent = make_family("p", children=2)
    events = []

    def on_pre_delete(sender, instance, **kwargs):
        events.append(("pre", sender.__name__))

    def on_post_delete(sender, instance, **kwargs):
        events.append(("post", sender.__name__))

    pre_delete.connect(on_pre_delete)
    post_delete.connect(on_post_delete)
    try:
        with BatchOperation() as op:
            op.delete(parent)
    finally:
        pre_delete.disconnect(on_pre_delete)
        post_delete.disconnect(on_post_delete)

    assert sorted(events) == sorted(
        [("pre", "BatchParent"), ("post", "BatchParent")]
        + [("pre", "BatchChild"), ("post", "BatchChild")] * 2
    )


def test_many_deletes_batch_statements():
    parents = BatchParent.objects.bulk_create(BatchParent(name=f"p{n}") for n in range(30))
    parents = list(BatchParent.objects.all())
    with capture() as captured:
        with BatchOperation({"default": {"delete_batch_size": 10}}) as op:
            for parent in parents:
                op.delete(parent)

    deletes = statements_starting(captured, "DELETE")
    assert len([sql for sql in deletes if "testapp_batchparent" in sql]) == 3
    assert BatchParent.objects.count() == 0
    assert op.stats["default"].deleted == 30


def test_deleting_a_gone_row_is_no_error():
    parent = BatchParent.objects.create(name="p")
    stale = BatchParent.objects.get(pk=parent.pk)
    parent.delete()
    with BatchOperation() as op:
        op.delete(stale)

    assert op.stats["default"].deleted == 0
    assert BatchParent.objects.count() == 0


def test_delete_unsaved_object_raises_at_call():
    with BatchOperation() as op:
        with pytest.raises(ValueError, match="BatchParent object can't be deleted because its id"):
            op.delete(BatchParent(name="never"))


def test_save_then_delete_of_new_object_cancels():
    parent = BatchParent(name="p")
    with capture() as captured:
        with BatchOperation() as op:
            op.save(parent)
            op.delete(parent)

    assert statements_starting(captured, "INSERT") == []
    assert BatchParent.objects.count() == 0
    assert parent.pk is None
    assert op.stats["default"].inserted == 0


def test_new_parent_deleted_with_pending_child_cascades():
    parent = BatchParent(name="p")
    child = BatchChild(name="c", parent=parent)
    with BatchOperation() as op:
        op.save(parent)
        op.save(child)
        op.delete(parent)

    assert BatchParent.objects.count() == 0
    assert BatchChild.objects.count() == 0
    assert parent.pk is None


def test_subtree_of_self_reference_deleted():
    root = BatchNode.objects.create(name="root")
    middle = BatchNode.objects.create(name="middle", parent=root)
    BatchNode.objects.create(name="leaf", parent=middle)
    BatchNode.objects.create(name="other")
    with BatchOperation() as op:
        op.delete(root)

    assert table(BatchNode, "name") == [("other",)]
    assert op.stats["default"].deleted == 3


def test_protected_parent_deleted_after_its_lock():
    parent = BatchParent.objects.create(name="p")
    lock = BatchLock.objects.create(parent=parent, label="l")
    with BatchOperation() as op:
        op.delete(lock)
        op.delete(parent)

    assert BatchParent.objects.count() == 0
    assert BatchLock.objects.count() == 0
    assert op.stats["default"].deleted == 2


def test_protected_parent_before_its_lock_raises():
    parent = BatchParent.objects.create(name="p")
    lock = BatchLock.objects.create(parent=parent, label="l")
    with pytest.raises(ProtectedError):
        with BatchOperation() as op:
            op.delete(parent)
            op.delete(lock)

    assert BatchParent.objects.count() == 1
    assert BatchLock.objects.count() == 1
