"""Models of the demo site."""

from django.db import models


class Article(models.Model):
    """A demo article, listed page by page with the pager."""

    title = models.CharField(max_length=200)
    body = models.TextField()
    author = models.CharField(max_length=100)
    created = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["-created", "-id"], name="article_newest_idx"),
            models.Index(fields=["title", "id"], name="article_title_idx"),
        ]

    def __str__(self):
        return self.title


class Post(models.Model):
    """A demo post, written by the batch-save pages."""

    title = models.CharField(max_length=200)
    text = models.TextField()
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.title
