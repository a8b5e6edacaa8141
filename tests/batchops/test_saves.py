"""Saves through BatchOperation: inserts, updates, keys set by hand and batching."""

import datetime
import math

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from batchops import BatchOperation
from tests.batchops.helpers import capture, data_statements, statements_starting, table
from tests.testapp.models import (
    BatchCode,
    BatchComputed,
    BatchDocument,
    BatchPair,
    BatchParent,
    BatchPlace,
    BatchRestaurant,
    BatchToken,
    BatchUnique,
    BatchWide,
)

pytestmark = pytest.mark.django_db


def test_hundred_saves_send_one_insert():
    with capture() as captured:
        with BatchOperation() as op:
            for number in range(100):
                op.save(BatchParent(name=f"p{number}"))

    assert len(data_statements(captured)) == 1
    assert len(statements_starting(captured, "INSERT")) == 1
    assert BatchParent.objects.count() == 100
    assert op.stats["default"].inserted == 100
    assert op.stats["default"].statements == 1


def test_insert_sets_primary_keys():
    parents = [BatchParent(name=f"p{number}") for number in range(5)]
    with BatchOperation() as op:
        for parent in parents:
            op.save(parent)

    for parent in parents:
        assert parent.pk is not None
        assert parent._state.adding is False
        assert parent._state.db == "default"
        assert BatchParent.objects.get(pk=parent.pk).name == parent.name


def test_update_applies_auto_now():
    parent = BatchParent.objects.create(name="old")
    loaded = BatchParent.objects.get(pk=parent.pk)
    loaded.name = "new"
    with BatchOperation() as op:
        op.save(loaded)

    row = BatchParent.objects.get(pk=parent.pk)
    assert row.name == "new"
    assert row.updated > parent.updated
    assert row.updated == loaded.updated
    assert row.created == parent.created
    assert op.stats["default"].updated == 1
    assert op.stats["default"].inserted == 0


def test_updates_send_one_statement_per_batch():
    BatchParent.objects.bulk_create(BatchParent(name=f"p{n}") for n in range(250))
    loaded = list(BatchParent.objects.all())
    with capture() as captured:
        with BatchOperation({"default": {"batch_size": 100}}) as op:
            for parent in loaded:
                parent.name += "!"
                op.save(parent)

    assert len(statements_starting(captured, "UPDATE")) == 3
    assert len(data_statements(captured)) == 3
    assert BatchParent.objects.filter(name__endswith="!").count() == 250
    assert op.stats["default"].updated == 250


# Columns: description, rows already in the table, objects to save, expected rows.
HAND_SET_KEY_CASES = [
    ("new key inserts", [], [("a", 1)], [("a", 1)]),
    ("existing key updates", [("a", 1)], [("a", 2)], [("a", 2)]),
    ("mixed keys", [("a", 1)], [("a", 2), ("b", 3)], [("a", 2), ("b", 3)]),
    ("same key twice, last wins", [], [("a", 1), ("a", 2)], [("a", 2)]),
    ("same existing key twice", [("a", 1)], [("a", 5), ("a", 6)], [("a", 6)]),
]


@pytest.mark.parametrize(
    ("existing", "saved", "expected"),
    [case[1:] for case in HAND_SET_KEY_CASES],
    ids=[case[0] for case in HAND_SET_KEY_CASES],
)
def test_hand_set_keys_end_as_save(existing, saved, expected):
    for code, value in existing:
        BatchCode.objects.create(code=code, value=value)
    with BatchOperation() as op:
        for code, value in saved:
            op.save(BatchCode(code=code, value=value))

    assert table(BatchCode, "code", "value") == expected


def test_hand_set_auto_key_inserts_or_updates():
    existing = BatchParent.objects.create(name="old")
    with BatchOperation() as op:
        op.save(BatchParent(pk=existing.pk, name="replaced", created=existing.created))
        op.save(BatchParent(pk=existing.pk + 1000, name="inserted"))

    assert table(BatchParent, "id", "name") == [
        (existing.pk, "replaced"),
        (existing.pk + 1000, "inserted"),
    ]
    assert op.stats["default"].updated == 1
    assert op.stats["default"].inserted == 1


def test_default_key_new_instance_inserts():
    token = BatchToken(label="t")
    key = token.pk
    with BatchOperation() as op:
        op.save(token)

    assert token.pk == key
    assert table(BatchToken, "id", "label") == [(key, "t")]


