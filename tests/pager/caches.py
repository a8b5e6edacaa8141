"""Cache settings that give each test cache entries of its own."""

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

# The pager tests use this database number of the Redis at REDIS_URL, so they never
# touch the entries of the project or of other tests.
REDIS_TEST_DB = 15


def isolated_caches():
    """Return CACHES with a "pager" alias under a key prefix no other test uses."""
    prefix = f"pagertest-{uuid.uuid4().hex}"
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        parts = urlsplit(redis_url)
        location = urlunsplit(parts._replace(path=f"/{REDIS_TEST_DB}"))
        pager_cache = {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": prefix,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    else:
        pager_cache = {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": prefix,
        }
    return {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"{prefix}-default"},
        "pager": pager_cache,
    }


def clear(cache):
    """Delete every entry of this test's cache, without flushing a shared Redis."""
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()
