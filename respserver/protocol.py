"""Incremental parser of RESP requests, with Redis's framing rules and no I/O.

``RequestParser.feed(data)`` takes the bytes of one read and returns the requests that
are now complete, each a list of ``bytes`` arguments, and the protocol error that ended
the stream, if any. A request may arrive split at any byte, or many may arrive in one
read, so the parser keeps its state between reads. While it waits for the end of a line,
it searches only the new bytes, and it joins a long payload once, when it is complete.

The rules are those of ``processInlineBuffer`` and ``processMultibulkBuffer`` in Redis
7.0's networking.c, including the quirks a client can observe:

- A request starting with ``*`` is multibulk. Any other request is an inline line that
  ends at ``\\n``, drops one ``\\r`` before it, and is split like ``sdssplitargs``.
- Count and length lines end at the first ``\\r``. The byte after it is skipped unread,
  and so are the two bytes after a bulk payload.
- Redis finds line ends with ``strchr``, which stops at a NUL byte: a NUL before the end
  of a line hides the end, and the request waits until it is too big.
- Numbers follow ``string2ll``: optional ``-``, no ``+``, no leading zeros, no spaces.
"""

import re

from respserver.constants import (
    ARGUMENT_OVERHEAD,
    BULK_MAX,
    CR,
    DOLLAR,
    INLINE_MAX,
    LF,
    MULTIBULK_MAX,
    QUERY_BUFFER_MAX,
    STAR,
)
from respserver.fastpaths import NEEDS_SDSSPLIT, WALK_LENGTH_MAX, walk

# Error lines, without the "-" and the CRLF that the encoder adds.
ERR_TOO_BIG_INLINE = "ERR Protocol error: too big inline request"
ERR_UNBALANCED_QUOTES = "ERR Protocol error: unbalanced quotes in request"
ERR_TOO_BIG_MBULK_COUNT = "ERR Protocol error: too big mbulk count string"
ERR_INVALID_MBULK_LENGTH = "ERR Protocol error: invalid multibulk length"
ERR_TOO_BIG_BULK_COUNT = "ERR Protocol error: too big bulk count string"
ERR_EXPECTED_DOLLAR = "ERR Protocol error: expected '$', got '{}'"
ERR_INVALID_BULK_LENGTH = "ERR Protocol error: invalid bulk length"

# string2ll: at most 20 characters, then the value must fit in a signed 64-bit integer.
_LL_RE = re.compile(rb"-?[1-9][0-9]{0,19}|0")
_LL_MIN = -(2**63)
_LL_MAX = 2**63 - 1
# Canonical numbers looked up without parsing: the common lengths and counts.
_SMALL_LL = {b"%d" % n: n for n in range(-1, 4096)}

# Inline splitting (sdssplitargs). Blanks between arguments are isspace(), but an
# unquoted argument ends only at space, tab, CR, LF or NUL.
_ISSPACE = frozenset(b" \t\n\r\x0b\x0c")
_ARG_END = frozenset(b" \t\n\r\x00")
_HEX = frozenset(b"0123456789abcdefABCDEF")
_ESCAPES = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("a"): 7}


class ProtocolError(Exception):
    """Error for a request that Redis rejects with an error line and a close.

    ``reply`` is the error line without its leading ``-`` and trailing CRLF, or None
    when the connection closes without a reply (query buffer limit).
    """

    def __init__(self, reply, reason):
        super().__init__(reason)
        self.reply = reply
        self.reason = reason


def string2ll(text):
    """Return the integer ``text`` spells under Redis's string2ll rules, or None."""
    value = _SMALL_LL.get(text)
    if value is not None:
        return value
    if _LL_RE.fullmatch(text) is None:
        return None
    value = int(text)
    return value if _LL_MIN <= value <= _LL_MAX else None


def split_inline(line):
    """Split an inline request line like Redis's sdssplitargs.

    Return the list of arguments, or None for unbalanced quotes.
    """
    if NEEDS_SDSSPLIT.search(line) is None:
        return line.split()
    return _sdssplitargs(line)


