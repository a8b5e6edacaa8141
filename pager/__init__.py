"""Numbered pages served by keyset queries from page boundaries cached in the Django cache.

``Pager`` and ``InvalidCursor`` are imported on first use, so importing this package
loads no models and reads no settings.
"""

__all__ = ["InvalidCursor", "Pager"]


def __getattr__(name):
    if name == "Pager":
        from pager.core import Pager

        return Pager
    if name == "InvalidCursor":
        from pager.exceptions import InvalidCursor

        return InvalidCursor
    raise AttributeError(f"module 'pager' has no attribute {name!r}")
