from django.apps import AppConfig


class RespserverConfig(AppConfig):
    name = "respserver"
    verbose_name = "RESP server"
