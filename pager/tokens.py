"""Signed, URL-safe cursor tokens for the position after a page."""

from django.core import signing

from pager.exceptions import InvalidCursor
from pager.values import decode_boundary, encode_boundary

SALT = "pager.cursor"


def make_token(query_digest, page, boundary):
    """Return a token for the page ``page`` that starts after ``boundary``."""
    payload = {"q": query_digest, "p": page, "b": encode_boundary(boundary)}
    return signing.dumps(payload, salt=SALT, compress=True)


def read_token(token, query_digest, columns):
    """Return ``(page, boundary)`` from a token; raise InvalidCursor if it does not fit."""
    if not isinstance(token, str) or not token:
        raise InvalidCursor(f"The cursor must be a non-empty token string, not {token!r}.")
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature as exc:
        raise InvalidCursor(
            f"The cursor {token[:40]!r} has an invalid signature. Use a cursor the pager returned."
        ) from exc
    if not isinstance(payload, dict) or payload.get("q") != query_digest:
        raise InvalidCursor(
            f"The cursor {token[:40]!r} belongs to another query or page size. "
            "Start from a page number or from a cursor of this query."
        )
    page = payload.get("p")
    if not isinstance(page, int) or isinstance(page, bool) or page < 2:
        raise InvalidCursor(f"The cursor {token[:40]!r} contains the invalid page number {page!r}. Start from a page number or from a cursor the pager returned.")
    try:
        boundary = decode_boundary(payload.get("b"), columns)
    except ValueError as exc:
        raise InvalidCursor(f"The cursor {token[:40]!r} contains an invalid position: {exc}") from exc
    return page, boundary
