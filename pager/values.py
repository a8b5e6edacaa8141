"""Encode ordering values as JSON-compatible data and decode them exactly.

Cursor tokens and cache entries store a page boundary, the ordering values of one row,
in this form. Types that JSON cannot carry are tagged lists, such as
``["datetime", "2024-05-01T12:00:00.000001+00:00"]``, so aware datetimes keep their
microseconds and offset, and decimals keep every digit.
"""

import base64
import datetime
import decimal
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

_PARSERS = {
    "datetime": datetime.datetime.fromisoformat,
    "date": datetime.date.fromisoformat,
    "time": datetime.time.fromisoformat,
    "decimal": decimal.Decimal,
    "uuid": uuid.UUID,
    "bytes": base64.b64decode,
    "timedelta": lambda parts: datetime.timedelta(*parts),
}


def encode_value(value):
    """Return ``value`` as JSON-compatible data that decode_value() turns back."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    # datetime is a subclass of date, so it is tested first.
    if isinstance(value, datetime.datetime):
        return ["datetime", value.isoformat()]
    if isinstance(value, datetime.date):
        return ["date", value.isoformat()]
    if isinstance(value, datetime.time):
        return ["time", value.isoformat()]
    if isinstance(value, decimal.Decimal):
        return ["decimal", str(value)]
    if isinstance(value, uuid.UUID):
        return ["uuid", str(value)]
    if isinstance(value, datetime.timedelta):
        return ["timedelta", [value.days, value.seconds, value.microseconds]]
    if isinstance(value, (bytes, memoryview)):
        return ["bytes", base64.b64encode(bytes(value)).decode("ascii")]
    raise TypeError(
        f"The pager cannot store an ordering value of type {type(value).__name__}: "
        f"{value!r}. Order by fields of a scalar type (numbers, text, dates, UUIDs)."
    )


def decode_value(data):
    """Return the value that encode_value() turned into ``data``; raise ValueError if malformed."""
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if not (isinstance(data, list) and len(data) == 2 and data[0] in _PARSERS):
        raise ValueError(f"Malformed encoded value: {data!r}.")
    try:
        return _PARSERS[data[0]](data[1])
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise ValueError(f"Malformed encoded {data[0]}: {data[1]!r}.") from exc


def encode_boundary(values):
    """Return a page boundary (a tuple of ordering values) as JSON-compatible data."""
    return [encode_value(value) for value in values]


def decode_boundary(data, columns):
    """Decode and check a boundary for ``columns``; raise ValueError if it does not fit."""
    if not isinstance(data, list) or len(data) != len(columns):
        raise ValueError(f"A boundary for {len(columns)} ordering columns expected, got {data!r}.")
    return tuple(_check(decode_value(item), column) for item, column in zip(data, columns))


def _check(value, column):
    """Return ``value`` if column could hold it; raise ValueError otherwise."""
    if value is None:
        if not column.nullable:
            raise ValueError(f"{column.name} cannot be NULL.")
        return value
    try:
        converted = column.output_field.to_python(value)
    except (ValidationError, TypeError, ValueError, ArithmeticError) as exc:
        raise ValueError(f"{value!r} is not a valid value of {column.name}.") from exc
    # to_python() converts between types (5 becomes "5" for a CharField), so a value
    # of another type than the field's is a value that no row of this query produced.
    if type(converted) is not type(value) or converted != value:
        raise ValueError(f"{value!r} is not a value of {column.name}, whose values look like {converted!r}.")
    if isinstance(value, datetime.datetime) and settings.USE_TZ and timezone.is_naive(value):
        raise ValueError(f"{column.name} contains aware datetimes, not the naive {value!r}. Make the value aware with django.utils.timezone.make_aware().")
    return value
