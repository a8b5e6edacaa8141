"""url_for_other_page and the Jinja2 and Django pager templates."""

import pytest
from django.template import TemplateDoesNotExist, engines
from django.test import RequestFactory

from pager import Pager
from pager.links import url_for_other_page
from tests.testapp.models import PagerItem

# Columns: the query string of the request, the page to link to, and the link.
LINKS = [
    ("", 2, "/list/?page=2"),
    ("page=1", 2, "/list/?page=2"),
    ("q=a&page=3&order=title", 4, "/list/?q=a&page=4&order=title"),
    ("x=1&y=2&x=3&page=5", 4, "/list/?x=1&y=2&x=3&page=4"),
    ("page=1&q=a&page=7", 2, "/list/?page=2&q=a"),
    ("q=caf%C3%A9+au+lait&page=1", 2, "/list/?q=caf%C3%A9+au+lait&page=2"),
    ("q=%3Cb%3E%26%22&page=1", 2, "/list/?q=%3Cb%3E%26%22&page=2"),
    ("empty=&page=1", 2, "/list/?empty=&page=2"),
    ("pages=9&page=1", 2, "/list/?pages=9&page=2"),
    ("a%26b=c%3Dd", 3, "/list/?a%26b=c%3Dd&page=3"),
]


@pytest.mark.parametrize(("query_string", "page", "link"), LINKS)
def test_url_for_other_page(query_string, page, link):
    request = RequestFactory().get(f"/list/?{query_string}")

    assert url_for_other_page(request, page) == link


def test_url_for_other_page_quotes_path():
    request = RequestFactory().get("/list%20of/items/?page=1")

    assert url_for_other_page(request, 2) == "/list%20of/items/?page=2"


def test_jinja2_url_for_other_page_escapes():
    request = RequestFactory().get('/list/?q=%3C%22%3E&x=1&page=1')
    template = engines["jinja2"].from_string('<a href="{{ url_for_other_page(3) }}">')

    html = template.render({}, request=request)

    assert html == '<a href="/list/?q=%3C%22%3E&amp;x=1&amp;page=3">'


def test_django_tag_url_for_other_page_escapes():
    request = RequestFactory().get("/list/?x=1&page=1")
    template = engines["django"].from_string('{% load pager_tags %}<a href="{% url_for_other_page 3 %}">')

    html = template.render({}, request=request)

    assert html == '<a href="/list/?x=1&amp;page=3">'


@pytest.fixture
def items(db):
    PagerItem.objects.bulk_create(
        PagerItem(rank=index, label="x", created="2024-01-01T00:00:00Z", amount=1, token=f"{index:032x}")
        for index in range(9)
    )


def pager_on(page, page_size=4):
    pager = Pager(query=PagerItem.objects.order_by("rank"), page=page)
    pager.paginate(page_size=page_size)
    return pager


# Columns: template engine alias and the pager template's name there.
TEMPLATES = [("jinja2", "pager/pager.html"), ("django", "pager/pager_django.html")]


def render_pager(engine, name, pager, query_string="q=x&page=1"):
    request = RequestFactory().get(f"/list/?{query_string}")
    return engines[engine].get_template(name).render({"pager": pager}, request=request)


@pytest.mark.parametrize(("engine", "name"), TEMPLATES)
def test_pager_first_page(items, engine, name):
    html = render_pager(engine, name, pager_on(1))

    assert '<ul class="pagination">' in html
    assert '<li class="page-item disabled"><span class="page-link" aria-disabled="true">Previous</span></li>' in html
    assert '<a class="page-link" rel="next" href="/list/?q=x&amp;page=2">Next</a>' in html
    assert 'rel="prev"' not in html
    assert "Page 1" in html


@pytest.mark.parametrize(("engine", "name"), TEMPLATES)
def test_pager_middle_page(items, engine, name):
    html = render_pager(engine, name, pager_on(2), query_string="page=2&q=x")

    assert '<a class="page-link" rel="prev" href="/list/?page=1&amp;q=x">Previous</a>' in html
    assert '<a class="page-link" rel="next" href="/list/?page=3&amp;q=x">Next</a>' in html
    assert "disabled" not in html


@pytest.mark.parametrize(("engine", "name"), TEMPLATES)
def test_pager_last_page(items, engine, name):
    html = render_pager(engine, name, pager_on(3))

    assert '<li class="page-item disabled"><span class="page-link" aria-disabled="true">Next</span></li>' in html
    assert 'rel="prev"' in html
    assert 'rel="next"' not in html
    assert "Page 3" in html


@pytest.mark.parametrize(("engine", "name"), TEMPLATES)
def test_pager_single_page_renders_nothing(items, engine, name):
    html = render_pager(engine, name, pager_on(1, page_size=20))

    assert html.strip() == ""


def test_engines_do_not_share_pager_templates():
    with pytest.raises(TemplateDoesNotExist):
        engines["django"].get_template("pager/pager.html")
    with pytest.raises(TemplateDoesNotExist):
        engines["jinja2"].get_template("pager/pager_django.html")
