"""Parse page numbers as a query string gives them."""

import re

_DIGITS = re.compile(r"[0-9]+")


def parse_page(value):
    """Return the page number in ``value``, or 1 where it is missing or not a page.

    ``value`` is what request.GET.get("page") returns, or an int. None, "", a string that
    is not a base-10 integer ("2.5", "abc", "-3") and numbers below 1 all mean page 1.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return max(value, 1)
    if isinstance(value, str):
        value = value.strip()
        if _DIGITS.fullmatch(value):
            return max(int(value), 1)
    return 1