def _sdssplitargs(line):
    # NOTE: this is a literal transcription of the C state machine, kept for the rare
    # lines with quotes. A NUL ends the string, as it does in C.
    end = line.find(b"\x00")
    if end >= 0:
        line = line[:end]
    n = len(line)
    args = []
    i = 0
    while True:
        while i < n and line[i] in _ISSPACE:
            i += 1
        if i >= n:
            return args
        current = bytearray()
        in_double = in_single = False
        while True:
            c = line[i] if i < n else 0
            nxt = line[i + 1] if i + 1 < n else 0
            if in_double:
                if (
                    c == 0x5C
                    and nxt == 0x78
                    and i + 3 < n
                    and line[i + 2] in _HEX
                    and line[i + 3] in _HEX
                ):
                    current.append(int(line[i + 2 : i + 4], 16))
                    i += 3
                elif c == 0x5C and nxt:
                    i += 1
                    current.append(_ESCAPES.get(nxt, nxt))
                elif c == 0x22:
                    # The closing quote must be followed by a space or the end.
                    if nxt and nxt not in _ISSPACE:
                        return None
                    i += 1
                    break
                elif not c:
                    return None
                else:
                    current.append(c)
            elif in_single:
                if c == 0x5C and nxt == 0x27:
                    i += 1
                    current.append(0x27)
                elif c == 0x27:
                    if nxt and nxt not in _ISSPACE:
                        return None
                    i += 1
                    break
                elif not c:
                    return None
                else:
                    current.append(c)
            elif c in _ARG_END:
                if c:
                    i += 1
                break
            elif c == 0x22:
                in_double = True
            elif c == 0x27:
                in_single = True
            else:
                current.append(c)
            if c:
                i += 1
        args.append(bytes(current))


