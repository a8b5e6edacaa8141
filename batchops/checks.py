"""System checks of ``settings.BATCHOPS``, with ids batchops.E001 to batchops.E005."""

from django.conf import settings
from django.core import checks

from batchops.conf import find_problems


def check_settings(app_configs=None, **kwargs):
    """Report each invalid entry of ``settings.BATCHOPS`` as an error with a hint."""
    configured = getattr(settings, "BATCHOPS", {})
    return [
        checks.Error(problem.message, hint=problem.hint, id=problem.check_id)
        for problem in find_problems(configured, "settings.BATCHOPS")
    ]
