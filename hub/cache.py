"""A Redis cache that fails open: with Redis unreachable, reads miss and writes are
dropped (each logged), so pages render uncached instead of answering 500.

The README promises that pages keep working when Redis is down; the broker and the
cache are often the same Redis in production.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
FAILURES = (RedisConnectionError, RedisTimeoutError, OSError)
# After a failure, skip Redis for this long instead of paying a connect timeout on every
# cache call of every request.
BACKOFF_S = 5.0


class FailOpenRedisCache(RedisCache):
    _down_until = 0.0

    def _guard(self, name: str, default, call, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return default
        try:
            return call(*args, **kwargs)
        except FAILURES as exc:
            FailOpenRedisCache._down_until = time.monotonic() + BACKOFF_S
            log.warning("cache %s failed, serving without the cache for %ss: %s", name,
                        BACKOFF_S, exc)
            return default

    def get(self, key, default=None, version=None):
        return self._guard("get", default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._guard("get_many", {}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guard("has_key", False, super().has_key, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("add", False, super().add, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("set", None, super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("set_many", [], super().set_many, data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("touch", False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._guard("delete", False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        return self._guard("delete_many", None, super().delete_many, keys, version)

    def incr(self, key, delta=1, version=None):
        # a missing key raises ValueError as in every backend; only outages are absorbed
        return self._guard("incr", delta, super().incr, key, delta, version)

    def clear(self):
        return self._guard("clear", False, super().clear)
