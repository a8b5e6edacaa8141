"""Pools, flushes, transactions and errors of BatchOperation."""

import threading

import pytest
from django.db import IntegrityError, transaction

from batchops import BatchOperation
from tests.batchops.helpers import capture, statements_starting, table
from tests.testapp.models import BatchChild, BatchParent, BatchUnique

pytestmark = pytest.mark.django_db


def test_full_save_pool_flushes():
    with BatchOperation({"default": {"pool_size": 3}}) as op:
        for number in range(7):
            op.save(BatchParent(name=f"p{number}"))
            # Two flushes happen inside the block, after the third and sixth save.
            assert BatchParent.objects.count() == 3 * ((number + 1) // 3)
    assert BatchParent.objects.count() == 7
    assert op.stats["default"].statements == 3


def test_full_delete_pool_flushes():
    parents = [BatchParent.objects.create(name=f"p{n}") for n in range(4)]
    with BatchOperation({"default": {"delete_pool_size": 2, "save_pool_size": 100}}) as op:
        op.delete(parents[0])
        assert BatchParent.objects.count() == 4
        op.delete(parents[1])
        assert BatchParent.objects.count() == 2
        op.save(BatchParent(name="new"))
        op.delete(parents[2])
        assert BatchParent.objects.count() == 2
    assert table(BatchParent, "name") == [("new",), ("p3",)]


def test_saving_one_object_twice_fills_one_slot():
    parent = BatchParent(name="p")
    with BatchOperation({"default": {"pool_size": 2}}) as op:
        op.save(parent)
        op.save(parent)
        assert BatchParent.objects.count() == 0
    assert BatchParent.objects.count() == 1


def test_queries_in_block_do_not_see_pending():
    with BatchOperation() as op:
        op.save(BatchParent(name="pending"))
        assert BatchParent.objects.count() == 0
        op.flush()
        assert BatchParent.objects.count() == 1


def test_exception_in_block_discards_pending():
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with BatchOperation() as op:
            op.save(BatchParent(name="lost"))
            raise Boom
    assert BatchParent.objects.count() == 0


def test_exception_keeps_earlier_flushes_without_atomic():
    with pytest.raises(KeyError):
        with BatchOperation() as op:
            op.save(BatchParent(name="kept"))
            op.flush()
            op.save(BatchParent(name="lost"))
            raise KeyError("x")
    assert table(BatchParent, "name") == [("kept",)]


def test_atomic_block_rolls_back_earlier_flushes():
    with pytest.raises(KeyError):
        with BatchOperation(atomic=True) as op:
            op.save(BatchParent(name="flushed"))
            op.flush()
            assert BatchParent.objects.count() == 1
            raise KeyError("x")
    assert BatchParent.objects.count() == 0


def test_failed_flush_writes_nothing_and_names_model():
    BatchUnique.objects.create(code="taken")
    with pytest.raises(IntegrityError) as error:
        with BatchOperation() as op:
            op.save(BatchParent(name="first"))
            for number in range(3):
                op.save(BatchUnique(code=f"free{number}"))
            op.save(BatchUnique(code="taken"))

    notes = "\n".join(getattr(error.value, "__notes__", []))
    assert "testapp.BatchUnique" in notes
    assert "4 " in notes
    assert BatchParent.objects.count() == 0
    assert table(BatchUnique, "code") == [("taken",)]


def test_duplicate_new_unique_values_raise_as_save():
    with pytest.raises(IntegrityError), transaction.atomic():
        BatchUnique(code="dup").save()
        BatchUnique(code="dup").save()
    with pytest.raises(IntegrityError):
        with BatchOperation() as op:
            op.save(BatchUnique(code="dup"))
            op.save(BatchUnique(code="dup"))
    assert BatchUnique.objects.count() == 0


def test_failed_flush_inside_atomic_keeps_outer_work():
    with transaction.atomic():
        BatchParent.objects.create(name="outer")
        with pytest.raises(IntegrityError):
            with BatchOperation() as op:
                op.save(BatchUnique(code="dup"))
                op.save(BatchUnique(code="dup"))
        BatchParent.objects.create(name="after")
    assert table(BatchParent, "name") == [("after",), ("outer",)]


def test_block_inside_atomic_joins_it():
    with pytest.raises(KeyError):
        with transaction.atomic():
            with BatchOperation() as op:
                op.save(BatchParent(name="joined"))
            assert BatchParent.objects.count() == 1
            raise KeyError("x")
    assert BatchParent.objects.count() == 0


def test_flush_is_one_transaction():
    parent = BatchParent(name="p")
    with capture() as captured:
        with BatchOperation() as op:
            op.save(BatchChild(name="c", parent=parent))
            op.save(parent)

    control = [q["sql"] for q in captured.captured_queries if q["sql"].startswith(("BEGIN", "SAVEPOINT"))]
    assert len(control) == 1
    assert len(statements_starting(captured, "INSERT")) == 2


@pytest.mark.django_db(databases=["default", "other"])
def test_two_databases_get_separate_flushes():
    with capture("default") as default_queries, capture("other") as other_queries:
        with BatchOperation({"default": {"pool_size": 2}, "other": {"pool_size": 5}}) as op:
            for number in range(4):
                op.save(BatchParent(name=f"d{number}"))
                op.save(BatchParent(name=f"o{number}"), using="other")
            assert BatchParent.objects.using("default").count() == 4
            assert BatchParent.objects.using("other").count() == 0

    assert table(BatchParent, "name", using="other") == [(f"o{n}",) for n in range(4)]
    assert len(statements_starting(default_queries, "INSERT")) == 2
    assert len(statements_starting(other_queries, "INSERT")) == 1
    assert op.stats["default"].inserted == 4
    assert op.stats["other"].inserted == 4


@pytest.mark.django_db(databases=["default", "other"])
def test_loaded_object_routes_to_its_database():
    BatchParent.objects.using("other").create(name="there")
    loaded = BatchParent.objects.using("other").get()
    loaded.name = "changed"
    with BatchOperation() as op:
        op.save(loaded)
    assert table(BatchParent, "name", using="other") == [("changed",)]
    assert BatchParent.objects.using("default").count() == 0


def test_nested_block_flushes_outer_first():
    parent = BatchParent(name="outer")
    with BatchOperation() as outer:
        outer.save(parent)
        with BatchOperation() as inner:
            assert parent.pk is not None
            inner.save(BatchChild(name="inner", parent=parent))
        assert BatchChild.objects.count() == 1
    assert BatchParent.objects.count() == 1


def test_decorator_passes_fresh_operation():
    seen = []

    @BatchOperation({"default": {"pool_size": 10}})
    def seed(count, *, op):
        seen.append(op)
        for number in range(count):
            op.save(BatchParent(name=f"p{number}"))

    seed(3)
    seed(2)
    assert BatchParent.objects.count() == 5
    assert seen[0] is not seen[1]
    assert seen[0].stats["default"].inserted == 3


def test_operation_rejects_other_threads():
    op = BatchOperation()
    errors = []

    def use():
        try:
            op.save(BatchParent(name="x"))
        except RuntimeError as error:
            errors.append(str(error))

    thread = threading.Thread(target=use)
    thread.start()
    thread.join()
    assert len(errors) == 1
    assert "thread" in errors[0]


def test_manual_flush_without_block():
    op = BatchOperation()
    op.save(BatchParent(name="manual"))
    assert BatchParent.objects.count() == 0
    op.flush()
    assert BatchParent.objects.count() == 1


def test_stats_accumulate_over_block():
    existing = BatchParent.objects.create(name="old")
    with BatchOperation({"default": {"pool_size": 2}}) as op:
        op.save(BatchParent(name="a"))
        op.save(BatchParent(name="b"))
        op.save(BatchParent(name="c"))
        existing.name = "changed"
        op.save(existing)
        op.delete(BatchParent.objects.get(name="a"))
    stats = op.stats["default"]
    assert (stats.inserted, stats.updated, stats.deleted, stats.fallbacks) == (3, 1, 1, 0)


@pytest.mark.django_db(transaction=True)
def test_commit_failure_names_the_flush():
    parent = BatchParent.objects.create(name="kept")
    with pytest.raises(IntegrityError) as error:
        with BatchOperation() as op:
            op.save(BatchChild(name="orphan", parent_id=999_999))
            op.delete(parent)

    notes = "\n".join(getattr(error.value, "__notes__", []))
    assert "failed at commit" in notes
    assert "1 save(s) of testapp.BatchChild" in notes
    assert "1 delete(s) of testapp.BatchParent" in notes
    assert BatchChild.objects.count() == 0
    assert table(BatchParent, "name") == [("kept",)]


@pytest.mark.django_db(databases=["default", "other"])
def test_atomic_block_spans_both_databases():
    with pytest.raises(KeyError):
        with BatchOperation(atomic=True) as op:
            op.save(BatchParent(name="d"))
            op.save(BatchParent(name="o"), using="other")
            op.flush()
            assert BatchParent.objects.using("other").count() == 1
            raise KeyError("x")
    assert BatchParent.objects.using("default").count() == 0
    assert BatchParent.objects.using("other").count() == 0
