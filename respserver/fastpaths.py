"""Fast readers of the request shapes clients send, each exact or declining.

``walk`` reads canonical requests with one ``split``. ``HiredisFrames`` reads whole
reads of canonical multibulk requests with hiredis, in C. Each returns only what
Redis's rules read identically, and leaves the rest to ``protocol.RequestParser``'s
general parser, which calls them.
"""

import re

import hiredis

from respserver.constants import BULK_MAX, CRLF, LF, STAR

# Inline lines with none of these bytes split like bytes.split(), which is much faster
# than Redis's quoting rules and gives the same arguments.
NEEDS_SDSSPLIT = re.compile(rb"[\"'\x00\x0b\x0c]")

# Canonical headers that the walker accepts without parsing digits.
_WALK_COUNTS = {b"*%d" % n: n for n in range(1, 65)}
WALK_LENGTH_MAX = 1023
_WALK_LENGTHS = {b"$%d" % n: n for n in range(WALK_LENGTH_MAX + 1)}
# One translation marks, as "+", the type bytes that hiredis reads as something other
# than requests, and turns digits into "0" to spot counts of 1000 or more.
_ARRAY_HEADERS = [b"*%d\r\n" % n for n in range(1024)]
_MARK_FOR_HIREDIS = bytes.maketrans(b"123456789=(%~>|", b"000000000++++++")


def walk(data, commands):
    """Append the canonical requests at the start of ``data`` and return the bytes used.

    Covers the shapes clients send: ``*N`` with ``$L`` headers and payloads without CRLF
    inside, and inline lines without quotes, NUL, VT or FF. It stops at the first request
    of another shape, or incomplete, and the general parser goes on from there. Both read
    such requests identically, so which one does is invisible.
    """
    tokens = data.split(CRLF)
    last = len(tokens) - 1  # tokens[last] is not followed by CRLF
    counts = _WALK_COUNTS
    lengths = _WALK_LENGTHS
    plain_inline = NEEDS_SDSSPLIT.search(data) is None
    append = commands.append
    i = 0
    while i < last:
        token = tokens[i]
        argc = counts.get(token)
        if argc is not None:
            stop = i + 1 + 2 * argc
            if stop > last:
                break
            argv = tokens[i + 2 : stop : 2]
            j = i + 1
            for arg in argv:
                if lengths.get(tokens[j]) != len(arg):
                    break
                j += 2
            else:
                append(argv)
                i = stop
                continue
            break
        if not token:
            i += 1  # an empty line: no request
        elif plain_inline and token[0] != STAR and LF not in token:
            argv = token.split()
            if argv:
                append(argv)
            i += 1
        else:
            break
    if i == last and not tokens[last]:
        return len(data)
    return sum(map(len, tokens[:i])) + 2 * i


class HiredisFrames:
    """Parse reads made only of canonical multibulk requests with hiredis, in C.

    hiredis reads replies, a superset of what Redis accepts as requests, because it
    also parses simple strings, numbers, maps and attributes. ``parse`` returns the
    requests only when the read can be nothing but complete ``*N`` arrays of ``$L``
    strings. Otherwise it returns None, so that the Python parser reads the data with
    Redis's exact rules. One instance serves every connection of an event loop, because
    it keeps no state between calls.

    Reads containing, anywhere, a type byte of the replies that hiredis would turn into
    ``bytes`` or lists passing for requests (simple, verbatim and big-number strings,
    maps, sets, pushes and attributes) go to the Python parser.
    """

    __slots__ = ("reader", "bulk_max")

    def __init__(self, bulk_max=BULK_MAX):
        self.reader = hiredis.Reader()
        self.bulk_max = bulk_max

    def parse(self, data, join=b"".join):
        """Return the requests of ``data``, or None if the Python parser must read it."""
        # One pass maps the ambiguous type bytes to "+" and digits to "0". hiredis
        # allocates an array of the announced size when it reads a header, so arrays
        # of 1000 or more elements go to the Python parser.
        marked = data.translate(_MARK_FOR_HIREDIS)
        if len(data) > self.bulk_max or marked.find(b"+") >= 0 or marked.find(b"*0000") >= 0:
            return None
        # Wrapped in one array of as many requests as lines start with "*", the read
        # comes back from one call. Payloads with a line starting with "*" make the
        # count too high, and the read goes to the Python parser.
        reader = self.reader
        count = data.count(b"\n*") + 1
        reader.feed(_ARRAY_HEADERS[count] if count < 1024 else b"*%d\r\n" % count)
        reader.feed(data)
        try:
            requests = reader.gets()
            # Joining checks, in C, that each request is a non-empty list of bytes:
            # nulls, integers, nested arrays and top-level strings all raise TypeError.
            if requests is not False and not reader.has_data() and all(map(join, requests)):
                return requests
        except (hiredis.ProtocolError, TypeError):
            pass
        self.reader = hiredis.Reader()
        return None
