import os
import subprocess
import sys

from django.conf import settings


def test_settings_import_without_environment(tmp_path):
    """project.settings imports with no environment variable set, for star imports."""
    env = {"PATH": os.environ.get("PATH", "")}
    result = subprocess.run(
        [sys.executable, "-c", "from project.settings import *; print(DATABASES['default']['ENGINE'])"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"


def test_jinja2_engine_keeps_default_alias():
    from django.template import engines

    assert engines["jinja2"].env.autoescape is True
