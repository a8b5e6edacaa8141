"""Settings of the RESP server: ``settings.RESPSERVER`` over documented defaults.

::

    RESPSERVER = {
        "MAX_CLIENTS": 10_000,       # connections per process (more get an error and a close)
        "INLINE_MAX": 64 * 1024,     # bytes of an inline request, or of a count line
        "BULK_MAX": 512 * 1024**2,   # bytes of one multibulk argument
        "QUERY_BUFFER_MAX": 1024**3, # bytes of one pending request, arguments included
        "OUTPUT_BUFFER_MAX": 256 * 1024,  # queued reply bytes beyond which reading pauses
        "IDLE_TIMEOUT": None,        # seconds without traffic before a close (None: never)
        "BACKLOG": 511,              # listen backlog, as Redis's tcp-backlog
        "SHUTDOWN_TIMEOUT": 10,      # seconds that queued replies get to drain at a stop
    }

The setting is read on first use, never at import time, and again after
``setting_changed`` (``override_settings`` in tests). System checks report bad values.
"""

from dataclasses import dataclass, fields
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from respserver import constants

DEFAULTS = {
    "MAX_CLIENTS": 10_000,
    "INLINE_MAX": constants.INLINE_MAX,
    "BULK_MAX": constants.BULK_MAX,
    "QUERY_BUFFER_MAX": constants.QUERY_BUFFER_MAX,
    "OUTPUT_BUFFER_MAX": 256 * 1024,
    "IDLE_TIMEOUT": None,
    "BACKLOG": 511,
    "SHUTDOWN_TIMEOUT": 10,
}
# Keys whose value is a whole number of at least 1.
POSITIVE_INTEGERS = (
    "MAX_CLIENTS",
    "INLINE_MAX",
    "BULK_MAX",
    "QUERY_BUFFER_MAX",
    "OUTPUT_BUFFER_MAX",
    "BACKLOG",
)


@dataclass(frozen=True)
class ServerConfig:
    """Resolved limits of one server. Tests build it directly."""

    max_clients: int = DEFAULTS["MAX_CLIENTS"]
    inline_max: int = DEFAULTS["INLINE_MAX"]
    bulk_max: int = DEFAULTS["BULK_MAX"]
    query_buffer_max: int = DEFAULTS["QUERY_BUFFER_MAX"]
    output_buffer_max: int = DEFAULTS["OUTPUT_BUFFER_MAX"]
    idle_timeout: float | None = DEFAULTS["IDLE_TIMEOUT"]
    backlog: int = DEFAULTS["BACKLOG"]
    shutdown_timeout: float = DEFAULTS["SHUTDOWN_TIMEOUT"]


@dataclass(frozen=True)
class Problem:
    """Invalid entry of the setting, for ImproperlyConfigured and system checks."""

    check_id: str
    message: str
    hint: str


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def find_problems(configured):
    """Return the ``Problem`` of each invalid entry of ``configured``."""
    if not isinstance(configured, dict):
        return [
            Problem(
                "respserver.E001",
                f"settings.RESPSERVER must be a dict, not {type(configured).__name__}: {configured!r}.",
                f"Use a dict with keys from {list(DEFAULTS)}.",
            )
        ]
    problems = []
    for key, value in configured.items():
        if key not in DEFAULTS:
            problems.append(
                Problem(
                    "respserver.E002",
                    f"settings.RESPSERVER has the unknown key {key!r}.",
                    f"Use keys from {list(DEFAULTS)}.",
                )
            )
        elif key in POSITIVE_INTEGERS and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            problems.append(
                Problem(
                    "respserver.E003",
                    f"settings.RESPSERVER[{key!r}] must be an integer of at least 1, not {value!r}.",
                    f"Set it to a positive integer, for example the default {DEFAULTS[key]}.",
                )
            )
        elif key == "IDLE_TIMEOUT" and value is not None and (not _is_number(value) or value <= 0):
            problems.append(
                Problem(
                    "respserver.E004",
                    f"settings.RESPSERVER['IDLE_TIMEOUT'] must be None or a number of seconds above 0, not {value!r}.",
                    "Set it to None to keep idle clients, or to a number of seconds such as 300.",
                )
            )
        elif key == "SHUTDOWN_TIMEOUT" and (not _is_number(value) or value < 0):
            problems.append(
                Problem(
                    "respserver.E005",
                    f"settings.RESPSERVER['SHUTDOWN_TIMEOUT'] must be a number of seconds of at least 0, not {value!r}.",
                    f"Set it to a number of seconds, for example the default {DEFAULTS['SHUTDOWN_TIMEOUT']}.",
                )
            )
    return problems


@cache
def get_config():
    """Return the ``ServerConfig`` of ``settings.RESPSERVER``.

    Raise ImproperlyConfigured with the first problem if the setting is invalid.
    """
    configured = getattr(settings, "RESPSERVER", {})
    problems = find_problems(configured)
    if problems:
        first = problems[0]
        raise ImproperlyConfigured(f"{first.message} {first.hint}")
    merged = {**DEFAULTS, **configured}
    return ServerConfig(
        **{field.name: merged[field.name.upper()] for field in fields(ServerConfig)}
    )


@receiver(setting_changed)
def clear_config_cache(*, setting, **kwargs):
    if setting == "RESPSERVER":
        get_config.cache_clear()
