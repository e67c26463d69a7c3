#!/usr/bin/env python
"""Run a command with PostgreSQL, Redis and an S3 emulator for the tests and benchmarks.

Uses the servers at ``TEST_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/hub``)
and ``TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/1``). Where one does not answer,
starts a throwaway one from the installed server binaries (with pytest-postgresql's and
pytest-redis's executors) in a temporary folder, and stops it afterwards. Where no
binaries are installed either, says exactly what to install.

The S3 emulator is moto's server (a dev dependency), started on a free port for the
command's lifetime; its address is passed on as ``TEST_S3_ENDPOINT_URL``. A
``TEST_S3_ENDPOINT_URL`` already set is used as it is.

Usage: ``python scripts/with_services.py COMMAND [ARGS...]``
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _find(binary: str, globs: list[str]) -> str | None:
    found = shutil.which(binary)
    if found:
        return found
    for pattern in globs:
        matches = sorted(Path("/").glob(pattern.lstrip("/")), reverse=True)
        if matches:
            return str(matches[0])
    return None


def _postgres(url: str, stack: contextlib.ExitStack) -> str:
    parsed = urlparse(url)
    if _answers(parsed.hostname or "127.0.0.1", parsed.port or 5432):
        return url
    pg_ctl = _find("pg_ctl", ["/usr/lib/postgresql/*/bin/pg_ctl"])
    if pg_ctl is None:
        sys.exit(
            f"No PostgreSQL answers at {parsed.hostname}:{parsed.port or 5432} and no server "
            "binaries are installed. Install them (Debian: apt-get install postgresql) or "
            "point TEST_DATABASE_URL at a server."
        )
    from pytest_postgresql.executor import PostgreSQLExecutor

    port = _free_port()
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hub-pg-")))
    executor = PostgreSQLExecutor(
        executable=pg_ctl, host="127.0.0.1", port=port, datadir=str(tmp / "data"),
        unixsocketdir=str(tmp), logfile=str(tmp / "pg.log"), startparams="-w",
        user="postgres", password="", dbname="postgres", options="",
    )
    print(f"with_services: starting a throwaway PostgreSQL on port {port}", file=sys.stderr)
    stack.enter_context(executor)
    return urlunparse(parsed._replace(netloc=f"postgres@127.0.0.1:{port}"))


def _redis(url: str, stack: contextlib.ExitStack) -> str:
    parsed = urlparse(url)
    if _answers(parsed.hostname or "127.0.0.1", parsed.port or 6379):
        return url
    server = _find("redis-server", [])
    if server is None:
        sys.exit(
            f"No Redis answers at {parsed.hostname}:{parsed.port or 6379} and redis-server is "
            "not installed. Install it (Debian: apt-get install redis-server) or point "
            "TEST_REDIS_URL at a server."
        )
    from pytest_redis.executor import RedisExecutor

    port = _free_port()
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hub-redis-")))
    executor = RedisExecutor(
        executable=server, databases=16, redis_timeout=30, loglevel="notice",
        host="127.0.0.1", port=port, datadir=tmp, save="", password=None,
    )
    print(f"with_services: starting a throwaway Redis on port {port}", file=sys.stderr)
    stack.enter_context(executor)
    return urlunparse(parsed._replace(netloc=f"127.0.0.1:{port}"))


def _s3(stack: contextlib.ExitStack) -> str:
    if os.environ.get("TEST_S3_ENDPOINT_URL"):
        return os.environ["TEST_S3_ENDPOINT_URL"]
    port = _free_port()
    log = stack.enter_context(tempfile.TemporaryFile(prefix="hub-s3-"))  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                             str(port)], stdout=log, stderr=subprocess.STDOUT)
    stack.callback(lambda: (proc.terminate(), proc.wait(timeout=30)))
    for _ in range(200):
        if proc.poll() is not None:
            log.seek(0)
            sys.exit(f"The S3 emulator (moto) did not start:\n{log.read().decode()[-2000:]}")
        if _answers("127.0.0.1", port):
            break
        time.sleep(0.05)
    print(f"with_services: S3 emulator (moto) on port {port}", file=sys.stderr)
    return f"http://127.0.0.1:{port}"


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    env = dict(os.environ)
    with contextlib.ExitStack() as stack:
        db_url = _postgres(env.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hub"),
                           stack)
        redis_url = _redis(env.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1"), stack)
        s3_url = _s3(stack)
        env.update({"DATABASE_URL": db_url, "CELERY_BROKER_URL": redis_url,
                    "TEST_REDIS_URL": redis_url, "TEST_S3_ENDPOINT_URL": s3_url,
                    "DEBUG": env.get("DEBUG", "1")})
        env.pop("CACHE_URL", None)
        print(f"with_services: database {db_url}, broker {redis_url}", file=sys.stderr)
        return subprocess.call(argv, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
