"""A ListView mixin that pages with the Pager."""

from django.http import Http404

from pager.core import Pager
from pager.exceptions import InvalidCursor


class PagerMixin:
    """Page a ListView's queryset with a Pager instead of Django's Paginator.

    Put it before ListView: ``class ArticleList(PagerMixin, ListView)``. The page number
    comes from the ``page`` query parameter and a cursor from ``cursor``, which wins
    when both are given. An invalid cursor is a 404. The context gets ``pager`` and
    ``cursor``, and ``page_obj`` and ``paginator`` are the pager too.
    """

    paginate_by = 20
    page_kwarg = "page"
    cursor_kwarg = "cursor"

    def paginate_queryset(self, queryset, page_size):
        token = self.request.GET.get(self.cursor_kwarg)
        if token:
            pager = Pager(query=queryset, cursor=token)
        else:
            page = self.kwargs.get(self.page_kwarg) or self.request.GET.get(self.page_kwarg)
            pager = Pager(query=queryset, page=page)
        try:
            items, cursor, _more = pager.paginate(page_size=page_size)
        except InvalidCursor as exc:
            raise Http404(str(exc)) from exc
        self.pager = pager
        self.cursor = cursor
        return pager, pager, items, bool(pager)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("pager", getattr(self, "pager", None))
        context.setdefault("cursor", getattr(self, "cursor", None))
        return context
