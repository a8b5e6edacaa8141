"""The demo's article list, paged with the Pager."""

from django.views.generic import ListView

from pager.views import PagerMixin
from project.models import Article

# Values of the ``order`` query parameter, each with the ordering it selects. Each
# ordering has an index on its columns with the primary key.
ORDERINGS = {
    "newest": ("-created",),
    "title": ("title",),
}
DEFAULT_ORDER = "newest"


class ArticleListView(PagerMixin, ListView):
    """List the demo articles 20 to a page, newest first or by title, with a search box."""

    model = Article
    paginate_by = 20
    template_name = "articles/list.html"
    template_engine = "jinja2"
    context_object_name = "articles"

    def get_order(self):
        order = self.request.GET.get("order", DEFAULT_ORDER)
        return order if order in ORDERINGS else DEFAULT_ORDER

    def get_search(self):
        return self.request.GET.get("q", "").strip()

    def get_queryset(self):
        queryset = Article.objects.all()
        search = self.get_search()
        if search:
            queryset = queryset.filter(title__icontains=search)
        return queryset.order_by(*ORDERINGS[self.get_order()])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["order"] = self.get_order()
        context["orderings"] = list(ORDERINGS)
        context["search"] = self.get_search()
        return context
