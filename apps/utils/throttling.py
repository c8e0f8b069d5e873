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


class AtomicWindowThrottle(SimpleRateThrottle):
    """DRF's throttle with an atomic count per fixed window (`cache.add` then `cache.incr`, atomic in
    Redis and in the local-memory cache) instead of DRF's read-then-write request history, which lets
    parallel requests all read the same history and all pass. A burst can reach twice the rate across
    a window boundary, never more."""

    def allow_request(self, request: Any, view: Any) -> bool:
        limit, duration = self.parse_rate(self.rate)
        if limit is None or duration is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // duration)
        self.window_ends_at = float((window + 1) * duration)
        counter = f"{self.key}:{window}"
        self.cache.add(counter, 0, duration + 1)
        try:
            count = self.cache.incr(counter)
        except ValueError:  # expired between add and incr
            self.cache.add(counter, 1, duration + 1)
            count = 1
        return bool(count <= limit)

    def wait(self) -> float:
        return max(0.0, self.window_ends_at - self.now)


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