def test_default_key_duplicate_fails_as_save():
    token = BatchToken.objects.create(label="first")

    with pytest.raises(IntegrityError), transaction.atomic():
        BatchToken(id=token.pk, label="plain").save()
    with pytest.raises(IntegrityError):
        with BatchOperation() as op:
            op.save(BatchToken(id=token.pk, label="batched"))
    assert table(BatchToken, "label") == [("first",)]


def test_database_default_and_generated_field_as_save():
    plain = BatchComputed(price=3, slug="plain")
    plain.save()
    batched = BatchComputed(price=3, slug="batched")
    with BatchOperation() as op:
        op.save(batched)

    plain_row = BatchComputed.objects.get(pk=plain.pk)
    batched_row = BatchComputed.objects.get(pk=batched.pk)
    assert (batched_row.quantity, batched_row.total) == (plain_row.quantity, plain_row.total)
    assert (batched_row.quantity, batched_row.total) == (1, 3)
    assert batched.total == plain.total


def test_generated_field_after_update_as_save():
    plain = BatchComputed.objects.create(price=2, quantity=2, slug="plain")
    batched = BatchComputed.objects.create(price=2, quantity=2, slug="batched")
    plain = BatchComputed.objects.get(pk=plain.pk)
    batched = BatchComputed.objects.get(pk=batched.pk)
    plain.price = 5
    batched.price = 5
    plain.save()
    with BatchOperation() as op:
        op.save(batched)

    assert BatchComputed.objects.get(pk=batched.pk).total == 10
    assert batched.total == plain.total


def test_wide_model_respects_backend_limit():
    objects = [BatchWide() for _ in range(300)]
    fields = [f for f in BatchWide._meta.concrete_fields if not f.primary_key]
    limit = min(1000, connection.ops.bulk_batch_size(fields, objects))
    with capture() as captured:
        with BatchOperation({"default": {"pool_size": 1000, "batch_size": 1000}}) as op:
            for obj in objects:
                op.save(obj)

    assert len(statements_starting(captured, "INSERT")) == math.ceil(300 / limit)
    assert BatchWide.objects.count() == 300


@pytest.mark.parametrize("batch_size", [1, 7, 100])
def test_batch_size_caps_rows_per_statement(batch_size):
    with capture() as captured:
        with BatchOperation({"default": {"batch_size": batch_size}}) as op:
            for number in range(20):
                op.save(BatchParent(name=f"p{number}"))

    assert len(statements_starting(captured, "INSERT")) == math.ceil(20 / batch_size)
    assert BatchParent.objects.count() == 20


def test_multi_table_inheritance_falls_back():
    restaurant = BatchRestaurant(name="r", seats=4)
    with BatchOperation() as op:
        op.save(restaurant)
        op.save(BatchParent(name="p"))

    assert restaurant.pk is not None
    assert table(BatchRestaurant, "name", "seats") == [("r", 4)]
    assert table(BatchPlace, "name") == [("r",)]
    assert op.stats["default"].fallbacks == 1
    assert op.stats["default"].inserted == 2


def test_fallback_sends_no_signals_by_default():
    received = []

    def receiver(sender, instance, **kwargs):
        received.append(instance)

    pre_save.connect(receiver)
    post_save.connect(receiver)
    try:
        with BatchOperation() as op:
            op.save(BatchRestaurant(name="r"))
            op.save(BatchParent(name="p"))
    finally:
        pre_save.disconnect(receiver)
        post_save.disconnect(receiver)
    assert received == []


def test_send_signals_for_every_object():
    events = []

    def on_pre_save(sender, instance, **kwargs):
        events.append(("pre", instance.name, instance.pk is None))

    def on_post_save(sender, instance, created, **kwargs):
        events.append(("post", instance.name, created))

    pre_save.connect(on_pre_save)
    post_save.connect(on_post_save)
    existing = BatchParent.objects.create(name="old")
    events.clear()
    try:
        with BatchOperation(send_signals=True) as op:
            op.save(BatchParent(name="new"))
            existing.name = "changed"
            op.save(existing)
            op.save(BatchRestaurant(name="mti"))
    finally:
        pre_save.disconnect(on_pre_save)
        post_save.disconnect(on_post_save)

    assert sorted(events) == sorted(
        [
            ("pre", "new", True),
            ("post", "new", True),
            ("pre", "changed", False),
            ("post", "changed", False),
            ("pre", "mti", True),
            ("post", "mti", True),
        ]
    )


AWKWARD_TEXTS = ["", "quote ' and \"double\"", "{braces}, commas", "back\\slash", "NULL", "ünïcødé ✓"]


