"""Demo pages: save 100 posts one by one, then through BatchOperation, and compare.

Each page shows a form. Posting it saves 100 posts and shows the wall-clock time and the
SQL statements sent. ``CaptureQueriesContext`` counts them, because it records queries
even without ``DEBUG``.
"""

import time
from collections import Counter

from django.db import connections, router
from django.shortcuts import render
from django.test.utils import CaptureQueriesContext
from django.views.decorators.http import require_http_methods

from batchops import BatchOperation
from project.models import Post

POST_COUNT = 100
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def index(request):
    """Render the page that links both ways of saving posts."""
    return render(
        request,
        "batch/index.html",
        {"post_count": POST_COUNT, "total_posts": Post.objects.count()},
        using="jinja2",
    )


def _new_posts(method):
    return [
        Post(title=f"{method} post {number}", text="Saved by the demo.")
        for number in range(POST_COUNT)
    ]


def _save_with_create():
    for post in _new_posts("create"):
        Post.objects.create(title=post.title, text=post.text)


def _save_with_batchop():
    with BatchOperation() as op:
        for post in _new_posts("BatchOperation"):
            op.save(post)


def shorten_sql(sql, limit=160):
    return sql if len(sql) <= limit else sql[: limit - 1] + "…"


METHODS = {
    "create": ("Post.objects.create()", _save_with_create),
    "batchop": ("BatchOperation", _save_with_batchop),
}


def _measure(request, method):
    label, save_posts = METHODS[method]
    context = {"method": method, "label": label, "post_count": POST_COUNT, "result": None}
    if request.method == "POST":
        connection = connections[router.db_for_write(Post)]
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            save_posts()
            elapsed = time.perf_counter() - started
        statements = [query["sql"] for query in captured.captured_queries]
        context["result"] = {
            "milliseconds": elapsed * 1000,
            "statement_count": len(statements),
            "control_count": sum(1 for sql in statements if sql.startswith(TRANSACTION_CONTROL)),
            "by_keyword": Counter(sql.split(None, 1)[0].upper() for sql in statements).most_common(),
            "first_statements": [shorten_sql(sql) for sql in statements[:3]],
            "vendor": connection.vendor,
        }
    context["total_posts"] = Post.objects.count()
    return render(request, "batch/measure.html", context, using="jinja2")


@require_http_methods(["GET", "POST"])
def save_with_create(request):
    """Save 100 posts with ``Post.objects.create()`` on POST and show the cost."""
    return _measure(request, "create")


@require_http_methods(["GET", "POST"])
def save_with_batchop(request):
    """Save 100 posts through one ``BatchOperation`` on POST and show the cost."""
    return _measure(request, "batchop")
