"""Models of the pager tests: ties, NULLs, relations and exact value types."""

import uuid

from django.db import models


class PagerAuthor(models.Model):
    """An author whose name may be NULL, ordered by name so order_by("author") expands."""

    name = models.CharField(max_length=50, null=True)

    class Meta:
        ordering = ["name"]


class PagerItem(models.Model):
    """A row with ordering columns of many kinds."""

    rank = models.IntegerField()
    score = models.IntegerField(null=True)
    label = models.CharField(max_length=20)
    created = models.DateTimeField()
    amount = models.DecimalField(max_digits=12, decimal_places=4)
    token = models.UUIDField()
    author = models.ForeignKey(PagerAuthor, null=True, on_delete=models.SET_NULL)


class PagerUUIDItem(models.Model):
    """A row with a UUID primary key, so the tie-breaker itself is a UUID."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    rank = models.IntegerField()


class PagerNote(models.Model):
    """A row with a default ordering and a relation that cannot be NULL."""

    item = models.ForeignKey(PagerItem, on_delete=models.CASCADE)
    position = models.IntegerField()

    class Meta:
        ordering = ["-position"]
