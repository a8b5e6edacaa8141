from django.apps import AppConfig


class BatchopsConfig(AppConfig):
    name = "batchops"
    verbose_name = "Batch operations"