class RequestParser:
    """Turn the bytes of successive reads into requests, as Redis frames them."""

    __slots__ = (
        "inline_max",
        "bulk_max",
        "query_max",
        "_chunks",
        "_buffered",
        "_line_open",
        "_line_hidden",
        "_argv",
        "_remaining",
        "_bulklen",
        "_argv_size",
        "_failed",
        "_frames",
    )

    def __init__(
        self, inline_max=INLINE_MAX, bulk_max=BULK_MAX, query_max=QUERY_BUFFER_MAX, frames=None
    ):
        # ``frames`` is a shared ``fastpaths.HiredisFrames`` for reads it can parse whole.
        self._frames = frames.parse if frames is not None else None
        self.inline_max = inline_max
        self.bulk_max = bulk_max
        self.query_max = query_max
        # Bytes received and not yet parsed, as a list of chunks.
        self._chunks = []
        self._buffered = 0
        # Whether the chunks contain the start of a line whose end has not arrived, and
        # whether a NUL already hides that end.
        self._line_open = False
        self._line_hidden = False
        # The multibulk request being read: arguments so far, arguments still to come,
        # and the length of the next payload (-1 before its header is read).
        self._argv = None
        self._remaining = 0
        self._bulklen = -1
        self._argv_size = 0
        self._failed = None

    @property
    def idle(self):
        """True when the parser contains no part of a request."""
        return not self._buffered and self._argv is None and self._failed is None

    def feed(self, data):
        """Parse ``data`` and return ``(requests, error)``.

        ``requests`` lists the requests completed by ``data``, in order. ``error`` is the
        ``ProtocolError`` that follows them, after which the parser accepts nothing.
        """
        if self._failed is not None:
            return [], None
        if not data:
            return [], None
        if self._buffered:
            data = self._join(data)
            if data is None:
                return [], self._check_query_limit()
            commands = []
        else:
            if self._argv is None:
                if data[0] == STAR and self._frames is not None:
                    commands = self._frames(data)
                    if commands is not None:
                        return commands, None
                commands = []
                # The walker accepts lengths up to WALK_LENGTH_MAX without checking
                # bulk_max, so it runs only when bulk_max is at least that large.
                start = walk(data, commands) if self.bulk_max >= WALK_LENGTH_MAX else 0
                if start == len(data):
                    return commands, None
                if start:
                    data = data[start:]
            else:
                commands = []
        return commands, self._parse(data, commands)

    def _join(self, data):
        """Add ``data`` to the buffered bytes.

        Return all the buffered bytes once parsing can progress, and None until then.
        """
        self._chunks.append(data)
        self._buffered += len(data)
        if self._line_open:
            # Only the new bytes can contain the end of the open line.
            if not self._line_hidden:
                delimiter = LF if self._in_inline() else CR
                end = data.find(delimiter)
                if end >= 0 and data.find(b"\x00", 0, end) < 0:
                    return self._take()
                if data.find(b"\x00", 0, end if end >= 0 else len(data)) >= 0:
                    self._line_hidden = True
            if self._buffered > self.inline_max:
                return self._take()  # the general parser raises the "too big" error
            return None
        if self._bulklen >= 0 and self._buffered < self._bulklen + 2:
            return None  # the payload is still incomplete
        return self._take()

    def _in_inline(self):
        return self._argv is None and self._chunks[0][0] != STAR

    def _take(self):
        data = b"".join(self._chunks) if len(self._chunks) > 1 else self._chunks[0]
        self._chunks = []
        self._buffered = 0
        self._line_open = self._line_hidden = False
        return data

    def _keep(self, rest, line_open):
        """Buffer the unparsed tail ``rest``, noting whether it waits for a line end."""
        self._chunks = [rest]
        self._buffered = len(rest)
        self._line_open = line_open
        if line_open:
            # The tail was searched already: note whether a NUL hides its line end.
            self._line_hidden = b"\x00" in rest

    def _check_query_limit(self):
        if self._buffered + self._argv_size > self.query_max:
            return self._fail(None, "query buffer limit reached")
        return None

    def _fail(self, reply, reason):
        self._failed = ProtocolError(reply, reason)
        self._chunks = []
        self._buffered = 0
        self._argv = None
        return self._failed

    def _parse(self, data, commands):
        """Parse ``data`` with the saved state and return the error or None."""
        end = len(data)
        pos = 0
        nul = b"\x00" in data
        inline_max = self.inline_max
        argv = self._argv
        remaining = self._remaining
        bulklen = self._bulklen
        size = self._argv_size

        while pos < end:
            if argv is None:
                if data[pos] != STAR:
                    # inline request
                    newline = data.find(b"\n", pos)
                    if newline < 0 or (nul and data.find(b"\x00", pos, newline) >= 0):
                        if end - pos > inline_max:
                            return self._fail(ERR_TOO_BIG_INLINE, "too big inline request")
                        self._save(None, 0, -1, 0)
                        self._keep(data[pos:], line_open=True)
                        return None
                    stop = newline - 1 if newline > pos and data[newline - 1] == CR else newline
                    args = split_inline(data[pos:stop])
                    if args is None:
                        return self._fail(
                            ERR_UNBALANCED_QUOTES, "unbalanced quotes in inline request"
                        )
                    pos = newline + 1
                    if args:
                        commands.append(args)
                    continue

                # multibulk count
                cr = data.find(b"\r", pos)
                if cr < 0 or (nul and data.find(b"\x00", pos, cr) >= 0):
                    if end - pos > inline_max:
                        return self._fail(ERR_TOO_BIG_MBULK_COUNT, "too big mbulk count string")
                    self._save(None, 0, -1, 0)
                    self._keep(data[pos:], line_open=True)
                    return None
                if cr > end - 2:
                    self._save(None, 0, -1, 0)
                    self._keep(data[pos:], line_open=False)
                    return None
                count = string2ll(data[pos + 1 : cr])
                if count is None or count > MULTIBULK_MAX:
                    return self._fail(ERR_INVALID_MBULK_LENGTH, "invalid mbulk count")
                pos = cr + 2
                if count <= 0:
                    continue
                argv = []
                remaining = count
                bulklen = -1
                size = 0

            while remaining:
                if bulklen < 0:
                    # bulk length
                    cr = data.find(b"\r", pos)
                    if cr < 0 or (nul and data.find(b"\x00", pos, cr) >= 0):
                        if end - pos > inline_max:
                            return self._fail(ERR_TOO_BIG_BULK_COUNT, "too big bulk count string")
                        self._save(argv, remaining, bulklen, size)
                        self._keep(data[pos:], line_open=True)
                        return self._check_query_limit()
                    if cr > end - 2:
                        break
                    if data[pos] != DOLLAR:
                        got = chr(data[pos])
                        if got in "\r\n":
                            got = " "  # Redis maps CR and LF in error text to spaces
                        return self._fail(
                            ERR_EXPECTED_DOLLAR.format(got), "expected $ but got something else"
                        )
                    length = string2ll(data[pos + 1 : cr])
                    if length is None or length < 0 or length > self.bulk_max:
                        return self._fail(ERR_INVALID_BULK_LENGTH, "invalid bulk length")
                    pos = cr + 2
                    bulklen = length

                # bulk payload, then two bytes that Redis skips unread
                if end - pos < bulklen + 2:
                    break
                argv.append(data[pos : pos + bulklen])
                size += bulklen + ARGUMENT_OVERHEAD
                pos += bulklen + 2
                bulklen = -1
                remaining -= 1

            if remaining:
                self._save(argv, remaining, bulklen, size)
                self._keep(data[pos:], line_open=False)
                return self._check_query_limit()
            commands.append(argv)
            argv = None

        self._save(None, 0, -1, 0)
        return None

    def _save(self, argv, remaining, bulklen, size):
        self._argv = argv
        self._remaining = remaining
        self._bulklen = bulklen
        self._argv_size = size
        if argv is None:
            self._chunks = []
            self._buffered = 0
