"""Data out: capture histories (CSV, Program MARK ``.inp``) and the notebook dataset.

Capture histories: one row per catalogued individual with reference photos, one column
per survey occasion. An occasion is a survey day: a local date (``TIME_ZONE``) on which
any sighting was recorded; an individual scores 1 on a day when one of its reference
photos comes from a sighting of that day.

Dataset: ``images/<code>/photo-<id>.jpg`` (crop, padded to a square, resized),
``photos.csv`` and ``dataset.npz``. Each photo's split (train/eval) was fixed from its
SHA-256 when it was uploaded, so it never changes as the catalogue grows.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import zipfile
from datetime import date
from pathlib import Path

import numpy as np
from django.utils import timezone

from dois import images
from dois.models import Individual, Photo, Sighting
from dois.selectors import gallery_photos

DATASET_SIZE = 224


def capture_history(*, start: date | None = None,
                    end: date | None = None) -> tuple[list[date], list[tuple[Individual,
                                                                             list[int]]]]:
    """(occasions, [(individual, [0/1 per occasion])]) ordered by date and code."""
    days = set()
    for observed_at in Sighting.objects.values_list("observed_at", flat=True):
        day = timezone.localdate(observed_at)
        if (start is None or day >= start) and (end is None or day <= end):
            days.add(day)
    occasions = sorted(days)
    index = {day: i for i, day in enumerate(occasions)}
    seen: dict[int, set[int]] = {}
    for individual_id, observed_at in gallery_photos().values_list(
            "individual_id", "sighting__observed_at"):
        day = timezone.localdate(observed_at)
        if day in index:
            seen.setdefault(individual_id, set()).add(index[day])
    individuals = Individual.objects.filter(pk__in=seen).order_by("prefix", "number")
    rows = [(ind, [1 if i in seen[ind.pk] else 0 for i in range(len(occasions))])
            for ind in individuals]
    return occasions, rows


def capture_history_csv(**kwargs) -> str:
    occasions, rows = capture_history(**kwargs)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["individual", "nickname", *[d.isoformat() for d in occasions]])
    for individual, history in rows:
        writer.writerow([individual.code, individual.nickname, *history])
    return out.getvalue()


def capture_history_inp(**kwargs) -> str:
    """Program MARK input: ``/* code */ 0101 1;`` per individual."""
    occasions, rows = capture_history(**kwargs)
    lines = [f"/* DoIs capture histories: {len(rows)} individuals, {len(occasions)} "
             f"occasions ({', '.join(d.isoformat() for d in occasions)}) */"]
    for individual, history in rows:
        lines.append(f"/* {individual.code} */ {''.join(map(str, history))} 1;")
    return "\n".join(lines) + "\n"


def dataset_export(*, out_dir: Path, size: int = DATASET_SIZE, members: bool = False) -> dict:
    """Write the notebook dataset into ``out_dir``; returns counts per split.

    ``members``: the members' dataset (the leaderboard's starter kit): the training
    split's public reference photos only; the frozen evaluation split stays on the
    server, so the board cannot be trained on. Researchers export everything.
    """
    out_dir = Path(out_dir)
    (out_dir / "images").mkdir(parents=True, exist_ok=True)
    photos = gallery_photos()
    if members:
        photos = photos.filter(split=Photo.Split.TRAIN, is_public=True)
    photos = list(photos)
    codes = sorted({p.individual.code for p in photos})
    label_of = {code: i for i, code in enumerate(codes)}
    arrays = np.zeros((len(photos), size, size, 3), dtype=np.uint8)
    rows = []
    for n, photo in enumerate(photos):
        folder = out_dir / "images" / photo.individual.code
        folder.mkdir(parents=True, exist_ok=True)
        with photo.original.open("rb") as fh:
            square = images.fin_square(fh, box=photo.crop_box, size=size)
        relative = f"images/{photo.individual.code}/photo-{photo.pk}.jpg"
        square.save(out_dir / relative, "JPEG", quality=92)
        arrays[n] = np.asarray(square)
        rows.append({
            "photo_id": photo.pk, "individual": photo.individual.code,
            "label": label_of[photo.individual.code], "split": photo.split,
            "path": relative, "side": photo.side, "quality": photo.quality or "",
            "sha256": photo.sha256,
            "date": timezone.localdate(photo.sighting.observed_at).isoformat(),
        })
    with (out_dir / "photos.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["photo_id", "individual", "label", "split",
                                                "path", "side", "quality", "sha256", "date"])
        writer.writeheader()
        writer.writerows(rows)
    np.savez_compressed(
        out_dir / "dataset.npz", images=arrays,
        labels=np.array([r["label"] for r in rows], dtype=np.int32),
        photo_ids=np.array([r["photo_id"] for r in rows], dtype=np.int64),
        splits=np.array([r["split"] for r in rows]),
        individuals=np.array(codes),
    )
    counts = {split: sum(r["split"] == split for r in rows) for split in Photo.Split.values}
    return {"photos": len(rows), "individuals": len(codes), **counts}


def dataset_zip(*, members: bool = False) -> bytes:
    """The dataset as a zip archive (researchers': everything; ``members``: the training
    split only, see :func:`dataset_export`)."""
    tmp = Path(tempfile.mkdtemp(prefix="dois-dataset-"))
    try:
        dataset_export(out_dir=tmp / "dois-dataset", members=members)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted((tmp / "dois-dataset").rglob("*")):
                if path.is_file():
                    zf.write(path, path.relative_to(tmp))
        return buffer.getvalue()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
