from django.apps import AppConfig
from django.core import checks


class PagerConfig(AppConfig):
    name = "pager"
    verbose_name = "Pager"

    def ready(self):
        from pager.checks import check_settings

        checks.register(check_settings)
