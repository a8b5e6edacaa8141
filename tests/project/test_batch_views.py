"""The batch-save demo pages, requested as a browser would."""

import re

import pytest
from django.test import Client

from project.models import Post

pytestmark = pytest.mark.django_db


def test_index_links_both_pages(client):
    response = client.get("/batch/")

    assert response.status_code == 200
    content = response.content.decode()
    assert 'href="/batch/create/"' in content
    assert 'href="/batch/batchop/"' in content


@pytest.mark.parametrize("path", ["/batch/create/", "/batch/batchop/"])
def test_get_shows_form_and_saves_nothing(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert "<form" in response.content.decode()
    assert Post.objects.count() == 0


def statement_count(content):
    match = re.search(r'id="statement-count">(\d+)<', content)
    assert match, "the page shows no statement count"
    return int(match.group(1))


def test_create_page_saves_hundred_posts(client):
    response = client.post("/batch/create/")

    content = response.content.decode()
    assert response.status_code == 200
    assert Post.objects.count() == 100
    assert statement_count(content) >= 100
    assert re.search(r'id="elapsed">[\d.]+ ms<', content)


def test_batchop_page_saves_hundred_posts_in_one_insert(client):
    response = client.post("/batch/batchop/")

    content = response.content.decode()
    assert response.status_code == 200
    assert Post.objects.count() == 100
    assert "1 INSERT" in content
    # One INSERT, plus transaction control: a savepoint inside the test's transaction.
    control = int(re.search(r'id="control-count">(\d+)<', content).group(1))
    assert statement_count(content) - control == 1
    assert re.search(r'id="elapsed">[\d.]+ ms<', content)


def test_post_needs_csrf_token():
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/batch/batchop/")

    assert response.status_code == 403
    assert Post.objects.count() == 0


def test_form_carries_csrf_token(client):
    response = client.get("/batch/batchop/")

    assert 'name="csrfmiddlewaretoken"' in response.content.decode()
