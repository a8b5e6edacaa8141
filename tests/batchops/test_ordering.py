"""Order and identity: each scenario ends through BatchOperation as with plain calls.

Each scenario runs twice inside a rolled-back transaction: once with ``obj.save()`` and
``obj.delete()``, once with ``op.save(obj)`` and ``op.delete(obj)``, with a pool large
enough for one flush and with a pool of one object. The tables must match each other
and the expected rows. Foreign keys are checked before the tables are read, because
PostgreSQL and SQLite check them only at commit.
"""

import pytest
from django.db import DatabaseError, connection, transaction

from batchops import BatchOperation
from tests.batchops.helpers import capture, statements_starting, table
from tests.testapp.models import (
    BatchAudit,
    BatchChild,
    BatchNode,
    BatchParent,
    BatchToken,
    BatchUnique,
)

pytestmark = pytest.mark.django_db


def snapshot():
    """Return every table of the scenarios, with foreign keys shown as the target's name."""
    tables = {
        "parent": BatchParent.objects.values_list("name"),
        "child": BatchChild.objects.values_list("name", "parent__name"),
        "node": BatchNode.objects.values_list("name", "parent__name"),
        "unique": BatchUnique.objects.values_list("code", "value"),
        "token": BatchToken.objects.values_list("label", "owner__name"),
        "audit": BatchAudit.objects.values_list("note", "node__name"),
    }
    return {name: sorted(rows, key=repr) for name, rows in tables.items()}


def plain_save(obj):
    obj.save()


def plain_delete(obj):
    obj.delete()


def run(scenario, pool_size=None):
    """Run ``scenario`` plainly (``pool_size`` None) or batched; return tables or error class."""
    try:
        with transaction.atomic():
            if pool_size is None:
                scenario(plain_save, plain_delete)
            else:
                with BatchOperation({"default": {"pool_size": pool_size}}) as op:
                    scenario(op.save, op.delete)
            connection.check_constraints()
            result = snapshot()
            transaction.set_rollback(True)
    except (DatabaseError, ValueError) as error:
        return type(error)
    return result


def same_object_twice(save, delete):
    parent = BatchParent(name="first")
    save(parent)
    parent.name = "second"
    save(parent)


def two_instances_of_one_row(save, delete):
    row = BatchParent.objects.create(name="original")
    first = BatchParent.objects.get(pk=row.pk)
    second = BatchParent.objects.get(pk=row.pk)
    first.name = "first"
    second.name = "second"
    save(second)
    save(first)


def save_then_delete_loaded(save, delete):
    parent = BatchParent.objects.create(name="p")
    parent.name = "changed"
    save(parent)
    delete(parent)


def save_then_delete_new(save, delete):
    parent = BatchParent(name="never")
    save(parent)
    delete(parent)
    save(BatchParent(name="kept"))


def save_then_delete_new_default_key(save, delete):
    token = BatchToken(label="never")
    save(token)
    delete(token)


def delete_then_save_parent_loses_children(save, delete):
    parent = BatchParent.objects.create(name="p")
    BatchChild.objects.create(name="c", parent=parent)
    delete(parent)
    save(parent)


def delete_resave_parent_then_new_child(save, delete):
    parent = BatchParent.objects.create(name="p")
    delete(parent)
    save(parent)
    save(BatchChild(name="c", parent=parent))


def delete_then_save_new_unique_value(save, delete):
    old = BatchUnique.objects.create(code="x", value=1)
    delete(old)
    save(BatchUnique(code="x", value=2))


def move_child_then_delete_old_parent(save, delete):
    old = BatchParent.objects.create(name="old")
    new = BatchParent.objects.create(name="new")
    child = BatchChild.objects.create(name="c", parent=old)
    child.parent = new
    save(child)
    delete(old)


def save_child_then_delete_its_parent(save, delete):
    parent = BatchParent.objects.create(name="p")
    child = BatchChild(name="c", parent=parent)
    save(child)
    delete(parent)


def resave_cascaded_child_fails(save, delete):
    parent = BatchParent.objects.create(name="p")
    child = BatchChild.objects.create(name="c", parent=parent)
    delete(parent)
    save(child)


def resave_cascaded_loaded_child_fails(save, delete):
    parent = BatchParent.objects.create(name="p")
    created = BatchChild.objects.create(name="c", parent=parent)
    child = BatchChild.objects.get(pk=created.pk)
    delete(parent)
    child.name = "resaved"
    save(child)


def new_parent_then_children_then_delete(save, delete):
    parent = BatchParent(name="p")
    save(parent)
    save(BatchChild(name="c1", parent=parent))
    save(BatchToken(label="t", owner=parent))
    delete(parent)


def delete_child_then_parent(save, delete):
    parent = BatchParent.objects.create(name="p")
    child = BatchChild.objects.create(name="c", parent=parent)
    delete(child)
    delete(parent)


def delete_parent_then_cascaded_child(save, delete):
    parent = BatchParent.objects.create(name="p")
    child = BatchChild.objects.create(name="c", parent=parent)
    delete(parent)
    delete(child)


def self_reference_chain(save, delete):
    root = BatchNode(name="root")
    save(root)
    middle = BatchNode(name="middle", parent=root)
    save(middle)
    save(BatchNode(name="leaf", parent=middle))


