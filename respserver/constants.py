"""Bytes and limits of the RESP protocol, as Redis 7.0 has them."""

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
# A pending request (buffered bytes plus the arguments already read) beyond this closes
# the connection, as Redis's client-query-buffer-limit does.
QUERY_BUFFER_MAX = 1024 * 1024 * 1024
# Counted per argument of a pending request on top of its length, so that a request of
# many empty arguments is bounded too.
ARGUMENT_OVERHEAD = 48
