"""The one rate-limit mechanism: Django REST framework's throttles (a sliding window of request
times in the Django cache; Redis in production, so every web process shares the count). DRF views
list them in `throttle_classes`; a plain Django view (an async stream, a chat page's upload) asks
`throttle_wait`. See ADR 0025 for why not a second library."""

from __future__ import annotations

import hashlib
import math
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class SettingRateThrottle(SimpleRateThrottle):
    """A throttle whose rate is the Django setting named `rate_setting`, read when it runs (empty: no limit)."""

    rate_setting = ""

    def get_rate(self):
        return getattr(settings, self.rate_setting, None) or None


def throttle_wait(throttle: SimpleRateThrottle, request: Any, **view_kwargs: Any) -> float | None:
    """Count `request` against `throttle` for a view that is not DRF's: None when allowed, else the
    seconds to wait. `view_kwargs` stand for the URL's arguments (`view.kwargs` in a DRF view)."""
    view: Any = SimpleNamespace(kwargs=view_kwargs)
    if throttle.allow_request(request, view):
        return None
    return throttle.wait() or 1.0


def retry_after(wait: float) -> str:
    """The Retry-After header for a wait in seconds (whole seconds, at least one)."""
    return str(max(1, math.ceil(wait)))


def digest(client_text: str) -> str:
    """A cache-safe key part for text the client chose (any characters, any length): the same text
    gives the same key, and no key can hold control characters or grow without bound."""
    return hashlib.sha256(client_text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
