"""System checks of ``settings.RESPSERVER``, with ids respserver.E001 to respserver.E005."""

from django.conf import settings
from django.core import checks

from respserver.conf import find_problems


def check_settings(app_configs=None, **kwargs):
    """Report each invalid entry of ``settings.RESPSERVER`` as an error with a hint."""
    configured = getattr(settings, "RESPSERVER", {})
    return [
        checks.Error(problem.message, hint=problem.hint, id=problem.check_id)
        for problem in find_problems(configured)
    ]
