"""Rows for the pager tests, with ties, NULLs and exact values, made deterministically."""

import datetime
import decimal
import random
import uuid

from tests.testapp.models import PagerAuthor, PagerItem, PagerNote, PagerUUIDItem

BASE_TIME = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.UTC)


def make_rows(items=40, seed=7):
    """Create authors, items, notes and UUID items; return the items."""
    rng = random.Random(seed)
    authors = [PagerAuthor.objects.create(name=name) for name in ["ann", "bob", None, "bob", "cy"]]
    created = []
    for index in range(items):
        created.append(
            PagerItem.objects.create(
                # Few distinct ranks, so large blocks of ties.
                rank=rng.randrange(4),
                score=rng.choice([None, None, 1, 2, 3, 5]),
                label=rng.choice(["alpha", "Beta", "gamma", "Delta", "beta"]),
                # Times that differ only in microseconds, and some exact repeats.
                created=BASE_TIME + datetime.timedelta(microseconds=rng.randrange(6)),
                amount=decimal.Decimal(rng.choice(["0.0001", "0.0002", "12.5000", "-3.1000", "12.5001"])),
                token=uuid.UUID(int=rng.getrandbits(128)),
                author=rng.choice([*authors, None]),
            )
        )
    for index in range(30):
        PagerNote.objects.create(item=rng.choice(created), position=rng.randrange(7))
    for index in range(25):
        PagerUUIDItem.objects.create(id=uuid.UUID(int=rng.getrandbits(128)), rank=rng.randrange(3))
    return created
