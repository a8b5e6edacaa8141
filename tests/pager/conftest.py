"""Fixtures of the pager tests."""

import pytest
from django.core.cache import caches

from tests.pager.caches import clear, isolated_caches


@pytest.fixture(autouse=True)
def pager_cache(settings):
    """Point the pager at a cache of this test's own, and return that cache."""
    settings.CACHES = isolated_caches()
    settings.PAGER = {"CACHE": "pager"}
    cache = caches["pager"]
    yield cache
    clear(cache)
