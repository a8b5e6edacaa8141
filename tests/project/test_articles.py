"""The demo's article list and the command that seeds it."""

import re

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from project.models import Article
from tests.pager.caches import clear, isolated_caches

ARTICLES = 45
PAGE_SIZE = 20


@pytest.fixture(autouse=True)
def pager_cache(settings):
    settings.CACHES = isolated_caches()
    settings.PAGER = {"CACHE": "pager"}
    yield
    clear(caches["pager"])


@pytest.fixture
def articles(db):
    call_command("seedarticles", count=ARTICLES, stdout=None)
    return list(Article.objects.order_by("-created", "-id"))


def titles_on(response):
    return re.findall(r'<td class="article-title">([^<]*)</td>', response.content.decode())


def get(client, **params):
    return client.get(reverse("article-list"), params)


def test_seedarticles_fills_empty_database(db, capsys):
    call_command("seedarticles", count=30)

    assert Article.objects.count() == 30
    assert "Added 30 demo articles" in capsys.readouterr().out


def test_seedarticles_writes_in_batches(db):
    with CaptureQueriesContext(connection) as queries:
        call_command("seedarticles", count=250)

    inserts = [query for query in queries.captured_queries if query["sql"].startswith("INSERT")]
    assert Article.objects.count() == 250
    # BatchOperation writes many rows per INSERT, where save() would send 250.
    assert 1 <= len(inserts) <= 10


def test_seedarticles_leaves_full_database(articles, capsys):
    call_command("seedarticles", count=10)

    assert Article.objects.count() == ARTICLES
    assert "already has articles" in capsys.readouterr().out


def test_seedarticles_is_deterministic(db):
    call_command("seedarticles", count=25)
    first = list(Article.objects.order_by("-created").values_list("title", "author", "body", "created"))
    Article.objects.all().delete()
    call_command("seedarticles", count=25)
    second = list(Article.objects.order_by("-created").values_list("title", "author", "body", "created"))

    assert first == second


def test_list_pages_newest_first(articles, client):
    for page, start in [(1, 0), (2, 20), (3, 40)]:
        response = get(client, page=page)
        assert response.status_code == 200
        assert titles_on(response) == [article.title for article in articles[start : start + PAGE_SIZE]]
        assert f"Page {page}" in response.content.decode()


def test_list_orders_by_title(articles, client):
    by_title = list(Article.objects.order_by("title", "id"))

    response = get(client, order="title", page=2)

    assert titles_on(response) == [article.title for article in by_title[20:40]]


def test_list_past_end_serves_last_page(articles, client):
    response = get(client, page=9)

    assert titles_on(response) == [article.title for article in articles[40:]]
    assert "Page 3" in response.content.decode()
    assert response.context_data["pager"].page == 3


# Columns: the page parameter as the query string gives it. Each one means page 1.
MALFORMED_PAGES = ["", "abc", "2.5", "0", "-1", "1e3", " ", "２"]


@pytest.mark.parametrize("page", MALFORMED_PAGES)
def test_list_malformed_page_serves_first(articles, client, page):
    response = get(client, page=page)

    assert response.status_code == 200
    assert titles_on(response) == [article.title for article in articles[:PAGE_SIZE]]
    assert response.context_data["pager"].page == 1


def test_list_search_survives_paging(articles, client):
    # A letter in more than one page of titles but not in all of them.
    def matching(letter):
        return [article for article in articles if letter in article.title.lower()]

    word = next(letter for letter in "bcdfghklmnpsuvwy" if PAGE_SIZE < len(matching(letter)) < ARTICLES)

    first = get(client, q=word, order="newest")
    body = first.content.decode()
    second = get(client, q=word, order="newest", page=2)

    assert titles_on(first) == [article.title for article in matching(word)[:PAGE_SIZE]]
    assert f'value="{word}"' in body
    assert f'href="/articles/?q={word}&amp;order=newest&amp;page=2"' in body
    assert titles_on(second) == [article.title for article in matching(word)[PAGE_SIZE : 2 * PAGE_SIZE]]


def test_list_next_link_keeps_parameters(articles, client):
    response = client.get(reverse("article-list") + "?order=title&page=2&x=1&x=2")
    body = response.content.decode()

    assert 'rel="next" href="/articles/?order=title&amp;page=3&amp;x=1&amp;x=2"' in body
    assert 'rel="prev" href="/articles/?order=title&amp;page=1&amp;x=1&amp;x=2"' in body


def test_list_first_page_disables_previous(articles, client):
    body = get(client).content.decode()

    assert '<li class="page-item disabled"><span class="page-link" aria-disabled="true">Previous</span>' in body
    assert 'rel="next"' in body
    assert 'rel="prev"' not in body


def test_list_last_page_disables_next(articles, client):
    body = get(client, page=3).content.decode()

    assert '<li class="page-item disabled"><span class="page-link" aria-disabled="true">Next</span>' in body
    assert 'rel="prev"' in body
    assert 'rel="next"' not in body


def test_list_single_page_has_no_pager(articles, client):
    only = articles[0].title
    matching = [article for article in articles if article.title == only]

    response = get(client, q=only)

    assert len(titles_on(response)) == len(matching)
    assert 'class="pagination"' not in response.content.decode()


def test_list_no_match_says_so(articles, client):
    response = get(client, q="no title has this")

    assert titles_on(response) == []
    assert "No articles match" in response.content.decode()


def test_list_search_is_escaped(articles, client):
    body = get(client, q='<script>"').content.decode()

    assert "<script>" not in body
    assert "&lt;script&gt;" in body


def test_list_cursor_serves_next_page(articles, client):
    first = get(client)
    cursor = first.context_data["cursor"]

    response = get(client, cursor=cursor)

    assert titles_on(response) == [article.title for article in articles[20:40]]


def test_list_invalid_cursor_is_404(articles, client):
    cursor = get(client).context_data["cursor"]
    tampered = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]

    assert get(client, cursor=tampered).status_code == 404
    assert get(client, cursor="not-a-cursor").status_code == 404
    assert get(client, cursor=cursor, order="title").status_code == 404
