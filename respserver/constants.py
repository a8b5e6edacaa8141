"""Bytes and limits of the RESP protocol, as Redis 7.0 defines them."""

# Protocol bytes.
CR = 0x0D
LF = 0x0A
STAR = 0x2A  # multibulk request or array reply
DOLLAR = 0x24  # bulk argument or bulk string reply
CRLF = b"\r\n"

# Limits of Redis 7.0 (PROTO_INLINE_MAX_SIZE, proto-max-bulk-len, INT_MAX).
INLINE_MAX = 64 * 1024
BULK_MAX = 512 * 1024 * 1024
MULTIBULK_MAX = 2**31 - 1
# Maximum size of a pending request: its buffered bytes plus the arguments already read.
# A larger request closes the connection, as Redis's client-query-buffer-limit does.
QUERY_BUFFER_MAX = 1024 * 1024 * 1024
# Bytes counted per argument of a pending request in addition to its length, so that a
# request of many empty arguments is bounded too.
ARGUMENT_OVERHEAD = 48
