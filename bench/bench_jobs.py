"""Benchmark of the identification queue; prints ONE JSON object on its last line.

Run: ``python scripts/with_services.py .venv/bin/python bench/bench_jobs.py``
(``--photos N`` photos for throughput, ``--singles K`` single-photo latencies).

It creates a scratch PostgreSQL database ``hub_bench`` (dropped and re-created on the
server of ``DATABASE_URL``), migrates it, builds a gallery of synthetic fins, starts one
``celery worker -Q identify`` host (``-c`` = ``CELERY_WORKER_CONCURRENCY``, one process
per core by default) and measures:

* ``queue_photos_per_s``: N photos submitted in one transaction (sent on commit in
  batches) until every job is ``done``, from the commit;
* ``inprocess_photos_per_s``: the same photo files through ``dois.ml`` in this process
  (decode + crop, embed in batches of the same size, gallery search), one process with
  every core given to TensorFlow (its fastest setting here); the queue path also
  claims, stores and reports each job in PostgreSQL, which this does not;
* ``single_ms_p50`` / ``single_ms_p95``: one photo at a time on the idle system, from the
  ``POST /api/v1/photos/`` (or the submit service when that endpoint is absent) to the
  job's ``done``, polled every 2 ms.

``--method`` (default ``DOIS_METHOD``, the site's: ``edge``) picks what is measured:
``edge`` traces each crop's fin outline with the shipped segmenter and searches the
trailing edges (the in-process pipeline: decode + crop, ``describe_fin``, one
``EdgeGallery`` search per photo; each queue round re-traces, its outlines deleted);
``appearance`` embeds crops with ``DOIS_MODEL_PATH`` when it exists, else an untrained
embedder of the default size (same compute) written to ``var/bench/``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = os.environ.get("BENCH_DB", "hub_bench")  # a scratch database, dropped after


def _scratch_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    parsed = urlparse(url)
    if not parsed.scheme.startswith("postgres"):
        sys.exit("bench_jobs needs PostgreSQL: run it through scripts/with_services.py")
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


def _fin_jpeg(*, individual: int, photo: int, size: int = 320) -> bytes:
    from dois.ml.synth import render_jpeg

    return render_jpeg(individual_seed=individual, photo_seed=photo, size=size, quality=88)


def _model_path(var: Path) -> Path:
    from django.conf import settings

    shipped = Path(settings.DOIS_MODEL_PATH)
    if shipped.is_file():
        return shipped
    path = var / "bench-embedder.keras"
    if not path.is_file():
        from dois.ml.model import ModelMetadata, build_embedder, save_model

        save_model(build_embedder(seed=0), path,
                   metadata=ModelMetadata(name="bench-embedder", version="untrained"))
    return path


def _wait(ids: list[int], *, timeout: float, poll: float = 0.01) -> float:
    """Time when every job in ``ids`` is ``done`` or ``failed``.

    Polls with one cheap SQL statement, at most every ``poll`` seconds and less often
    while many jobs are left (a busy observer would steal CPU from the worker it
    measures on a 2-core machine).
    """
    from django.db import connection

    deadline = time.monotonic() + timeout
    first = None
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM dois_identificationjob WHERE id = ANY(%s) "
                           "AND status NOT IN ('done', 'failed')", [ids])
            left = cursor.fetchone()[0]
            now = time.perf_counter()
            if not left:
                return now
            first = first or (now, left)
            rate = (first[1] - left) / (now - first[0]) if now > first[0] else 0.0
            time.sleep(max(poll, min(0.1, 0.5 * left / rate)) if rate > 0 else poll)
    raise SystemExit(f"jobs not finished within {timeout}s")


def _cpu_seconds(*, worker_group: int) -> dict[str, float]:
    """CPU seconds used so far by each part of the system (Linux ``/proc``).

    Parts: the worker host's main process (it takes messages from the broker and hands
    them to its pool) and its pool processes, PostgreSQL, Redis, this process, and
    everything else; compare two readings to see where a phase spent the machine.
    """
    tick = os.sysconf("SC_CLK_TCK")
    out = {"worker_main": 0.0, "worker_pool": 0.0, "postgres": 0.0, "redis": 0.0,
           "bench": 0.0, "other": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:  # the process ended meanwhile
            continue
        comm = raw[raw.index("(") + 1:raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2:].split()
        seconds = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        if int(entry.name) == os.getpid():
            part = "bench"
        elif int(entry.name) == worker_group:
            part = "worker_main"
        elif int(fields[2]) == worker_group:  # process group id
            part = "worker_pool"
        elif comm.startswith("postgres"):
            part = "postgres"
        elif comm.startswith("redis"):
            part = "redis"
        else:
            part = "other"
        out[part] += seconds
    return out


def _cpu_per_photo(before: dict[str, float], after: dict[str, float], photos: int
                   ) -> dict[str, float]:
    return {k: round((after[k] - before[k]) * 1000 / photos, 3) for k in before}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--photos", type=int, default=1024)
    ap.add_argument("--singles", type=int, default=40)
    ap.add_argument("--gallery", type=int, default=50, help="individuals in the gallery")
    ap.add_argument("--rounds", type=int, default=5,
                    help="throughput rounds (queue, then in-process); medians are reported")
    ap.add_argument("--keep-db", action="store_true")
    ap.add_argument("--concurrency", type=int, default=0,
                    help="worker processes on the one worker host "
                         "(default: CELERY_WORKER_CONCURRENCY, i.e. one per core)")
    ap.add_argument("--method", choices=["edge", "appearance"], default=None,
                    help="the identification method (default: DOIS_METHOD, the site's)")
    ap.add_argument("--prefetch", type=int, default=1,
                    help="worker --prefetch-multiplier (default 1, the project's setting)")
    args = ap.parse_args()

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    db_url = _scratch_database()
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    var = ROOT / "var" / "bench"
    var.mkdir(parents=True, exist_ok=True)
    os.environ["MEDIA_ROOT"] = str(var / "media")

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    args.concurrency = args.concurrency or settings.CELERY_WORKER_CONCURRENCY
    model_path = _model_path(var)
    settings.DOIS_MODEL_PATH = str(model_path)
    args.method = args.method or settings.DOIS_METHOD
    settings.DOIS_METHOD = args.method
    edge = args.method == "edge"

    from dois import services
    from dois.models import Photo
    from dois.selectors import job_status_data  # noqa: F401 - import check
    from hub.celery import app
    from hub.models import User

    user = User.objects.create_user("bench", password=None)
    from django.contrib.auth.models import Group

    for name in ("researcher", "volunteer"):
        group = Group.objects.filter(name=name).first()
        if group:
            user.groups.add(group)
    user = User.objects.get(pk=user.pk)
    version = services.model_version_ensure_shipped()

    # gallery: 2 confirmed photos per individual, embedded in this process
    from django.core.files.uploadedfile import SimpleUploadedFile

    def submit(files: list[bytes], names: list[str]):
        return services.sighting_with_photos_submit(
            actor=user, uploads=[SimpleUploadedFile(n, d, content_type="image/jpeg")
                                       for n, d in zip(names, files, strict=True)],
            options=[services.PhotoOptions() for _ in files],
            sighting_fields={"observed_at": timezone.now(), "latitude": 22.3,
                             "longitude": 113.8})[1]

    from dois.models import Individual

    gallery_ids = []
    for ind in range(args.gallery):
        individual = Individual.objects.create(prefix="BEN", number=ind + 1,
                                               code=f"BEN-{ind + 1:04d}")
        with transaction.atomic():
            for res in submit([_fin_jpeg(individual=ind, photo=p) for p in range(2)],
                              [f"g{ind}-{p}.jpg" for p in range(2)]):
                Photo.objects.filter(pk=res.photo.pk).update(
                    state=Photo.State.CONFIRMED, individual=individual)
                gallery_ids.append(res.photo.pk)
    from dois.models import IdentificationJob

    IdentificationJob.objects.all().delete()  # jobs of the gallery photos: not measured
    services.embeddings_compute(model_version_id=version.pk, photo_ids=gallery_ids)

    # the worker host
    # the worker runs as in production (DEBUG off: no query log, no debug cursor)
    env = {**os.environ, "DATABASE_URL": db_url, "DOIS_MODEL_PATH": str(model_path),
           "DOIS_METHOD": args.method,
           "MEDIA_ROOT": str(var / "media"), "PYTHONUNBUFFERED": "1", "DEBUG": "0",
           "SECRET_KEY": secrets.token_urlsafe(48), "ALLOWED_HOSTS": "localhost",
           "SITE_URL": "https://bench.invalid"}
    hostname = f"bench@{os.uname().nodename}"
    with app.connection_for_write() as conn, contextlib.suppress(Exception):
        conn.default_channel.queue_purge("identify")  # an absent queue is empty
    log = open(var / "worker.log", "wb")  # noqa: SIM115
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hub", "worker", "-Q", "identify",
         "-c", str(args.concurrency),
         "-n", hostname, "--prefetch-multiplier", str(args.prefetch), "--without-gossip",
         "--without-mingle", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not app.control.ping(destination=[hostname], timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the bench worker did not start; see var/bench/worker.log")
        # warm-up: a few photos so the worker has loaded the model and the gallery
        for n in range(3):
            with transaction.atomic():
                res = submit([_fin_jpeg(individual=9000 + n, photo=0)], [f"warm{n}.jpg"])
            _wait([res[0].job.pk], timeout=120)

        # throughput through the queue
        files = [_fin_jpeg(individual=i % args.gallery, photo=10 + i) for i in range(args.photos)]
        names = [f"t{i}.jpg" for i in range(args.photos)]
        t_submit = time.perf_counter()
        with transaction.atomic():
            results = submit(files, names)
            t_commit_start = time.perf_counter()
        ids = [r.job.pk for r in results]
        t_done = _wait(ids, timeout=600, poll=0.005)
        queue_times = [t_done - t_commit_start]
        statuses = dict(IdentificationJob.objects.filter(pk__in=ids).values_list("pk", "status"))
        batches = sorted({j.timings.get("batch_size") for j in
                          IdentificationJob.objects.filter(pk__in=ids)})

        # in-process pipeline of dois.ml on the same files
        import numpy as np

        from dois.models import Candidate, Embedding, Outline

        threads = os.cpu_count() or 1  # one process: every core to TensorFlow
        photos = list(Photo.objects.filter(pk__in=[r.photo.pk for r in results]).order_by("pk"))
        batch_size = services.identify_batch_size()
        if edge:
            from dois import inference
            from dois.ml.edges import EdgeGallery, describe_fin, new_individual_probability
            from dois.ml.outline import OutlineTracer
            from dois.ml.shape import stored_edges_unpack

            tracer = OutlineTracer(segmenter_path=services.model_version_path(
                model_version=version), threads=threads)
            rows = list(Embedding.objects.filter(
                model_version=version, photo_id__in=gallery_ids, edge__isnull=False)
                .values_list("photo__individual_id", "edge", "vector"))
            edges, shapes = stored_edges_unpack([e for _i, e, _v in rows])
            gallery = EdgeGallery(
                edges, [i for i, _e, _v in rows], shapes=shapes,
                vectors=np.stack([np.frombuffer(bytes(v), np.float32) for _i, _e, v in rows]))

            def inprocess() -> float:
                t0 = time.perf_counter()
                for p in photos:
                    fin = describe_fin(inference.crop_rgb(data=p.original.open("rb").read(),
                                                          box=p.crop_box), tracer=tracer)
                    if fin.edge is not None:
                        new_individual_probability(gallery.search(
                            fin.edge, k=services.TOP_K, vector=fin.vector, shape=fin.shape))
                return time.perf_counter() - t0
        else:
            from dois.ml.gallery import Gallery
            from dois.ml.model import Embedder
            from dois.ml.preprocess import load_image

            embedder = Embedder(model_path, threads=threads).warm()
            size = embedder.input_size
            rows = list(Embedding.objects.filter(model_version=version,
                                                 photo_id__in=gallery_ids)
                        .values_list("photo__individual_id", "vector"))
            gallery = Gallery(np.stack([np.frombuffer(bytes(v), np.float32)
                                        for _i, v in rows]), [i for i, _v in rows])
            embedder.embed(np.zeros((1, size, size, 3), np.float32))

            def inprocess() -> float:
                t0 = time.perf_counter()
                for start in range(0, len(photos), batch_size):
                    chunk = photos[start:start + batch_size]
                    batch = np.stack([load_image(p.original.open("rb").read(),
                                                 box=p.crop_box, size=size) for p in chunk])
                    gallery.search(embedder.embed(batch), k=services.TOP_K)
                return time.perf_counter() - t0

        cpu_queue = dict.fromkeys(_cpu_seconds(worker_group=worker.pid), 0.0)
        cpu_inprocess = dict(cpu_queue)

        def cpu_add(into: dict[str, float], before: dict[str, float]) -> None:
            after = _cpu_seconds(worker_group=worker.pid)
            for k, v in _cpu_per_photo(before, after, args.photos).items():
                into[k] += v / max(1, args.rounds - 1)

        def queue_again() -> float:
            """The same jobs once more: back to the state of a fresh commit, then sent."""
            with transaction.atomic():
                Candidate.objects.filter(job_id__in=ids).delete()
                Embedding.objects.filter(photo_id__in=[p.pk for p in photos]).delete()
                # traced again, as fresh photos are (a stored outline would be reused)
                Outline.objects.filter(photo_id__in=[p.pk for p in photos]).delete()
                IdentificationJob.objects.filter(pk__in=ids).update(
                    status="queued", attempts=0, started_at=None, finished_at=None,
                    sent_at=None, worker="", timings={})
                Photo.objects.filter(pk__in=[p.pk for p in photos]).update(
                    state=Photo.State.SUBMITTED)
            time.sleep(0.5)
            before = _cpu_seconds(worker_group=worker.pid)
            t0 = time.perf_counter()
            services.identification_jobs_send(job_ids=ids)  # what the commit hook does
            seconds = _wait(ids, timeout=600, poll=0.005) - t0
            cpu_add(cpu_queue, before)
            return seconds

        def inprocess_measured() -> float:
            before = _cpu_seconds(worker_group=worker.pid)
            seconds = inprocess()
            cpu_add(cpu_inprocess, before)
            return seconds

        inprocess_times = [inprocess()]
        for _round in range(1, args.rounds):
            queue_times.append(queue_again())
            inprocess_times.append(inprocess_measured())
        queue_seconds = statistics.median(queue_times)
        inprocess_seconds = statistics.median(inprocess_times)

        # single photos on the idle system: POST to done
        from django.test import Client
        from django.urls import NoReverseMatch, resolve

        try:
            resolve("/api/v1/photos/")
            use_api = True
        except Exception:  # noqa: BLE001 - the endpoint lives on the catalogue branch
            use_api = False
        _ = NoReverseMatch
        client = Client()
        client.force_login(user)
        latencies = []
        for n in range(args.singles):
            data = _fin_jpeg(individual=n % args.gallery, photo=500 + n)
            time.sleep(0.2)  # idle between photos
            t_post = time.perf_counter()
            if use_api:
                response = client.post("/api/v1/photos/", {
                    "image": SimpleUploadedFile(f"s{n}.jpg", data, content_type="image/jpeg"),
                    "observed_at": timezone.now().isoformat(), "latitude": 22.3,
                    "longitude": 113.8})
                job_id = response.json()["job"]
            else:
                with transaction.atomic():
                    job_id = submit([data], [f"s{n}.jpg"])[0].job.pk
            t_end = _wait([job_id], timeout=60, poll=0.002)
            latencies.append((t_end - t_post) * 1000)
        latencies.sort()
        p95 = latencies[min(len(latencies) - 1, int(round(0.95 * (len(latencies) - 1))))]
        worker_timings = IdentificationJob.objects.filter(pk__in=ids).values_list(
            "timings", flat=True)
        embed_ms = statistics.median(t.get("trace_ms" if edge else "embed_ms", 0)
                                     for t in worker_timings)
        no_outline = IdentificationJob.objects.filter(pk__in=ids).exclude(
            outline_reason="").count()
        result = {
            "bench": "dois_jobs",
            "photos": args.photos,
            "gallery_photos": len(gallery_ids),
            "method": version.name,
            "model": (services.model_version_path(model_version=version).name if edge
                      else model_path.name),
            "backend": next(iter(worker_timings)).get("backend"),
            "worker_concurrency": args.concurrency,
            "worker_prefetch_multiplier": args.prefetch,
            "inprocess_threads": threads,
            "cores": os.cpu_count(),
            "batch_size": batch_size,
            "batches_seen": batches,
            "all_done": all(s == "done" for s in statuses.values()),
            "submit_s": round(t_commit_start - t_submit, 3),
            "queue_s": round(queue_seconds, 3),
            "queue_photos_per_s": round(args.photos / queue_seconds, 2),
            "inprocess_s": round(inprocess_seconds, 3),
            "inprocess_photos_per_s": round(args.photos / inprocess_seconds, 2),
            "queue_vs_inprocess": round(inprocess_seconds / queue_seconds, 3),
            "rounds": args.rounds,
            "queue_vs_inprocess_per_round": [round(i / q, 3) for q, i in
                                             zip(queue_times, inprocess_times, strict=True)],
            "target_queue_vs_inprocess": 0.8,
            "single_path": "POST /api/v1/photos/" if use_api else "photo submit service",
            "single_n": len(latencies),
            "single_ms_p50": round(statistics.median(latencies), 1),
            "single_ms_p95": round(p95, 1),
            "target_single_ms": 300,
            ("worker_trace_ms_median_per_batch" if edge
             else "worker_embed_ms_median_per_batch"): embed_ms,
            "photos_without_usable_outline": no_outline,
            # CPU milliseconds per photo by part of the system, mean over rounds 2..n
            "cpu_ms_per_photo_queue": {k: round(v, 2) for k, v in cpu_queue.items()},
            "cpu_ms_per_photo_inprocess": {k: round(v, 2) for k, v in cpu_inprocess.items()},
        }
    finally:
        os.killpg(worker.pid, 15)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, 9)
        log.close()
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            _drop_database(db_url)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
