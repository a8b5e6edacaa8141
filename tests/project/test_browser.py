"""The article list in headless Chromium: Next three times, then Previous once."""

import shutil

import pytest
from django.core.cache import caches
from django.core.management import call_command

from project.models import Article
from tests.pager.caches import clear, isolated_caches

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTICLES = 70
PAGE_SIZE = 20

pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None,
    reason=f"Chromium is not installed at {CHROMIUM}; on Debian run: apt-get install chromium",
)


@pytest.fixture
def articles(transactional_db, settings):
    settings.CACHES = isolated_caches()
    settings.PAGER = {"CACHE": "pager"}
    call_command("seedarticles", count=ARTICLES)
    titles = list(Article.objects.order_by("-created", "-id").values_list("title", flat=True))
    yield [titles[start : start + PAGE_SIZE] for start in range(0, ARTICLES, PAGE_SIZE)]
    clear(caches["pager"])


@pytest.fixture
def page(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()


def shown_titles(page):
    return page.locator("td.article-title").all_inner_texts()


def link_state(page, name):
    """Return "enabled" or "disabled" for the Previous or Next item of the pager."""
    item = page.locator("ul.pagination li.page-item", has_text=name)
    classes = item.get_attribute("class").split()
    return "disabled" if "disabled" in classes else "enabled"


def test_next_three_times_then_previous(articles, live_server, page):
    # The ORM is not used below: Playwright runs an event loop in this thread, and
    # Django rejects synchronous queries while one runs.
    page.goto(f"{live_server.url}/articles/")
    assert shown_titles(page) == articles[0]
    assert link_state(page, "Previous") == "disabled"
    assert link_state(page, "Next") == "enabled"

    for number in (2, 3, 4):
        page.click("a[rel=next]")
        page.wait_for_url(f"**/articles/?page={number}")
        assert shown_titles(page) == articles[number - 1]
        assert page.locator(".page-item.active").inner_text() == f"Page {number}"
        assert link_state(page, "Previous") == "enabled"

    assert link_state(page, "Next") == "disabled"
    assert page.locator("a[rel=next]").count() == 0

    page.click("a[rel=prev]")
    page.wait_for_url("**/articles/?page=3")
    assert shown_titles(page) == articles[2]
    assert link_state(page, "Previous") == "enabled"
    assert link_state(page, "Next") == "enabled"


def test_search_survives_next(articles, live_server, page):
    page.goto(f"{live_server.url}/articles/")
    page.fill("input[name=q]", "e")
    page.click("button[type=submit]")
    page.wait_for_url("**/articles/?q=e&order=newest")

    page.click("a[rel=next]")
    page.wait_for_url("**/articles/?q=e&order=newest&page=2")

    assert page.locator("input[name=q]").input_value() == "e"
    assert all("e" in title.lower() for title in shown_titles(page))
