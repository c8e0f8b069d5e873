"""Absolute links to this site (public chat links, the widget's api-base-url, emails).

SITE_URL set by the operator wins. When it is not set, a link made while answering a request uses the
host and port the request came to (so `PORT=8101 make run` gives links to 8101, and a visitor on
another machine gets a link that works for them); code with no request (an email sent from a task)
uses SITE_URL, which `make run` sets to the port it serves when the operator did not."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def absolute_url(path: str, request: HttpRequest | None = None) -> str:
    """`path` (starting with "/") as an absolute URL on this site."""
    if request is not None and not settings.SITE_URL_IS_SET:
        return request.build_absolute_uri(path)
    return settings.SITE_URL + path


def site_url(request: HttpRequest | None = None) -> str:
    """The site's base URL with no trailing slash, e.g. http://localhost:8101."""
    return absolute_url("/", request).rstrip("/")
