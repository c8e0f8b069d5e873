"""Writes owned by the web app: the django.contrib.sites row that allauth names the site by."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sites.models import Site


def sync_site(*, site_url: str | None = None, site_name: str | None = None) -> Site:
    """Make the Site row say this site's name and domain, so account emails read "[Chat Studio]" and
    link to the right host instead of django.contrib.sites' initial "example.com". Run after every
    migrate (apps.web.apps) and by `make run` with the URL it serves."""
    url = urlsplit(site_url or settings.SITE_URL)
    site, _ = Site.objects.update_or_create(
        pk=settings.SITE_ID,
        defaults={"domain": url.netloc or "localhost", "name": site_name or settings.SITE_NAME},
    )
    Site.objects.clear_cache()  # get_current_site() caches the row per process
    return site
