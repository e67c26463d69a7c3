"""Benchmark of one leaderboard evaluation; prints ONE JSON object on its last line.

Run: ``python scripts/with_services.py .venv/bin/python bench/bench_leaderboard.py``
(part of ``make bench``).

It creates a scratch PostgreSQL database ``hub_bench_board`` (dropped and re-created on
the server of ``DATABASE_URL``), migrates it, loads the demo catalogue (``dois.demo``),
submits the shipped TFLite model (``dois/ml/shipped/fin-embedder-v1.tflite``) as the
demo volunteer and evaluates it in this process with exactly the code a ``train``
worker runs (:func:`dois.services.leaderboard.submission_evaluate`: the evaluation
photos prepared at the model's input size, the model run in the sandbox subprocess,
the figures). Reported:

* ``evaluation_s``: one submission's evaluation, first on this split (the photos are
  decoded and cropped, then cached for the split);
* ``evaluation_cached_s``: a second submission of the same size, with the cached array;
* ``sandbox_ms_per_photo``: the model's time per photo in the interpreter (one thread);
* the split's size and the figures (so a change of protocol shows).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "hub_bench_board"
SHIPPED = ROOT / "dois" / "ml" / "shipped" / "fin-embedder-v1.tflite"


def _admin(url: str) -> str:
    return urlunparse(urlparse(url)._replace(path="/postgres"))


def _scratch_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not urlparse(url).scheme.startswith("postgres"):
        sys.exit("bench_leaderboard needs PostgreSQL: run it through scripts/with_services.py")
    import psycopg

    with psycopg.connect(_admin(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    return urlunparse(urlparse(url)._replace(path=f"/{BENCH_DB}"))


def _drop_database(url: str) -> None:
    import psycopg

    with psycopg.connect(_admin(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def main() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    db_url = _scratch_database()
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    var = ROOT / "var" / "bench-board"
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    os.environ["MEDIA_ROOT"] = str(var / "media")
    os.environ["DOIS_MODEL_DIR"] = str(var / "models")
    try:
        import django

        django.setup()
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from dois import demo, services
        from hub.demo import demo_users_load

        users = demo_users_load()
        demo.load_demo(users=users, stdout=io.StringIO())
        data = SHIPPED.read_bytes()
        timings, results = [], []
        for user in (users["volunteer"], users["organiser"]):
            sub = services.submission_create(
                actor=user, name="shipped", upload=SimpleUploadedFile("m.tflite", data))
            start = time.perf_counter()
            done = services.submission_evaluate(submission_id=sub.pk,
                                                            worker="bench")
            timings.append(time.perf_counter() - start)
            if done is None or done.status != "done":
                sys.exit(f"evaluation failed: {getattr(done, 'error', 'not run')}")
            results.append(done)
        m, split = results[0].metrics, results[0].split
        print(json.dumps({
            "bench": "leaderboard", "model": SHIPPED.name, "input_size": sub.spec["height"],
            "evaluation_s": round(timings[0], 3), "evaluation_cached_s": round(timings[1], 3),
            "sandbox_ms_per_photo": m["ms_per_photo"],
            "sandbox_cpu_ms_per_photo": m["cpu_ms_per_photo"],
            "split_version": split.number, "evaluation_photos": split.queries,
            "gallery_photos": split.gallery, "individuals": split.individuals,
            "held_out_individuals": split.held_out, "queries": m["n_queries"],
            "unknowns": m["n_unknown"], "top1": m["top1"], "top5": m["top5"],
            "map5": m["map5"], "unknown_auc": m["unknown_auc"]}))
    finally:
        from django.db import connections

        connections.close_all()
        _drop_database(db_url)
        shutil.rmtree(var, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
