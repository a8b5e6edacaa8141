"""Tests of the request parser on every framing rule, with input whole and split."""

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from respserver.fastpaths import HiredisFrames
from respserver.protocol import RequestParser, split_inline, string2ll

KIB = 1024
# Error lines as the parser reports them. The encoder adds "-" and CRLF.
INVALID_MBULK = "ERR Protocol error: invalid multibulk length"
INVALID_BULK = "ERR Protocol error: invalid bulk length"
TOO_BIG_INLINE = "ERR Protocol error: too big inline request"
TOO_BIG_MBULK = "ERR Protocol error: too big mbulk count string"
TOO_BIG_BULK = "ERR Protocol error: too big bulk count string"
UNBALANCED = "ERR Protocol error: unbalanced quotes in request"


def expected_dollar(char):
    return f"ERR Protocol error: expected '$', got '{char}'"


# Columns: the bytes sent, the requests they complete, the error line that ends them
# (None if there is no error), and the framing rule that the row checks.
FRAMING = [
    # a request starting with "*" is multibulk, anything else inline
    (b"*1\r\n$4\r\nPING\r\n", [[b"PING"]], None, "multibulk"),
    (b"PING\r\n", [[b"PING"]], None, "inline"),
    (b"$4\r\nPING\r\n", [[b"$4"], [b"PING"]], None, "inline: $ is no request type of its own"),
    (b"+PING\r\n", [[b"+PING"]], None, "inline: + is no request type of its own"),
    # inline: a line ends at LF, one CR before it dropped
    (b"PING\n", [[b"PING"]], None, "inline: a bare LF ends a request"),
    (b"ECHO a\r\r\n", [[b"ECHO", b"a"]], None, "inline: a CR left over is a blank"),
    (b"ECHO a\rb\r\n", [[b"ECHO", b"a", b"b"]], None, "inline: a lone CR separates"),
    (b"PING\r\nPING\nPING\r\n", [[b"PING"]] * 3, None, "inline: several lines in one read"),
    # inline: split on spaces and tabs
    (b"ECHO  \t hello \t\r\n", [[b"ECHO", b"hello"]], None, "inline: runs of blanks"),
    (b"  PING\r\n", [[b"PING"]], None, "inline: leading blanks"),
    (b"\x0b\x0cPING \x0b\r\n", [[b"PING"]], None, "inline: VT and FF are blanks between arguments"),
    (b"ECHO a\x0bb\r\n", [[b"ECHO", b"a\x0bb"]], None, "inline: VT inside an argument stays"),
    # inline: quoting rules
    (b'ECHO "a b"\r\n', [[b"ECHO", b"a b"]], None, "double quotes keep blanks"),
    (b'ECHO "a\\nb\\r\\t\\b\\a"\r\n', [[b"ECHO", b"a\nb\r\t\b\x07"]], None, "double quote escapes"),
    (
        b'ECHO "\\x41\\x4a\\xzz"\r\n',
        [[b"ECHO", b"AJxzz"]],
        None,
        "\\xHH escapes, and \\x without hex",
    ),
    (b'ECHO "a\\"b\\\\"\r\n', [[b"ECHO", b'a"b\\']], None, "escaped quote and backslash"),
    (
        b"ECHO 'a \\' \"b\\n'\r\n",
        [[b"ECHO", b"a ' \"b\\n"]],
        None,
        "single quotes are literal but for \\'",
    ),
    (b'ECHO ""\r\n', [[b"ECHO", b""]], None, "empty quoted argument"),
    (b'ECHO a"b c"\r\n', [[b"ECHO", b"ab c"]], None, "quotes may open inside an argument"),
    (b'ECHO "a"b\r\n', [], UNBALANCED, "a closing quote must be followed by a blank"),
    (b"ECHO 'a'b\r\n", [], UNBALANCED, "a closing single quote must be followed by a blank"),
    (b'ECHO "ab\r\n', [], UNBALANCED, "unterminated double quote"),
    (b"ECHO 'ab\r\n", [], UNBALANCED, "unterminated single quote"),
    (b'PING\r\nECHO "a\r\nPING\r\n', [[b"PING"]], UNBALANCED, "earlier requests stand"),
    # inline: an empty line gives no request
    (b"\r\n", [], None, "empty line"),
    (b"\n\n   \t\r\n", [], None, "blank lines"),
    (b"\r\n*1\r\n$4\r\nping\r\n", [[b"ping"]], None, "example: empty line then PING"),
    # inline: more than 64 KiB without a newline
    (b"A" * (64 * KIB), [], None, "64 KiB without a newline is still waiting"),
    (b"A" * (64 * KIB + 1), [], TOO_BIG_INLINE, "more than 64 KiB without a newline"),
    (b"PING\r\n" + b"A" * (64 * KIB + 1), [[b"PING"]], TOO_BIG_INLINE, "after earlier requests"),
    # Redis finds line ends with strchr, which stops at NUL: a NUL hides the end
    (b"PI\x00NG\r\n", [], None, "inline: NUL before the LF, waiting"),
    (b"PI\x00NG\r\n" + b"A" * (64 * KIB), [], TOO_BIG_INLINE, "inline: NUL, then too big"),
    # multibulk count: digits, "-" only as a sign, no leading zeros, no spaces
    (b"*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n", [[b"ECHO", b"hi"]], None, "count"),
    (b"*0\r\n*1\r\n$4\r\nPING\r\n", [[b"PING"]], None, "count 0: no request"),
    (b"*-1\r\n*1\r\n$4\r\nPING\r\n", [[b"PING"]], None, "count -1: no request"),
    (b"*-10\r\n*1\r\n$4\r\nping\r\n", [[b"ping"]], None, "example: count below zero"),
    (b"*-9223372036854775808\r\nPING\r\n", [[b"PING"]], None, "smallest 64-bit count"),
    (b"*-9223372036854775809\r\n", [], INVALID_MBULK, "below 64 bits"),
    (b"*2147483647\r\n", [], None, "INT_MAX: waiting for arguments"),
    (b"*2147483648\r\n", [], INVALID_MBULK, "above INT_MAX"),
    (b"*3000000000\r\n", [], INVALID_MBULK, "example: count too large"),
    (b"*+1\r\n", [], INVALID_MBULK, "plus sign"),
    (b"*01\r\n", [], INVALID_MBULK, "leading zero"),
    (b"*-0\r\n", [], INVALID_MBULK, "minus zero"),
    (b"*-\r\n", [], INVALID_MBULK, "sign alone"),
    (b"* 1\r\n", [], INVALID_MBULK, "space"),
    (b"*1 \r\n", [], INVALID_MBULK, "trailing space"),
    (b"*\r\n", [], INVALID_MBULK, "no digits"),
    (b"*x\r\n", [], INVALID_MBULK, "letters"),
    (b"*1\n$4\r\nPING\r\n", [], INVALID_MBULK, "the count line ends at CR, not LF"),
    (b"PING\r\n*x\r\nPING\r\n", [[b"PING"]], INVALID_MBULK, "example: PING then bad count"),
    (b"*1\rX$4\r\nPING\r\n", [[b"PING"]], None, "the byte after the CR is skipped unread"),
    # argument headers start with "$"
    (b"*1\r\nfoo\r\n", [], expected_dollar("f"), "example: no $"),
    (b"*2\r\n$4\r\nECHO\r\n:1\r\n", [], expected_dollar(":"), "integer instead of bulk"),
    (b"*1\r\n*1\r\n$1\r\na\r\n", [], expected_dollar("*"), "nested array"),
    (b"*1\r\n\r\n", [], expected_dollar(" "), "CR in an error becomes a space"),
    (b"*1\r\nfoo", [], None, "no $ but no CR yet: waiting"),
    # bulk length: same number rules, 0 to 512 MiB
    (b"*1\r\n$0\r\n\r\n", [[b""]], None, "empty argument"),
    (b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n", [], INVALID_BULK, "example: letters"),
    (b"*1\r\n$-1\r\n", [], INVALID_BULK, "negative length"),
    (b"*1\r\n$04\r\nPING\r\n", [], INVALID_BULK, "leading zero"),
    (b"*1\r\n$+4\r\nPING\r\n", [], INVALID_BULK, "plus sign"),
    (b"*1\r\n$ 4\r\nPING\r\n", [], INVALID_BULK, "space"),
    (b"*1\r\n$\r\n", [], INVALID_BULK, "no digits"),
    (b"*1\r\n$536870912\r\n", [], None, "512 MiB: waiting for the payload"),
    (b"*1\r\n$536870913\r\n", [], INVALID_BULK, "above 512 MiB"),
    (
        b"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n",
        [[b"PING"]] * 2,
        None,
        "two bytes after a payload are skipped",
    ),
    (
        b"*2\r\n$4\r\nECHO\r\n$4\r\na\r\nb\r\n",
        [[b"ECHO", b"a\r\nb"]],
        None,
        "payloads are binary-safe",
    ),
    (
        b"*2\r\n$4\r\nECHO\r\n$3\r\n\x00\xff*\r\n",
        [[b"ECHO", b"\x00\xff*"]],
        None,
        "NUL in a payload",
    ),
    # more than 64 KiB without CR in a count or length line
    (b"*" + b"1" * (64 * KIB), [], TOO_BIG_MBULK, "count line"),
    (b"*1\r\n$" + b"1" * (64 * KIB), [], TOO_BIG_BULK, "length line"),
    (b"*1\r\n$4\x00\r\nPING\r\n" + b"x" * (64 * KIB), [], TOO_BIG_BULK, "NUL hides the CR"),
    # requests as clients send them, not covered above
    (
        b"ping\r\n*1\r\n$4\r\npInG\r\n",
        [[b"ping"], [b"pInG"]],
        None,
        "example: inline and multibulk",
    ),
    (b"*2\r\n$4\r\nPING\r\n$5\r\nhello\r\n", [[b"PING", b"hello"]], None, "example: PING hello"),
    (b"PING\r\n*1\r\n$4\r\nPING\r\nPING\r\n", [[b"PING"]] * 3, None, "example: three in one read"),
    (b"FOO bar\r\n", [[b"FOO", b"bar"]], None, "example: unknown command"),
    (
        b"QUIT\r\nPING\r\n",
        [[b"QUIT"], [b"PING"]],
        None,
        "example: QUIT (the connection stops at it)",
    ),
    (b"*1\r\n$4\r\nPING\r\n" * 10_000, [[b"PING"]] * 10_000, None, "example: 10,000 PINGs"),
]

IDS = [row[3] for row in FRAMING]


def feed_all(chunks, parser=None):
    """Feed ``chunks`` in turn and return the requests and the error line (or None)."""
    parser = parser or RequestParser(frames=HiredisFrames())
    requests = []
    for chunk in chunks:
        done, failure = parser.feed(chunk)
        requests += done
        if failure is not None:
            return requests, failure.reply
    return requests, None


@pytest.mark.parametrize(("sent", "requests", "error"), [row[:3] for row in FRAMING], ids=IDS)
def test_framing_whole(sent, requests, error):
    assert feed_all([sent]) == (requests, error)


@pytest.mark.parametrize(("sent", "requests", "error"), [row[:3] for row in FRAMING], ids=IDS)
def test_framing_without_hiredis(sent, requests, error):
    assert feed_all([sent], RequestParser()) == (requests, error)


SHORT = [row for row in FRAMING if len(row[0]) < 200]


@pytest.mark.parametrize(
    ("sent", "requests", "error"), [row[:3] for row in SHORT], ids=[row[3] for row in SHORT]
)
def test_framing_byte_by_byte(sent, requests, error):
    assert feed_all([sent[i : i + 1] for i in range(len(sent))]) == (requests, error)


@pytest.mark.parametrize(
    ("sent", "requests", "error"), [row[:3] for row in SHORT], ids=[row[3] for row in SHORT]
)
def test_framing_every_split_in_two(sent, requests, error):
    for cut in range(1, len(sent)):
        assert feed_all([sent[:cut], sent[cut:]]) == (requests, error), cut


def test_complete_long_line_accepted():
    # Redis checks the size only while the newline is missing, so a long line that is
    # complete when parsed is a request.
    line = b"ECHO " + b"a" * (70 * KIB) + b"\r\n"
    assert feed_all([line]) == ([[b"ECHO", b"a" * (70 * KIB)]], None)
    assert feed_all([line[: 65 * KIB], line[65 * KIB :]]) == ([], TOO_BIG_INLINE)


def test_parser_stops_after_error():
    parser = RequestParser()
    assert feed_all([b"*x\r\n"], parser) == ([], INVALID_MBULK)
    assert parser.feed(b"PING\r\n") == ([], None)


def test_split_request_keeps_state():
    # Example: "*1\r\n$4\r\nPI" then later "NG\r\n" completes only with the second read.
    parser = RequestParser()
    assert parser.feed(b"*1\r\n$4\r\nPI") == ([], None)
    assert not parser.idle
    assert parser.feed(b"NG\r\n") == ([[b"PING"]], None)
    assert parser.idle


def test_query_buffer_limit_closes_without_reply():
    parser = RequestParser(query_max=1000)
    requests, failure = feed_all([b"*100\r\n"] + [b"$100\r\n" + b"x" * 100 + b"\r\n"] * 10, parser)
    assert requests == []
    assert failure is None  # no reply: the connection just closes
    assert parser.feed(b"PING\r\n") == ([], None)


def test_configured_limits():
    parser = RequestParser(inline_max=10, bulk_max=5)
    assert feed_all([b"A" * 11], parser) == ([], TOO_BIG_INLINE)
    assert feed_all([b"*1\r\n$6\r\n"], RequestParser(bulk_max=5)) == ([], INVALID_BULK)
    # The hiredis path must not read arguments beyond the bulk limit either.
    assert feed_all(
        [b"*1\r\n$6\r\nabcdef\r\n"], RequestParser(bulk_max=5, frames=HiredisFrames(5))
    ) == ([], INVALID_BULK)


@pytest.mark.parametrize(
    "sent",
    [
        b"*1\r\n+PING\r\n",
        b"*1\r\n=8\r\ntxt:PING\r\n",
        b"*1\r\n(123\r\n",
        b"%1\r\n$1\r\na\r\n$1\r\nb\r\n",
        b"~1\r\n$4\r\nPING\r\n",
        b">1\r\n$4\r\nPING\r\n",
        b"|1\r\n$1\r\na\r\n$1\r\nb\r\n*1\r\n$4\r\nPING\r\n",
        b"*1\r\n:1\r\n",
        b"*1\r\n_\r\n",
        b"*1\r\n#t\r\n",
        b"*1\r\n,1.5\r\n",
        b"*2\r\n$4\r\nECHO\r\n*1\r\n$1\r\na\r\n",
        b"*1\r\n$4\r\nPING\r\n$4\r\nPING\r\n",
        b"*-1\r\n",
        b"*0\r\n",
        b"*1\r\n$-1\r\n",
        b"*1\r\n$4\r\nPI",
        b"*2\r\n$4\r\nECHO\r\n$2\r\n\n*\r\n",
    ],
)
def test_hiredis_declines_ambiguous_reads(sent):
    frames = HiredisFrames()
    assert frames.parse(sent) is None
    # The shared reader must be clean for the next read.
    assert frames.parse(b"*1\r\n$4\r\nPING\r\n") == [[b"PING"]]


def test_open_line_scans_bytes_once():
    # A 60 KiB count line sent one byte at a time parses in linear time.
    parser = RequestParser()
    line = b"*1\r\n$" + b"1" * (60 * KIB)
    started = time.perf_counter()
    for i in range(len(line)):
        assert parser.feed(line[i : i + 1]) == ([], None)
    assert time.perf_counter() - started < 5
    assert parser.feed(b"\r\n")[1].reply == INVALID_BULK


def test_big_payload_joined_once():
    parser = RequestParser()
    payload = b"x" * (8 * 1024 * KIB)
    assert parser.feed(b"*2\r\n$4\r\nECHO\r\n$%d\r\n" % len(payload)) == ([], None)
    started = time.perf_counter()
    for start in range(0, len(payload), 4 * KIB):
        assert parser.feed(payload[start : start + 4 * KIB]) == ([], None)
    assert time.perf_counter() - started < 5
    assert parser.feed(b"\r\n") == ([[b"ECHO", payload]], None)


# Columns: a number line as sent, and the value string2ll returns (None if invalid).
NUMBERS = [
    (b"0", 0),
    (b"7", 7),
    (b"-7", -7),
    (b"9223372036854775807", 2**63 - 1),
    (b"9223372036854775808", None),
    (b"-9223372036854775808", -(2**63)),
    (b"00", None),
    (b"-0", None),
    (b"+1", None),
    (b"1_000", None),
    (b" 1", None),
    (b"\xd9\xa1", None),  # an Arabic-Indic digit that int() would take
    (b"", None),
]


@pytest.mark.parametrize(("text", "value"), NUMBERS)
def test_string2ll(text, value):
    assert string2ll(text) == value


def test_split_inline_fast_and_quoted_paths_agree():
    for line in [b"a b", b"\ta  b\t", b"a\rb", b""]:
        assert split_inline(line) == line.split()


requests_strategy = st.lists(
    st.one_of(
        st.lists(st.binary(max_size=20), min_size=1, max_size=4),
        st.lists(
            st.text("abcXYZ \t'\"\\", min_size=1, max_size=8).map(str.encode),
            min_size=1,
            max_size=3,
        ),
    ),
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(requests=requests_strategy, cuts=st.lists(st.integers(min_value=0), max_size=8))
def test_hypothesis_split_parses_like_whole(requests, cuts):
    stream = b"".join(
        b"*%d\r\n" % len(r) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in r) for r in requests
    )
    whole = feed_all([stream])
    assert whole == (requests, None)
    points = sorted({cut % (len(stream) + 1) for cut in cuts})
    chunks = [stream[a:b] for a, b in zip([0, *points], [*points, len(stream)], strict=True)]
    assert feed_all(chunks) == whole
