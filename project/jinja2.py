"""Jinja2 environment of the project's templates."""

from django.templatetags.static import static
from django.urls import reverse
from jinja2 import Environment, pass_context

from pager import links


@pass_context
def url_for_other_page(context, page):
    """Return the current request's URL with only its ``page`` query parameter replaced."""
    return links.url_for_other_page(context["request"], page)


def environment(**options):
    """Build the Jinja2 environment with the project's globals."""
    env = Environment(**options)
    env.globals.update(
        {
            "static": static,
            "url": reverse,
            "url_for_other_page": url_for_other_page,
        }
    )
    return env
