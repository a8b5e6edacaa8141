"""Template tags of the Django-template pager."""

from django import template

from pager import links

register = template.Library()


@register.simple_tag(takes_context=True)
def url_for_other_page(context, page):
    """Return the current URL with only its ``page`` query parameter replaced."""
    return links.url_for_other_page(context["request"], page)
