"""Benchmark of the web pages as anonymous readers get them; prints ONE JSON object last.

Run: ``python scripts/with_services.py .venv/bin/python bench/bench_web.py``
(``--seconds S`` per measurement, ``--clients 1,20,50``, ``--workers 3``).

It creates a scratch PostgreSQL database ``hub_bench_web`` (dropped and re-created on
the server of ``DATABASE_URL``), migrates it, loads the demo content, takes the demo
accounts' passwords away (production refuses them), collects static files, and runs
gunicorn as in production (``DEBUG=0``, PostgreSQL, Redis as the cache on
``TEST_REDIS_URL``'s server, ``--workers`` processes). The API's rate limits are raised
for the run: every request comes from one address.

For each page and each number of concurrent clients it measures requests per second
and the 50th/95th percentile latency, with keep-alive clients in this process (asyncio,
one connection each). A trivial view (``/robots.txt``) is measured in the same run: it
is the machine's ceiling for a Django request, and each page is also given as a ratio
of its requests per second to the trivial view's at the same concurrency. SQL queries
per page are counted once, in-process, for an anonymous request with a cold cache and
again with a warm one.

The 2-core development machine is shared: compare figures from one run only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "hub_bench_web"


def _scratch_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    parsed = urlparse(url)
    if not parsed.scheme.startswith("postgres"):
        sys.exit("bench_web needs PostgreSQL: run it through scripts/with_services.py")
    import psycopg

    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    return urlunparse(parsed._replace(path=f"/{BENCH_DB}"))


def _drop_database(url: str) -> None:
    import psycopg

    admin = urlunparse(urlparse(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def _cache_url() -> str:
    parsed = urlparse(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1"))
    return urlunparse(parsed._replace(path="/13"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(*, db_url: str, var: Path, debug: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": db_url, "CACHE_URL": _cache_url(), "HUB_VAR_DIR": str(var),
        "DEBUG": "1" if debug else "0", "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "SITE_URL": "https://hub.example.org",
        "SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(var / "static"), "LOG_LEVEL": "WARNING",
        "THROTTLE_ANON": "1000000/minute", "THROTTLE_USER": "1000000/minute",
        "PYTHONPATH": str(ROOT),
    })
    return env


def _manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def _prepare(*, db_url: str, var: Path) -> dict[str, str]:
    dev = _env(db_url=db_url, var=var, debug=True)
    _manage("migrate", "--noinput", env=dev)
    _manage("load_demo", env=dev)
    # production refuses accounts that still have the published demo password
    subprocess.run([sys.executable, "-c", (
        "import django; django.setup()\n"
        "from django.contrib.auth import get_user_model\n"
        "for u in get_user_model().objects.all():\n"
        "    u.set_unusable_password(); u.save()\n")],
        cwd=ROOT, env={**dev, "DJANGO_SETTINGS_MODULE": "hub.settings"}, check=True)
    prod = _env(db_url=db_url, var=var, debug=False)
    _manage("collectstatic", "--noinput", env=prod)
    return prod


def _pages(*, env: dict[str, str]) -> dict[str, str]:
    """Name -> path of each page measured (the first event, post and individual)."""
    out = subprocess.run([sys.executable, "-c", (
        "import django, json; django.setup()\n"
        "from events.models import Event, Post\n"
        "from dois.models import Individual\n"
        "event = Event.objects.public().order_by('-starts_at').first()\n"
        "individual = Individual.objects.listed().first()\n"
        "print(json.dumps({'event': event.slug, 'individual': individual.code}))\n")],
        cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "hub.settings"}, check=True,
        capture_output=True, text=True).stdout
    ids = json.loads(out.strip().splitlines()[-1])
    return {
        "trivial": "/robots.txt",
        "home": "/en/",
        "events": "/en/events/",
        "event": f"/en/events/{ids['event']}/",
        "posts": "/en/events/posts/",
        "catalogue": "/en/dois/",
        "individual": f"/en/dois/individuals/{ids['individual']}/",
        "calendar": "/en/events/calendar.ics",
        "api_events": "/api/v1/events/",
        "api_individuals": "/api/v1/individuals/",
    }


def _queries(*, env: dict[str, str], pages: dict[str, str]) -> dict[str, list[int]]:
    """SQL queries of one anonymous request per page: [cold cache, warm cache]."""
    script = (
        "import django, json, sys; django.setup()\n"
        "from django.conf import settings\n"
        "settings.ALLOWED_HOSTS.append('testserver')\n"
        "from django.core.cache import cache\n"
        "from django.db import connection\n"
        "from django.test import Client\n"
        "from django.test.utils import CaptureQueriesContext\n"
        "pages = json.loads(sys.argv[1]); out = {}\n"
        "cache.clear()\n"
        "for name, path in pages.items():\n"
        "    counts = []\n"
        "    for _ in range(2):\n"
        "        with CaptureQueriesContext(connection) as ctx:\n"
        "            status = Client().get(path, secure=True).status_code\n"
        "        assert status == 200, (path, status)\n"
        "        counts.append(len(ctx.captured_queries))\n"
        "    out[name] = counts\n"
        "print(json.dumps(out))\n")
    out = subprocess.run([sys.executable, "-c", script, json.dumps(pages)], cwd=ROOT,
                         env={**env, "DJANGO_SETTINGS_MODULE": "hub.settings"}, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


@contextlib.contextmanager
def _gunicorn(*, env: dict[str, str], workers: int):
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "hub.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", str(workers), "--log-level", "warning", "--keep-alive", "30"],
        cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit("gunicorn exited early")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    try:
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


async def _client(port: int, path: str, stop_at: float, latencies: list[float],
                  errors: list[int]) -> None:
    """One client: a request at a time, on one connection while the server keeps it open
    (gunicorn's sync workers close it after each response; the reconnect is timed too)."""
    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n"
               "Accept-Encoding: identity\r\nConnection: keep-alive\r\n\r\n").encode()
    reader = writer = None
    try:
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            await writer.drain()
            status_line = await reader.readline()
            if not status_line:  # closed before answering: reconnect and ask again
                writer.close()
                reader = writer = None
                continue
            length, chunked, close = 0, False, False
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                key, _, value = line.decode("latin-1").partition(":")
                key, value = key.lower(), value.strip().lower()
                if key == "content-length":
                    length = int(value)
                elif key == "transfer-encoding" and "chunked" in value:
                    chunked = True
                elif key == "connection" and value == "close":
                    close = True
            if chunked:
                while True:
                    size = int((await reader.readline()).strip() or b"0", 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
            else:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            status = int(status_line.split()[1])
            if status != 200:
                errors.append(status)
            if close:
                writer.close()
                reader = writer = None
    finally:
        if writer is not None:
            writer.close()


async def _measure(port: int, path: str, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors: list[int] = []
    stop_at = time.monotonic() + seconds
    started = time.perf_counter()
    await asyncio.gather(*(_client(port, path, stop_at, latencies, errors)
                           for _ in range(clients)))
    elapsed = time.perf_counter() - started
    latencies.sort()

    def quantile_ms(q: float) -> float | None:
        if not latencies:
            return None
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 1)

    return {"rps": round(len(latencies) / elapsed, 1), "p50_ms": quantile_ms(0.5),
            "p95_ms": quantile_ms(0.95), "requests": len(latencies),
            "non_200": len(errors)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--clients", default="1,20,50")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    levels = [int(c) for c in args.clients.split(",")]

    db_url = _scratch_database()
    try:
        with tempfile.TemporaryDirectory(prefix="hub-bench-web-") as tmp:
            env = _prepare(db_url=db_url, var=Path(tmp))
            pages = _pages(env=env)
            queries = _queries(env=env, pages=pages)
            results: dict[str, dict] = {}
            with _gunicorn(env=env, workers=args.workers) as port:
                for path in pages.values():  # warm every worker's caches
                    asyncio.run(_measure(port, path, args.workers * 2, 0.5))
                for clients in levels:
                    for name, path in pages.items():
                        results.setdefault(name, {})[str(clients)] = asyncio.run(
                            _measure(port, path, clients, args.seconds))
    finally:
        if not args.keep_db:
            _drop_database(db_url)
    for name, by_level in results.items():
        for clients, figures in by_level.items():
            trivial = results["trivial"][clients]["rps"]
            figures["ratio_to_trivial"] = round(figures["rps"] / trivial, 2) if trivial else None
        by_level["queries_cold_warm"] = queries[name]
    at20 = {n: r["20"]["ratio_to_trivial"] for n, r in results.items()
            if n != "trivial" and "20" in r}
    summary = {
        "bench": "web", "workers": args.workers, "seconds": args.seconds,
        "pages": results, "ratio_at_20_min": min(at20.values()) if at20 else None,
        "ratio_at_20_target": 0.5,
        "pages_below_target_at_20": sorted(n for n, v in at20.items() if v < 0.5),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
