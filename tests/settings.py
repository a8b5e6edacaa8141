"""Settings of the test suite: the project's, plus the test-only app.

The database and the cache follow DATABASE_URL and REDIS_URL as in the project. A second
database alias, "other", is SQLite (in memory during tests), for tests that write to two databases.
"""

import os

from project.settings import *  # noqa: F403
from project.settings import BASE_DIR, DATABASES, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]

# Each test run gets a test database of its own on a shared server, so two runs at
# the same time do not drop each other's tables.
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": f"test_suite_{os.getpid()}"}

DATABASES = {
    **DATABASES,
    "other": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "other.sqlite3",
    },
}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
