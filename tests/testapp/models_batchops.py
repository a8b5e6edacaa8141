"""Models for the batchops tests: a small graph of parents, children and other shapes."""

import uuid

from django.db import models
from django.db.models.functions import Lower


class BatchParent(models.Model):
    name = models.CharField(max_length=50)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)


class BatchChild(models.Model):
    parent = models.ForeignKey(BatchParent, on_delete=models.CASCADE, related_name="children")
    name = models.CharField(max_length=50)


class BatchTag(models.Model):
    """Points to a parent with SET_NULL, so deleting the parent keeps the tag."""

    parent = models.ForeignKey(
        BatchParent, null=True, on_delete=models.SET_NULL, related_name="tags"
    )
    label = models.CharField(max_length=50)


class BatchUnique(models.Model):
    code = models.CharField(max_length=20, unique=True)
    value = models.IntegerField(default=0)


class BatchNode(models.Model):
    """A tree: deleting a node deletes its subtree."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="kids"
    )
    name = models.CharField(max_length=50)


class BatchToken(models.Model):
    """A model whose primary key has a Python default."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    label = models.CharField(max_length=50)
    owner = models.ForeignKey(BatchParent, null=True, on_delete=models.CASCADE)


class BatchCode(models.Model):
    """A model whose primary key is always set by hand and has no default."""

    code = models.CharField(max_length=20, primary_key=True)
    value = models.IntegerField(default=0)


class BatchPlace(models.Model):
    name = models.CharField(max_length=50)


class BatchRestaurant(BatchPlace):
    """Multi-table inheritance: saved through save()'s own code."""

    seats = models.IntegerField(default=0)


class BatchComputed(models.Model):
    """A database default and a generated column."""

    price = models.IntegerField()
    quantity = models.IntegerField(db_default=1)
    total = models.GeneratedField(
        expression=models.F("price") * models.F("quantity"),
        output_field=models.IntegerField(),
        db_persist=True,
    )
    slug = models.CharField(max_length=50, default="")

    class Meta:
        constraints = [models.UniqueConstraint(Lower("slug"), name="batchcomputed_slug_ci")]


class BatchWide(models.Model):
    """Twenty columns, so SQLite's limit on query parameters caps rows per statement."""

    f01 = models.IntegerField(default=0)
    f02 = models.IntegerField(default=0)
    f03 = models.IntegerField(default=0)
    f04 = models.IntegerField(default=0)
    f05 = models.IntegerField(default=0)
    f06 = models.IntegerField(default=0)
    f07 = models.IntegerField(default=0)
    f08 = models.IntegerField(default=0)
    f09 = models.IntegerField(default=0)
    f10 = models.IntegerField(default=0)
    f11 = models.IntegerField(default=0)
    f12 = models.IntegerField(default=0)
    f13 = models.IntegerField(default=0)
    f14 = models.IntegerField(default=0)
    f15 = models.IntegerField(default=0)
    f16 = models.IntegerField(default=0)
    f17 = models.IntegerField(default=0)
    f18 = models.IntegerField(default=0)
    f19 = models.IntegerField(default=0)


class BatchDocument(models.Model):
    """A JSON column, which PostgreSQL updates through VALUES rather than arrays."""

    title = models.CharField(max_length=50)
    data = models.JSONField(default=dict)


class BatchAudit(models.Model):
    """Refers to a node with DO_NOTHING, so deleting nodes never touches audit rows."""

    node = models.ForeignKey(BatchNode, null=True, on_delete=models.DO_NOTHING, db_constraint=False)
    note = models.CharField(max_length=50)


class BatchPair(models.Model):
    """A composite primary key: saved through save()'s own code."""

    pk = models.CompositePrimaryKey("left", "right")
    left = models.IntegerField()
    right = models.IntegerField()
    note = models.CharField(max_length=50, default="")


class BatchLock(models.Model):
    """Protects its parent: the parent can be deleted only after the lock."""

    parent = models.ForeignKey(BatchParent, on_delete=models.PROTECT, related_name="locks")
    label = models.CharField(max_length=50)
