"""Cursor tokens: exact round trips, and rejection of tampered or foreign tokens."""

import datetime
import decimal
import uuid

import pytest
from django.core import signing

from pager import InvalidCursor, Pager
from pager.tokens import SALT
from pager.values import decode_value, encode_value
from tests.testapp.models import PagerItem

PAGE_SIZE = 4

# Columns: a value whose type JSON cannot carry, which must come back equal and of the same type.
EXACT_VALUES = [
    datetime.datetime(2024, 5, 1, 12, 0, 0, 1, tzinfo=datetime.UTC),
    datetime.datetime(2024, 5, 1, 23, 59, 59, 999_999, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30))),
    datetime.datetime(2024, 5, 1, 12, 0, 0, 123_456),
    datetime.date(2024, 2, 29),
    datetime.time(23, 59, 59, 654_321),
    datetime.timedelta(days=-1, seconds=5, microseconds=7),
    decimal.Decimal("12345678901234567890.123456789"),
    decimal.Decimal("-0.0001000"),
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
    b"\x00\xffbytes",
    1.1,
    2**70,
    "text with ünïcode",
    None,
    True,
]


@pytest.mark.parametrize("value", EXACT_VALUES, ids=repr)
def test_value_round_trips_exactly(value):
    decoded = decode_value(encode_value(value))

    assert decoded == value
    assert type(decoded) is type(value)
    if isinstance(value, datetime.datetime):
        assert decoded.utcoffset() == value.utcoffset()


def test_value_unknown_type_rejected():
    with pytest.raises(TypeError, match="cannot store an ordering value of type object"):
        encode_value(object())


@pytest.fixture
def items(db):
    PagerItem.objects.bulk_create(
        PagerItem(
            rank=index % 3,
            label="x",
            created=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(microseconds=index % 4),
            amount=decimal.Decimal("0.0001") * (index % 5),
            token=uuid.UUID(int=index * 7919),
        )
        for index in range(20)
    )


def query():
    return PagerItem.objects.order_by("-created", "amount", "token")


def first_cursor(make_query=query, page_size=PAGE_SIZE):
    items, cursor, more = Pager(query=make_query(), page=1).paginate(page_size=page_size)
    return cursor


def test_cursor_is_url_safe(items):
    cursor = first_cursor()

    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:.")


def test_tampered_cursor_rejected(items):
    cursor = first_cursor()
    for index in range(len(cursor)):
        replacement = "A" if cursor[index] != "A" else "B"
        tampered = cursor[:index] + replacement + cursor[index + 1 :]
        with pytest.raises(InvalidCursor):
            Pager(query=query(), cursor=tampered).paginate(page_size=PAGE_SIZE)


# Columns: a token string that the pager never issued.
MALFORMED_TOKENS = ["", "x", ":", "a:b:c", "%%%", "1" * 500]


@pytest.mark.parametrize("token", MALFORMED_TOKENS)
def test_malformed_cursor_rejected(items, token):
    with pytest.raises(InvalidCursor):
        Pager(query=query(), cursor=token).paginate(page_size=PAGE_SIZE)


def test_cursor_non_string_rejected(items):
    with pytest.raises(InvalidCursor, match="must be a non-empty token string"):
        Pager(query=query(), cursor=12).paginate(page_size=PAGE_SIZE)


def test_cursor_of_other_query_rejected(items):
    cursor = first_cursor()

    with pytest.raises(InvalidCursor, match="belongs to another query"):
        Pager(query=query().filter(rank=1), cursor=cursor).paginate(page_size=PAGE_SIZE)
    with pytest.raises(InvalidCursor, match="belongs to another query"):
        Pager(query=PagerItem.objects.order_by("created"), cursor=cursor).paginate(page_size=PAGE_SIZE)


def test_cursor_of_other_page_size_rejected(items):
    cursor = first_cursor()

    with pytest.raises(InvalidCursor, match="belongs to another query or page size"):
        Pager(query=query(), cursor=cursor).paginate(page_size=PAGE_SIZE + 1)


def test_cursor_on_empty_query_rejected(items):
    cursor = first_cursor()

    with pytest.raises(InvalidCursor):
        Pager(query=query().none(), cursor=cursor).paginate(page_size=PAGE_SIZE)


def signed(payload):
    return signing.dumps(payload, salt=SALT, compress=True)


def test_signed_wrong_payload_rejected(items):
    cursor = first_cursor()
    payload = signing.loads(cursor, salt=SALT)
    # Columns: a payload signed with the right key and salt but with wrong contents.
    wrong_payloads = [
        [1, 2],
        {**payload, "p": 1},
        {**payload, "p": "2"},
        {**payload, "p": True},
        {**payload, "b": payload["b"][:-1]},
        {**payload, "b": [["datetime", "yesterday"], *payload["b"][1:]]},
        {**payload, "b": [["datetime", "2024-01-01T00:00:00"], *payload["b"][1:]]},
        {**payload, "b": [None, *payload["b"][1:]]},
        {**payload, "b": ["text", *payload["b"][1:]]},
        {key: value for key, value in payload.items() if key != "b"},
    ]
    for wrong in wrong_payloads:
        with pytest.raises(InvalidCursor):
            Pager(query=query(), cursor=signed(wrong)).paginate(page_size=PAGE_SIZE)


def test_cursor_other_secret_rejected(items, settings):
    cursor = first_cursor()
    settings.SECRET_KEY = "another-secret-key-for-this-test-only"

    with pytest.raises(InvalidCursor, match="invalid signature"):
        Pager(query=query(), cursor=cursor).paginate(page_size=PAGE_SIZE)


def test_page_and_cursor_together_rejected():
    with pytest.raises(TypeError, match="not both"):
        Pager(query=PagerItem.objects.all(), page=2, cursor="token")


def test_walk_in_other_time_zone(items, settings):
    settings.TIME_ZONE = "Asia/Kathmandu"
    expected = list(query().order_by("-created", "amount", "token", "pk"))

    pages = []
    items_on_page, cursor, more = Pager(query=query(), page=1).paginate(page_size=3)
    pages.extend(items_on_page)
    while more:
        items_on_page, cursor, more = Pager(query=query(), cursor=cursor).paginate(page_size=3)
        pages.extend(items_on_page)

    assert pages == expected
