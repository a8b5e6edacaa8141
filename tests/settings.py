"""Settings of the test suite: the project's, plus the test-only app.

The database and the cache follow DATABASE_URL and REDIS_URL as in the project. A second
database alias, "other", is SQLite (in memory during tests), for tests that write to two databases.
"""

from project.settings import *  # noqa: F403
from project.settings import BASE_DIR, DATABASES, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]

DATABASES = {
    **DATABASES,
    "other": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "other.sqlite3",
    },
}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
