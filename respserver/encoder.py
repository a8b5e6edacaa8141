"""Encoders of RESP2 and RESP3 replies, with no I/O.

Small helpers return the bytes of one reply. ``encode(value, proto)`` turns Python
values into replies for the commands whose replies are nested. It maps the types as
follows:

- ``bytes`` and ``str`` to bulk strings, ``int`` to integers, ``None`` to a null.
- ``list`` and ``tuple`` to arrays.
- ``dict`` to maps (flat arrays in RESP2).
- ``frozenset`` and ``set`` to sets (arrays in RESP2).
- ``SimpleString`` to simple strings.
- ``Verbatim`` to verbatim strings (bulk strings in RESP2).
"""

from respserver.constants import CRLF

# Reply type bytes.
SIMPLE = b"+"
ERROR = b"-"
INTEGER = b":"
BULK = b"$"
ARRAY = b"*"
NULL3 = b"_"  # RESP3 null
MAP = b"%"  # RESP3
SET = b"~"  # RESP3
VERBATIM = b"="  # RESP3

OK = b"+OK\r\n"
PONG = b"+PONG\r\n"
NULL_BULK2 = b"$-1\r\n"
NULL_RESP3 = b"_\r\n"
EMPTY_ARRAY = b"*0\r\n"

BULK_HEADERS = [b"$%d\r\n" % n for n in range(1024)]


class SimpleString(str):
    """A value that ``encode`` sends as a simple string (``+text``)."""

    __slots__ = ()


class Verbatim(str):
    """Text that ``encode`` sends as a RESP3 verbatim string (``=N txt:...``)."""

    __slots__ = ()


def bulk(value):
    """Return the bulk string reply of ``value`` (bytes)."""
    n = len(value)
    if n < 1024:
        return BULK_HEADERS[n] + value + CRLF
    return b"$%d\r\n%s\r\n" % (n, value)


def integer(value):
    return b":%d\r\n" % value


def null(proto):
    return NULL_RESP3 if proto == 3 else NULL_BULK2


def error(message):
    """Return the error reply of ``message``, str or bytes that starts with its code.

    The code is a word such as "ERR". CR and LF become spaces, because Redis also makes
    sure that no reply line is broken.
    """
    if isinstance(message, str):
        message = message.encode("latin-1", "replace")
    return b"-" + message.replace(b"\r", b" ").replace(b"\n", b" ") + CRLF


def encode(value, proto):
    """Return the reply of ``value`` in RESP ``proto`` (2 or 3)."""
    out = []
    _encode(value, proto, out)
    return b"".join(out)


def _encode(value, proto, out):
    if isinstance(value, SimpleString):
        out.append(b"+%s\r\n" % value.encode())
    elif isinstance(value, Verbatim):
        text = value.encode()
        if proto == 3:
            out.append(b"=%d\r\ntxt:%s\r\n" % (len(text) + 4, text))
        else:
            out.append(bulk(text))
    elif isinstance(value, bytes):
        out.append(bulk(value))
    elif isinstance(value, str):
        out.append(bulk(value.encode()))
    elif isinstance(value, bool):
        out.append(integer(int(value)))
    elif isinstance(value, int):
        out.append(integer(value))
    elif value is None:
        out.append(null(proto))
    elif isinstance(value, dict):
        if proto == 3:
            out.append(b"%%%d\r\n" % len(value))
        else:
            out.append(b"*%d\r\n" % (2 * len(value)))
        for key, item in value.items():
            _encode(key, proto, out)
            _encode(item, proto, out)
    elif isinstance(value, (set, frozenset)):
        out.append((b"~%d\r\n" if proto == 3 else b"*%d\r\n") % len(value))
        for item in sorted(value):
            _encode(item, proto, out)
    elif isinstance(value, (list, tuple)):
        out.append(b"*%d\r\n" % len(value))
        for item in value:
            _encode(item, proto, out)
    else:
        raise TypeError(f"Cannot encode {type(value).__name__} as a RESP reply: {value!r}")
