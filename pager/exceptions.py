"""Errors the pager raises."""


class InvalidCursor(Exception):
    """A cursor token that was tampered with, is malformed or belongs to another query."""


class UnsupportedQuery(ValueError):
    """A queryset that keyset paging cannot serve, such as one in random order."""
