from django.views.generic import ListView

from project.models import Article


class ArticleListView(ListView):
    """List the demo articles page by page."""

    # Placeholder until the pager's ListView mixin exists.
    model = Article
    template_name = "articles/list.html"
    template_engine = "jinja2"
