from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Fill an empty database with demo articles."

    def handle(self, *args, **options):
        pass
