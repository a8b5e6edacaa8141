"""Links to other pages of the current request."""

from urllib.parse import parse_qsl, urlencode

from django.utils.encoding import escape_uri_path


def url_for_other_page(request, page, page_parameter="page"):
    """Return the request's path and query string with only ``page`` replaced.

    Every other parameter keeps its place, its order and its repeats. The first
    ``page`` parameter takes the new value and any other ``page`` parameter is dropped;
    without one, ``page`` is added at the end. The result is percent-encoded but not
    HTML-escaped, which templates do with autoescaping.
    """
    query = request.META.get("QUERY_STRING", "")
    params = []
    replaced = False
    for name, value in parse_qsl(query, keep_blank_values=True, encoding=request.encoding or "utf-8"):
        if name != page_parameter:
            params.append((name, value))
        elif not replaced:
            params.append((name, str(page)))
            replaced = True
    if not replaced:
        params.append((page_parameter, str(page)))
    return f"{escape_uri_path(request.path)}?{urlencode(params)}"