def delete_subtree_then_save_new_root(save, delete):
    root = BatchNode.objects.create(name="root")
    BatchNode.objects.create(name="kid", parent=root)
    delete(root)
    save(BatchNode(name="root"))


def save_refers_to_object_saved_after_a_delete(save, delete):
    old = BatchNode.objects.create(name="old")
    save(BatchParent(name="p"))
    delete(old)
    node = BatchNode(name="new")
    save(node)
    save(BatchAudit(note="a", node=node))


def duplicate_new_unique_values_fail(save, delete):
    save(BatchUnique(code="dup"))
    save(BatchUnique(code="dup"))


def unique_value_moves_between_rows(save, delete):
    first = BatchUnique.objects.create(code="a")
    second = BatchUnique.objects.create(code="b")
    first.code = "c"
    save(first)
    second.code = "a"
    save(second)


def interleaved_saves_and_deletes(save, delete):
    old = [BatchParent.objects.create(name=f"old{n}") for n in range(3)]
    for number, parent in enumerate(old):
        save(BatchParent(name=f"new{number}"))
        delete(parent)
    save(BatchUnique(code="u"))


# Columns: scenario, expected tables (only the non-empty ones), or the expected error.
SCENARIOS = [
    (same_object_twice, {"parent": [("second",)]}),
    (two_instances_of_one_row, {"parent": [("first",)]}),
    (save_then_delete_loaded, {}),
    (save_then_delete_new, {"parent": [("kept",)]}),
    (save_then_delete_new_default_key, {}),
    (delete_then_save_parent_loses_children, {"parent": [("p",)]}),
    (delete_resave_parent_then_new_child, {"parent": [("p",)], "child": [("c", "p")]}),
    (delete_then_save_new_unique_value, {"unique": [("x", 2)]}),
    (move_child_then_delete_old_parent, {"parent": [("new",)], "child": [("c", "new")]}),
    (save_child_then_delete_its_parent, {}),
    (resave_cascaded_child_fails, ValueError),
    (resave_cascaded_loaded_child_fails, DatabaseError),
    (new_parent_then_children_then_delete, {}),
    (delete_child_then_parent, {}),
    (delete_parent_then_cascaded_child, {}),
    (self_reference_chain, {"node": [("leaf", "middle"), ("middle", "root"), ("root", None)]}),
    (delete_subtree_then_save_new_root, {"node": [("root", None)]}),
    (
        save_refers_to_object_saved_after_a_delete,
        {"parent": [("p",)], "node": [("new", None)], "audit": [("a", "new")]},
    ),
    (duplicate_new_unique_values_fail, DatabaseError),
    (unique_value_moves_between_rows, {"unique": [("a", 0), ("c", 0)]}),
    (interleaved_saves_and_deletes, {"parent": [("new0",), ("new1",), ("new2",)], "unique": [("u", 0)]}),
]


@pytest.mark.parametrize("pool_size", [500, 1])
@pytest.mark.parametrize(
    ("scenario", "expected"), SCENARIOS, ids=[case[0].__name__ for case in SCENARIOS]
)
def test_scenario_ends_as_plain_calls(scenario, expected, pool_size):
    plain = run(scenario)
    batched = run(scenario, pool_size)

    assert batched == plain
    if isinstance(expected, type):
        assert issubclass(plain, expected)
    else:
        empty = {name: [] for name in snapshot()}
        assert plain == {**empty, **expected}


def test_child_saved_before_new_parent():
    parent = BatchParent(name="p")
    child = BatchChild(name="c", parent=parent)
    with BatchOperation() as op:
        op.save(child)
        op.save(parent)

    assert child.parent_id == parent.pk
    assert BatchChild.objects.get().parent.name == "p"


def test_self_reference_saved_leaf_first():
    root = BatchNode(name="root")
    middle = BatchNode(name="middle", parent=root)
    leaf = BatchNode(name="leaf", parent=middle)
    with capture() as captured:
        with BatchOperation() as op:
            for node in (leaf, middle, root):
                op.save(node)

    assert BatchNode.objects.get(name="leaf").parent_id == middle.pk
    assert BatchNode.objects.get(name="middle").parent_id == root.pk
    # One INSERT per level of the tree, because each needs its parent's key.
    assert len(statements_starting(captured, "INSERT")) == 3


def test_interleaved_deletes_keep_batching():
    old = [BatchParent.objects.create(name=f"old{n}") for n in range(20)]
    with capture() as captured:
        with BatchOperation() as op:
            for number, parent in enumerate(old):
                op.save(BatchUnique(code=f"u{number}"))
                op.delete(parent)

    assert len(statements_starting(captured, "INSERT")) == 1
    assert BatchUnique.objects.count() == 20
    assert BatchParent.objects.count() == 0


def test_unsaved_related_object_raises_as_save():
    with pytest.raises(ValueError, match="unsaved related object 'parent'"):
        with BatchOperation() as op:
            op.save(BatchChild(name="orphan", parent=BatchParent(name="never saved")))


def test_child_follows_parent_saved_again():
    parent = BatchParent.objects.create(name="p")
    child = BatchChild.objects.create(name="c", parent=parent)
    with BatchOperation() as op:
        op.delete(parent)
        op.save(parent)
        op.save(child)

    assert parent.pk is not None
    assert table(BatchChild, "name", "parent_id") == [("c", parent.pk)]
