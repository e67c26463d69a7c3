"""Existing data after 0005: originals under unguessable names, job errors classified.

- Originals were stored as ``dois/originals/<year>/<month>/<sha256[:16]>.<ext>`` and the
  public API gave away the hash. Each such file is copied to a random name
  (:func:`common.files.random_name`), the row updated, the old file deleted; the
  EXIF-free renderings cached under the hash (``dois/derived/<sha[:2]>/<sha>-...``) are
  deleted too (they are made again on request, under the new name's key).
- Failed jobs get the ``error_code`` the code now records when they fail, read once
  from the message the old code wrote (English or Chinese, by the worker's language),
  and a plain message in place of one that could hold a server path. Jobs that failed
  because the model was unavailable can then be re-queued by the sweep.

Reversing keeps the random names and the codes (nothing to undo that would be safer).
"""

import logging
import re

from django.core.files.storage import default_storage
from django.db import migrations

from common.files import random_name

logger = logging.getLogger(__name__)

OLD_NAME = re.compile(r"^dois/originals/\d{4}/\d{2}/[0-9a-f]{16}(_[A-Za-z0-9]+)?\.[a-z0-9]+$")
KINDS = ("crop", "thumb", "full", "square")


def rename_originals(apps, schema_editor):
    Photo = apps.get_model("dois", "Photo")
    for photo in Photo.objects.all().iterator():
        name = photo.original.name or ""
        for kind in KINDS:
            key = (f"dois/derived/{photo.sha256[:2]}/{photo.sha256}-{kind}-{photo.crop_x}-"
                   f"{photo.crop_y}-{photo.crop_w}-{photo.crop_h}.jpg")
            try:
                default_storage.delete(key)
            except OSError:
                logger.warning("could not delete the rendering %s", key)
        if not OLD_NAME.match(name):
            continue
        try:
            with default_storage.open(name, "rb") as fh:
                new = default_storage.save(
                    random_name(folder="dois/originals", filename=name), fh)
        except OSError:
            logger.warning("photo %s: original %s missing, name left as it is", photo.pk, name)
            continue
        Photo.objects.filter(pk=photo.pk).update(original=new)
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("could not delete the old original %s", name)


MODEL = ("cannot be used", "无法使用")
GAVE_UP = ("Gave up after", "次后放弃")
PLAIN = {
    "model_unavailable": "The model could not be loaded.",
    "photo_missing": "The photo's file is missing.",
    "photo_no_fin": "No fin in the crop box.",
    "photo_unreadable": "The photo is not a readable image.",
    "worker_lost": "Gave up: the worker stopped or timed out each time.",
    "internal": "Failed (details in the worker's log).",
}


def classify(error: str) -> str:
    if any(m in error for m in GAVE_UP):
        return "worker_lost"
    if any(m in error for m in MODEL) and (error.startswith(("The model", "模型"))):
        return "model_unavailable"
    if any(m in error for m in MODEL):
        if "missing" in error:
            return "photo_missing"
        if "no fin" in error:
            return "photo_no_fin"
        return "photo_unreadable"
    return "internal"


def classify_job_errors(apps, schema_editor):
    Job = apps.get_model("dois", "IdentificationJob")
    for job in Job.objects.filter(status="failed", error_code="").iterator():
        code = classify(job.error or "")
        Job.objects.filter(pk=job.pk).update(error_code=code, error=PLAIN[code])
    # queued or running jobs may hold a transient error's text; it is cleared on the run
    Job.objects.exclude(status="failed").exclude(error="").update(error="")


class Migration(migrations.Migration):

    dependencies = [
        ("dois", "0005_private_originals_job_error_codes"),
    ]

    operations = [
        migrations.RunPython(rename_originals, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(classify_job_errors, migrations.RunPython.noop, elidable=True),
    ]
