"""``manage.py identify FILE... --user NAME``: identify photos through the job queue."""

from __future__ import annotations

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from dois import services
from dois.models import IdentificationJob
from dois.selectors.jobs import job_status_data


class Command(BaseCommand):
    help = _("Submit photos as a user, wait for the identification workers, print candidates.")

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--user", required=True, help=_("user name of the submitter"))
        parser.add_argument("--latitude", type=float, default=22.3)
        parser.add_argument("--longitude", type=float, default=113.8)
        parser.add_argument("--area", default="")
        parser.add_argument("--private", action="store_true", help=_("do not publish"))
        parser.add_argument("--timeout", type=float, default=60.0,
                            help=_("seconds to wait for the workers"))

    def handle(self, *args, **opts):
        user = get_user_model().objects.filter(username=opts["user"]).first()
        if user is None:
            raise CommandError(_("No user %(name)s.") % {"name": opts["user"]})
        uploads = []
        for path in opts["files"]:
            try:
                uploads.append(SimpleUploadedFile(path.name, path.read_bytes()))
            except OSError as exc:
                raise CommandError(str(exc)) from exc
        options = [services.PhotoOptions(is_public=not opts["private"]) for _u in uploads]
        _sighting, results = services.sighting_with_photos_submit(
            actor=user, options=options, uploads=uploads,
            sighting_fields={"observed_at": timezone.now(), "latitude": opts["latitude"],
                             "longitude": opts["longitude"], "area": opts["area"]})
        jobs = {}
        for result in results:
            if result.errors:
                self.stderr.write(f"{result.name}: {' '.join(result.errors)}")
            elif result.job is None:
                self.stderr.write(_("%(name)s: saved, but no model version is active.") % {
                    "name": result.name})
            else:
                jobs[result.job.pk] = result.name
        finished = {"done", "failed"}
        deadline = time.monotonic() + opts["timeout"]
        while jobs and time.monotonic() < deadline:
            states = dict(IdentificationJob.objects.filter(pk__in=jobs)
                          .values_list("pk", "status"))
            if all(s in finished for s in states.values()):
                break
            time.sleep(0.2)
        waiting = 0
        for job in IdentificationJob.objects.filter(pk__in=jobs).select_related(
                "model_version").order_by("pk"):
            data = job_status_data(job=job)
            name = jobs[job.pk]
            if data["status"] == "done":
                cands = ", ".join(f"{c['individual']} {c['score']:.3f}"
                                  for c in data["candidates"]) or _("no candidates")
                self.stdout.write(_("%(name)s (photo %(photo)s, job %(job)s, %(model)s): "
                                    "%(cands)s; new individual probability %(p).2f") % {
                    "name": name, "photo": job.photo_id, "job": job.pk,
                    "model": data["model_version"], "cands": cands,
                    "p": data["new_individual_probability"]})
            elif data["status"] == "failed":
                self.stdout.write(_("%(name)s (job %(job)s): failed: %(error)s") % {
                    "name": name, "job": job.pk, "error": data["error"]})
            else:
                waiting += 1
        if waiting:
            raise CommandError(_(
                "No worker answered within %(s)s s: %(n)s job(s) stay queued and will run "
                "when a worker on the identify queue is up (celery -A hub worker -Q "
                "identify).") % {"s": opts["timeout"], "n": waiting})
