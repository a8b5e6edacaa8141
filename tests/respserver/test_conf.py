"""settings.RESPSERVER: defaults, overrides and system checks."""

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from respserver.checks import check_settings
from respserver.conf import ServerConfig, get_config


def test_defaults():
    config = get_config()
    assert config == ServerConfig()
    assert (config.max_clients, config.inline_max, config.bulk_max) == (
        10_000,
        64 * 1024,
        512 * 1024 * 1024,
    )
    assert config.idle_timeout is None


def test_override_is_read_again():
    with override_settings(RESPSERVER={"MAX_CLIENTS": 5, "IDLE_TIMEOUT": 2.5}):
        assert get_config().max_clients == 5
        assert get_config().idle_timeout == 2.5
        assert get_config().bulk_max == 512 * 1024 * 1024
    assert get_config().max_clients == 10_000


# Columns: the setting, the check id it fails, and a part of the message.
BAD_SETTINGS = [
    ([("MAX_CLIENTS", 5)], "respserver.E001", "must be a dict, not list"),
    ({"MAXCLIENTS": 5}, "respserver.E002", "unknown key 'MAXCLIENTS'"),
    (
        {"MAX_CLIENTS": 0},
        "respserver.E003",
        "['MAX_CLIENTS'] must be an integer of at least 1, not 0",
    ),
    (
        {"BULK_MAX": "1mb"},
        "respserver.E003",
        "['BULK_MAX'] must be an integer of at least 1, not '1mb'",
    ),
    ({"OUTPUT_BUFFER_MAX": True}, "respserver.E003", "not True"),
    ({"IDLE_TIMEOUT": 0}, "respserver.E004", "must be None or a number of seconds above 0, not 0"),
    ({"IDLE_TIMEOUT": "5"}, "respserver.E004", "not '5'"),
    ({"SHUTDOWN_TIMEOUT": -1}, "respserver.E005", "of at least 0, not -1"),
]


@pytest.mark.parametrize(("value", "check_id", "message"), BAD_SETTINGS)
def test_bad_setting_fails_checks(value, check_id, message):
    with override_settings(RESPSERVER=value):
        errors = check_settings()
        assert [error.id for error in errors] == [check_id]
        assert message in errors[0].msg
        assert errors[0].hint
        with pytest.raises(ImproperlyConfigured, match="settings.RESPSERVER"):
            get_config()


def test_checks_are_registered():
    assert check_settings in checks.registry.registry.get_checks()
