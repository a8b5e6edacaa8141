from django.apps import AppConfig
from django.core import checks


class RespserverConfig(AppConfig):
    name = "respserver"
    verbose_name = "RESP server"

    def ready(self):
        # Imported here so that loading INSTALLED_APPS stays light.
        from respserver.checks import check_settings

        checks.register(check_settings)
