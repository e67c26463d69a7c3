"""Rate limits for plain Django views, with DRF's throttling (the API uses it directly).

Rates are named scopes in ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` and counted in
the default cache (Redis in production; the process's memory on a one-machine install).
A limited request gets a 429 page saying when to try again, with ``Retry-After``.
"""

from __future__ import annotations

import math
from functools import wraps

from django.shortcuts import render
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle


def client_ip(request) -> str:
    """The client's address as every limit counts it (behind ``PROXY_COUNT`` proxies)."""
    return BaseThrottle().get_ident(request)


class ScopeThrottle(SimpleRateThrottle):
    """One scope's limit per account when logged in, per address otherwise."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__()

    def get_cache_key(self, request, view) -> str:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            ident = f"user-{user.pk}"
        else:
            ident = client_ip(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


def throttled_response(request, *, wait: float | None):
    seconds = max(1, math.ceil(wait or 60))
    response = render(request, "throttled.html", {"wait_seconds": seconds,
                                                  "wait_minutes": math.ceil(seconds / 60)},
                      status=429)
    response["Retry-After"] = str(seconds)
    return response


def rate_limited(scope: str, *, methods: tuple[str, ...] = ("POST",)):
    """Limit ``methods`` requests of the decorated view to the rate of ``scope``."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                throttle = ScopeThrottle(scope)
                if not throttle.allow_request(request, None):
                    return throttled_response(request, wait=throttle.wait())
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
