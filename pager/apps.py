from django.apps import AppConfig


class PagerConfig(AppConfig):
    name = "pager"
    verbose_name = "Pager"
