"""Fill an empty database with deterministic demo articles."""

import datetime
import random

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from batchops import BatchOperation
from project.models import Article

ADJECTIVES = [
    "Quiet", "Rapid", "Hidden", "Bright", "Careful", "Distant", "Early", "Gentle", "Honest",
    "Late", "Modern", "Narrow", "Open", "Patient", "Simple", "Steady", "Strange", "Wide",
]
NOUNS = [
    "Harbour", "Index", "River", "Query", "Garden", "Engine", "Lantern", "Market", "Orchard",
    "Signal", "Bridge", "Cache", "Village", "Library", "Cursor", "Island", "Meadow", "Tower",
]
TOPICS = [
    "on a rainy morning", "in practice", "after midnight", "for beginners", "revisited",
    "at scale", "without a map", "in ten steps", "from scratch", "under load",
]
FIRST_NAMES = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim"]
LAST_NAMES = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman", "Peters"]
SENTENCES = [
    "The first page loads before the kettle boils.",
    "Every row keeps its place when new ones arrive.",
    "A boundary remembered is a query saved.",
    "Nobody counts the rows, and nobody misses the count.",
    "The index leads the way to the next page.",
    "Old pages stay where the reader left them.",
    "The cache forgets, and the database remembers.",
]
# Creation time of the newest article. Each earlier one is about seven minutes older.
NEWEST = datetime.datetime(2026, 1, 1, 12, 0, tzinfo=datetime.UTC)


def make_article(rng, index):
    """Return the unsaved demo article number ``index`` drawn from ``rng``."""
    title = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {rng.choice(TOPICS)}"
    body = " ".join(rng.choice(SENTENCES) for _ in range(rng.randrange(2, 6)))
    # Seven minutes apart less a random fraction of a second, so times carry microseconds.
    created = NEWEST - datetime.timedelta(minutes=7 * index, microseconds=rng.randrange(1_000_000))
    return Article(
        title=title,
        body=body,
        author=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        created=created,
    )


class Command(BaseCommand):
    help = "Fill an empty database with demo articles, written in batches through BatchOperation."

    def add_arguments(self, parser):
        parser.add_argument(
            "--count",
            type=int,
            default=100_000,
            help="Number of articles to write (default: 100000).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=2026,
            help="Seed of the random titles, authors and bodies (default: 2026).",
        )

    def handle(self, *args, count, seed, **options):
        if count < 0:
            raise CommandError(f"--count must be 0 or more, not {count}.")
        if Article.objects.exists():
            self.stdout.write("The database already has articles, so none were added.")
            return

        rng = random.Random(seed)
        # One transaction makes SQLite write the rows to disk once, not once per batch.
        with transaction.atomic(), BatchOperation() as operation:
            for index in tqdm(range(count), desc="Seeding articles", unit=" articles", disable=None):
                operation.save(make_article(rng, index))
        self.stdout.write(f"Added {count} demo articles.")