def test_update_keeps_awkward_text_exact():
    parents = BatchParent.objects.bulk_create(BatchParent(name="x") for _ in AWKWARD_TEXTS)
    loaded = list(BatchParent.objects.order_by("pk"))
    with BatchOperation() as op:
        for parent, text in zip(loaded, AWKWARD_TEXTS):
            parent.name = text
            op.save(parent)

    assert [row.name for row in BatchParent.objects.order_by("pk")] == AWKWARD_TEXTS
    assert op.stats["default"].updated == len(parents)


def test_update_of_json_and_nullable_columns():
    owner = BatchParent.objects.create(name="owner")
    BatchDocument.objects.create(title="a", data={"n": 1})
    BatchDocument.objects.create(title="b", data=[1, 2])
    BatchToken.objects.create(label="t", owner=owner)
    documents = list(BatchDocument.objects.order_by("pk"))
    token = BatchToken.objects.get()
    documents[0].data = {"nested": {"list": [1, "two", None]}, "quote": "'"}
    documents[1].data = "text"
    token.owner = None
    with capture() as captured:
        with BatchOperation() as op:
            for document in documents:
                op.save(document)
            op.save(token)

    assert [d.data for d in BatchDocument.objects.order_by("pk")] == [
        {"nested": {"list": [1, "two", None]}, "quote": "'"},
        "text",
    ]
    assert BatchToken.objects.get().owner_id is None
    assert len(statements_starting(captured, "UPDATE")) == 2
    assert op.stats["default"].updated == 3


def test_update_of_deleted_row_inserts_it_again():
    parent = BatchParent.objects.create(name="p")
    loaded = BatchParent.objects.get(pk=parent.pk)
    BatchParent.objects.all().delete()
    loaded.name = "back"
    with BatchOperation() as op:
        op.save(loaded)

    assert table(BatchParent, "id", "name") == [(parent.pk, "back")]
    assert op.stats["default"].inserted == 1
    assert op.stats["default"].updated == 0


def test_wide_model_updates_respect_backend_limit():
    BatchWide.objects.bulk_create(BatchWide() for _ in range(120))
    loaded = list(BatchWide.objects.all())
    fields = [f for f in BatchWide._meta.concrete_fields]
    limit = min(1000, connection.ops.bulk_batch_size(fields, loaded))
    with capture() as captured:
        with BatchOperation({"default": {"batch_size": 1000}}) as op:
            for obj in loaded:
                obj.f19 = 7
                op.save(obj)

    assert len(statements_starting(captured, "UPDATE")) == math.ceil(120 / limit)
    assert BatchWide.objects.filter(f19=7).count() == 120


def test_expression_value_falls_back_to_save():
    row = BatchUnique.objects.create(code="x", value=1)
    row.value = F("value") + 10
    with BatchOperation() as op:
        op.save(row)

    assert BatchUnique.objects.get().value == 11
    assert op.stats["default"].fallbacks == 1


def test_deferred_fields_save_only_loaded_fields():
    BatchParent.objects.create(name="full")
    partial = BatchParent.objects.only("name").get()
    BatchParent.objects.update(updated=timezone.now() - datetime.timedelta(days=1))
    partial.name = "renamed"
    with BatchOperation() as op:
        op.save(partial)

    row = BatchParent.objects.get()
    assert row.name == "renamed"
    # save() writes only the loaded fields, so auto_now on the deferred one stays.
    assert row.updated < timezone.now() - datetime.timedelta(hours=12)
    assert op.stats["default"].fallbacks == 1


def test_pre_save_receiver_changes_are_written():
    def shout(sender, instance, **kwargs):
        if sender is BatchParent:
            instance.name = instance.name.upper()

    pre_save.connect(shout)
    try:
        with BatchOperation(send_signals=True) as op:
            op.save(BatchParent(name="quiet"))
    finally:
        pre_save.disconnect(shout)
    assert table(BatchParent, "name") == [("QUIET",)]


def test_composite_key_falls_back_and_deletes():
    existing = BatchPair.objects.create(left=1, right=1, note="old")
    loaded = BatchPair.objects.get(pk=(1, 1))
    loaded.note = "changed"
    with BatchOperation() as op:
        op.save(BatchPair(left=2, right=1, note="new"))
        op.save(loaded)

    assert table(BatchPair, "left", "right", "note") == [(1, 1, "changed"), (2, 1, "new")]
    assert op.stats["default"].fallbacks == 2

    with BatchOperation() as op:
        op.delete(existing)
    assert table(BatchPair, "left", "right") == [(2, 1)]
    assert op.stats["default"].deleted == 1
