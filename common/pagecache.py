"""The page cache for anonymous readers, and the one call that invalidates it.

Every anonymous ``GET`` of a page that sets no cookie is kept in the default cache for
``PAGE_CACHE_SECONDS``, keyed by the page's full path, its language, the reader's time
zone cookie and a *content version*. Any change to the site's data moves the version on,
so the next request renders afresh:

- the hub connects ``post_save``, ``post_delete`` and ``m2m_changed`` of the apps'
  models to :func:`page_cache_bump` (on commit);
- every ``POST``/``PUT``/``PATCH``/``DELETE`` that succeeds bumps it (whatever a view
  changed with ``QuerySet.update()``);
- code that changes visible data with ``QuerySet.update()`` outside a request (a worker)
  calls :func:`page_cache_bump` itself.

Pages with a form (a CSRF cookie), messages, a session, a token or a ``Cache-Control``
of ``private``/``no-store``/``no-cache`` are never stored, so nothing personal is ever
served to another reader. Times shift pages too ("upcoming" becomes "past"): that is
what ``PAGE_CACHE_SECONDS`` bounds.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import translation

log = logging.getLogger(__name__)
VERSION_KEY = "pagecache:version"
SAFE = ("GET", "HEAD")
UNSTORABLE = ("private", "no-store", "no-cache")


def page_cache_bump() -> None:
    """Make every cached page stale (call after a change anonymous readers can see)."""
    cache.set(VERSION_KEY, time.time_ns(), None)


def page_cache_bump_on_commit() -> None:
    """:func:`page_cache_bump` once the current transaction commits (at once outside one)."""
    transaction.on_commit(page_cache_bump, robust=True)


def _version() -> int | None:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = time.time_ns()
        if not cache.add(VERSION_KEY, version, None):
            version = cache.get(VERSION_KEY)
    return version


def _anonymous_request(request) -> bool:
    if request.method not in SAFE or settings.PAGE_CACHE_SECONDS <= 0:
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
        return False
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    return not request.path.startswith(tuple(settings.PAGE_CACHE_SKIP))


def _key(request, version: int) -> str:
    language = translation.get_language_from_request(request, check_path=True)
    parts = [request.method, request.get_host(), request.get_full_path(), language,
             request.COOKIES.get("tz", ""), request.META.get("HTTP_X_FORWARDED_PROTO", "")]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"pagecache:{version}:{digest}"


def _storable(request, response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    control = response.get("Cache-Control", "").lower()
    if any(word in control for word in UNSTORABLE):
        return False
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


class AnonymousPageCacheMiddleware:
    """Place it right after WhiteNoise: a hit skips sessions, auth, views and templates
    (the headers the inner middlewares set, CSP included, are stored with the page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _anonymous_request(request):
            response = self.get_response(request)
            if request.method not in SAFE and response.status_code < 400:
                page_cache_bump()
            return response
        version = _version()
        if version is None:  # no cache reachable: render as usual
            return self.get_response(request)
        key = _key(request, version)
        cached = cache.get(key)
        if cached is not None:
            cached["X-Page-Cache"] = "hit"
            return cached
        response = self.get_response(request)
        if _storable(request, response):
            response["X-Page-Cache"] = "miss"
            cache.set(key, response, settings.PAGE_CACHE_SECONDS)
        return response
