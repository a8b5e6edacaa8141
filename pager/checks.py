"""System checks for settings.PAGER."""

from django.conf import settings
from django.core.checks import Error

from pager.conf import DEFAULTS


# MAX_SKIP must leave room for a page of at least one row plus the row after it.
MINIMUM = {"TIMEOUT": 1, "MAX_SKIP": 2}


def _is_int_at_least(value, minimum):
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def check_settings(app_configs=None, **kwargs):
    """Reject a PAGER setting that is not a dict, has unknown keys or bad values."""
    config = getattr(settings, "PAGER", {})
    if not isinstance(config, dict):
        return [
            Error(
                f"PAGER must be a dict, not {type(config).__name__}: {config!r}.",
                hint=f"Set PAGER to a dict with some of the keys {', '.join(DEFAULTS)}.",
                id="pager.E001",
            )
        ]

    errors = []
    unknown = sorted(set(config) - set(DEFAULTS))
    if unknown:
        errors.append(
            Error(
                f"PAGER has unknown keys: {', '.join(map(repr, unknown))}.",
                hint=f"Use only the keys {', '.join(DEFAULTS)}.",
                id="pager.E002",
            )
        )
    if "CACHE" in config and config["CACHE"] not in settings.CACHES:
        errors.append(
            Error(
                f"PAGER['CACHE'] is {config['CACHE']!r}, which is not an alias in settings.CACHES.",
                hint=f"Use one of the aliases {', '.join(map(repr, settings.CACHES))}.",
                id="pager.E003",
            )
        )
    for key in ("TIMEOUT", "MAX_SKIP"):
        if key in config and not _is_int_at_least(config[key], MINIMUM[key]):
            errors.append(
                Error(
                    f"PAGER[{key!r}] must be an integer of at least {MINIMUM[key]}, not {config[key]!r}.",
                    hint=f"Set PAGER[{key!r}] to an integer of {MINIMUM[key]} or more (default {DEFAULTS[key]}).",
                    id="pager.E004" if key == "TIMEOUT" else "pager.E005",
                )
            )
    return errors
