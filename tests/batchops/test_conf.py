"""Configuration of batchops: resolution, validation and system checks."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from batchops import BatchOperation
from batchops.checks import check_settings
from batchops.conf import AliasConfig, resolve

# Columns: description, setting, config, expected sizes
# (save pool, delete pool, save batch, delete batch).
RESOLVE_CASES = [
    ("defaults", {}, None, (500, 500, 100, 100)),
    ("setting", {"default": {"pool_size": 40}}, None, (40, 40, 100, 100)),
    ("config over setting", {"default": {"pool_size": 40}}, {"default": {"pool_size": 9}}, (9, 9, 100, 100)),
    ("per pool over general", {}, {"default": {"pool_size": 9, "delete_pool_size": 2}}, (9, 2, 100, 100)),
    ("per pool batch", {}, {"default": {"batch_size": 5, "save_batch_size": 3}}, (500, 500, 3, 5)),
    ("setting per pool, config general", {"default": {"save_pool_size": 7}}, {"default": {"pool_size": 8}}, (8, 8, 100, 100)),
    ("other alias untouched", {}, {"other": {"pool_size": 3}}, (500, 500, 100, 100)),
]


@pytest.mark.parametrize(
    ("setting", "config", "expected"),
    [case[1:] for case in RESOLVE_CASES],
    ids=[case[0] for case in RESOLVE_CASES],
)
def test_resolve_sizes(setting, config, expected):
    with override_settings(BATCHOPS=setting):
        assert resolve(config, "default") == AliasConfig(*expected)


# Columns: description, bad config, text the error must contain.
BAD_CONFIG_CASES = [
    ("unknown alias", {"nowhere": {"pool_size": 5}}, "'nowhere'"),
    ("size zero", {"default": {"pool_size": 0}}, "not 0"),
    ("negative batch", {"default": {"delete_batch_size": -3}}, "not -3"),
    ("size not an int", {"default": {"batch_size": "10"}}, "not '10'"),
    ("bool size", {"default": {"batch_size": True}}, "not True"),
    ("unknown key", {"default": {"poolsize": 5}}, "'poolsize'"),
    ("not a dict", [("default", 5)], "not list"),
    ("sizes not a dict", {"default": 5}, "not int"),
]


@pytest.mark.parametrize(
    ("config", "text"),
    [case[1:] for case in BAD_CONFIG_CASES],
    ids=[case[0] for case in BAD_CONFIG_CASES],
)
def test_bad_config_raises(config, text):
    with pytest.raises(ImproperlyConfigured) as error:
        BatchOperation(config)
    assert text in str(error.value)


@pytest.mark.django_db
def test_bad_setting_raises_on_first_use():
    from tests.testapp.models import BatchParent

    with override_settings(BATCHOPS={"default": {"pool_size": 0}}):
        with pytest.raises(ImproperlyConfigured, match="settings.BATCHOPS"):
            BatchOperation().save(BatchParent(name="x"))


def test_unknown_using_alias_raises():
    from tests.testapp.models import BatchParent

    with pytest.raises(ImproperlyConfigured, match="'missing'"):
        BatchOperation().save(BatchParent(name="x"), using="missing")


@pytest.mark.parametrize("value", [None, "text", 3, object()])
def test_non_model_raises_type_error(value):
    op = BatchOperation()
    with pytest.raises(TypeError, match=type(value).__name__):
        op.save(value)
    with pytest.raises(TypeError, match=type(value).__name__):
        op.delete(value)


# Columns: description, setting, expected check ids.
CHECK_CASES = [
    ("valid", {"default": {"pool_size": 10}}, []),
    ("not a dict", 5, ["batchops.E001"]),
    ("unknown alias", {"nope": {}}, ["batchops.E002"]),
    ("sizes not a dict", {"default": 5}, ["batchops.E003"]),
    ("unknown key", {"default": {"size": 5}}, ["batchops.E004"]),
    ("bad sizes", {"default": {"pool_size": 0, "batch_size": -1}}, ["batchops.E005", "batchops.E005"]),
]


@pytest.mark.parametrize(
    ("setting", "expected"),
    [case[1:] for case in CHECK_CASES],
    ids=[case[0] for case in CHECK_CASES],
)
def test_system_checks(setting, expected):
    with override_settings(BATCHOPS=setting):
        errors = check_settings()
    assert [error.id for error in errors] == expected
    for error in errors:
        assert error.hint


def test_checks_registered():
    from django.core.checks.registry import registry

    assert check_settings in registry.get_checks()
