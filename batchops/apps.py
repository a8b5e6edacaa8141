from django.apps import AppConfig
from django.core import checks


class BatchopsConfig(AppConfig):
    name = "batchops"
    verbose_name = "Batch operations"

    def ready(self):
        # Imported here so that loading INSTALLED_APPS stays light.
        from batchops.checks import check_settings

        checks.register(check_settings)
