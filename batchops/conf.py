"""Configuration of batchops: pool and batch sizes per database alias.

``settings.BATCHOPS`` maps a database alias to a dict of sizes, in the same shape as
the ``config`` argument of ``BatchOperation``::

    BATCHOPS = {"default": {"pool_size": 1000, "batch_size": 200}}

The sizes of one alias are resolved in this order, later ones winning: the built-in
defaults (``DEFAULTS``), ``settings.BATCHOPS[alias]``, then ``config[alias]``. Within
one source, ``save_pool_size`` and ``delete_pool_size`` override ``pool_size``, and
``save_batch_size`` and ``delete_batch_size`` override ``batch_size``.

The setting is read on first use, never at import time, and read again after
``setting_changed`` (``override_settings`` in tests).
"""

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

DEFAULTS = {"pool_size": 500, "batch_size": 100}

# Each per-pool key and the general key it overrides.
POOL_KEYS = {
    "save_pool_size": "pool_size",
    "delete_pool_size": "pool_size",
    "save_batch_size": "batch_size",
    "delete_batch_size": "batch_size",
}
VALID_KEYS = (*DEFAULTS, *POOL_KEYS)


@dataclass(frozen=True)
class AliasConfig:
    """Resolved sizes of one database alias."""

    save_pool_size: int
    delete_pool_size: int
    save_batch_size: int
    delete_batch_size: int


@dataclass(frozen=True)
class Problem:
    """One invalid value in a configuration mapping, for errors and system checks."""

    check_id: str
    message: str
    hint: str


def find_problems(config, source):
    """Return a ``Problem`` for each invalid entry of ``config``.

    ``source`` names the mapping in messages, for example ``"settings.BATCHOPS"``.
    """
    if not isinstance(config, dict):
        return [
            Problem(
                "batchops.E001",
                f"{source} must be a dict mapping database aliases to sizes, "
                f"not {type(config).__name__}: {config!r}.",
                'Use the shape {"default": {"pool_size": 500, "batch_size": 100}}.',
            )
        ]
    problems = []
    for alias, sizes in config.items():
        if alias not in settings.DATABASES:
            problems.append(
                Problem(
                    "batchops.E002",
                    f"{source} names the database alias {alias!r}, which is not in "
                    "settings.DATABASES.",
                    f"Use one of {sorted(settings.DATABASES)} or add {alias!r} to "
                    "settings.DATABASES.",
                )
            )
            continue
        if not isinstance(sizes, dict):
            problems.append(
                Problem(
                    "batchops.E003",
                    f"{source}[{alias!r}] must be a dict of sizes, not "
                    f"{type(sizes).__name__}: {sizes!r}.",
                    f"Use keys from {list(VALID_KEYS)}.",
                )
            )
            continue
        for key, value in sizes.items():
            if key not in VALID_KEYS:
                problems.append(
                    Problem(
                        "batchops.E004",
                        f"{source}[{alias!r}] has the unknown key {key!r}.",
                        f"Use keys from {list(VALID_KEYS)}.",
                    )
                )
            elif isinstance(value, bool) or not isinstance(value, int) or value < 1:
                problems.append(
                    Problem(
                        "batchops.E005",
                        f"{source}[{alias!r}][{key!r}] must be an integer of at least 1, "
                        f"not {value!r}.",
                        f"Set {key!r} to a positive integer, for example "
                        f"{DEFAULTS[POOL_KEYS.get(key, key)]}.",
                    )
                )
    return problems


def raise_for_problems(config, source):
    """Raise ``ImproperlyConfigured`` for the first invalid entry of ``config``."""
    problems = find_problems(config, source)
    if problems:
        first = problems[0]
        raise ImproperlyConfigured(f"{first.message} {first.hint}")


@cache
def get_settings():
    """Return ``settings.BATCHOPS``, validated, or an empty dict when it is not set."""
    configured = getattr(settings, "BATCHOPS", {})
    raise_for_problems(configured, "settings.BATCHOPS")
    return configured


@receiver(setting_changed)
def clear_settings_cache(*, setting, **kwargs):
    if setting in ("BATCHOPS", "DATABASES"):
        get_settings.cache_clear()


def _merge(sizes, source):
    """Apply one source's sizes over ``sizes``, general keys before per-pool keys."""
    for key in DEFAULTS:
        if key in source:
            for pool_key, general in POOL_KEYS.items():
                if general == key:
                    sizes[pool_key] = source[key]
    for pool_key in POOL_KEYS:
        if pool_key in source:
            sizes[pool_key] = source[pool_key]


def resolve(config, alias):
    """Return the ``AliasConfig`` of ``alias`` from the defaults, the setting and ``config``.

    ``config`` must already be validated with ``raise_for_problems``.
    """
    sizes = {pool_key: DEFAULTS[general] for pool_key, general in POOL_KEYS.items()}
    _merge(sizes, get_settings().get(alias, {}))
    _merge(sizes, (config or {}).get(alias, {}))
    return AliasConfig(**sizes)
