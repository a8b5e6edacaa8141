"""System checks of settings.PAGER and the lazily read configuration."""

import pytest
from django.core.checks.registry import registry

from pager.checks import check_settings
from pager.conf import DEFAULTS, get_config

# Columns: a PAGER setting, and the ids of the errors it raises.
SETTINGS = [
    ({}, []),
    ({"CACHE": "pager", "TIMEOUT": 60, "MAX_SKIP": 500}, []),
    ([("CACHE", "default")], ["pager.E001"]),
    ({"CACHES": "default"}, ["pager.E002"]),
    ({"CACHE": "missing"}, ["pager.E003"]),
    ({"TIMEOUT": 0}, ["pager.E004"]),
    ({"TIMEOUT": None}, ["pager.E004"]),
    ({"TIMEOUT": "60"}, ["pager.E004"]),
    ({"MAX_SKIP": 0}, ["pager.E005"]),
    ({"MAX_SKIP": 1}, ["pager.E005"]),
    ({"MAX_SKIP": 2}, []),
    ({"MAX_SKIP": 1.5}, ["pager.E005"]),
    ({"MAX_SKIP": True}, ["pager.E005"]),
    ({"TIMEOUT": -1, "MAX_SKIP": -1, "OTHER": 1}, ["pager.E002", "pager.E004", "pager.E005"]),
]


@pytest.mark.parametrize(("value", "ids"), SETTINGS)
def test_check_settings(settings, value, ids):
    settings.PAGER = value

    errors = check_settings()

    assert [error.id for error in errors] == ids
    for error in errors:
        assert error.hint


def test_check_error_names_value(settings):
    settings.PAGER = {"CACHE": "missing"}

    (error,) = check_settings()

    assert "'missing'" in error.msg
    assert "'default'" in error.hint


def test_config_merges_defaults(settings):
    settings.PAGER = {"MAX_SKIP": 77}

    assert get_config() == {**DEFAULTS, "MAX_SKIP": 77}


def test_config_follows_setting_changes(settings):
    settings.PAGER = {"TIMEOUT": 5}
    assert get_config()["TIMEOUT"] == 5

    settings.PAGER = {"TIMEOUT": 6}
    assert get_config()["TIMEOUT"] == 6


def test_config_without_setting(settings):
    del settings.PAGER

    assert get_config() == DEFAULTS


def test_check_registered():
    assert check_settings in registry.get_checks()
