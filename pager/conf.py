"""The pager's settings: ``settings.PAGER`` merged over the defaults, read lazily."""

from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

DEFAULTS = {
    # Alias in settings.CACHES of the cache that stores page boundaries.
    "CACHE": "default",
    # Seconds a cached page boundary lives after its last use.
    "TIMEOUT": 3600,
    # Maximum rows that one query may skip when a page is reached from an earlier
    # cached boundary.
    "MAX_SKIP": 10_000,
}


@cache
def get_config():
    """Return settings.PAGER merged over DEFAULTS."""
    return {**DEFAULTS, **getattr(settings, "PAGER", {})}


@receiver(setting_changed)
def _clear_config(*, setting, **kwargs):
    if setting == "PAGER":
        get_config.cache_clear()
