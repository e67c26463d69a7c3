"""Data out: capture histories (CSV, Program MARK ``.inp``) and the notebook dataset.

Capture histories: one row per catalogued individual with reference photos, one column
per survey occasion, within a date range. An occasion is a survey day (a local date in
``TIME_ZONE`` on which any sighting was recorded), a survey trip, a week or a month; an
individual scores 1 on an occasion when one of its reference photos comes from a
sighting of it. The sightings CSV has exact coordinates (researchers only); the Darwin
Core Archive (:mod:`dois.exports_dwca`) is for the public (rounded coordinates).

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
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from django.db import models
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dois import images
from dois.models import Individual, Photo, Sighting
from dois.selectors.catalogue import gallery_photos

DATASET_SIZE = 224


class OccasionLength(models.TextChoices):
    DAY = "day", _("Survey day")
    TRIP = "trip", _("Survey trip")
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")


@dataclass(frozen=True)
class Occasion:
    """One capture occasion: its label (the column's header) and its local dates."""

    label: str
    start: date
    end: date

    def isoformat(self) -> str:
        return self.label


def _occasions(*, sightings: list[tuple[int, date, str]], length: str
               ) -> dict[int, Occasion]:
    """The occasion of each sighting ``(id, local day, trip)``.

    - ``day``: the local date;
    - ``week``: the ISO week (Monday to Sunday), ``2024-W23``;
    - ``month``: ``2024-06``;
    - ``trip``: the sightings of one trip or vessel name on consecutive days (a gap of a
      day or more starts a new trip); a sighting without a trip name is its own day.
    """
    out: dict[int, Occasion] = {}
    if length == OccasionLength.WEEK:
        for pk, day, _trip in sightings:
            year, week, _weekday = day.isocalendar()
            monday = date.fromisocalendar(year, week, 1)
            out[pk] = Occasion(f"{year}-W{week:02d}", monday, monday + timedelta(days=6))
    elif length == OccasionLength.MONTH:
        for pk, day, _trip in sightings:
            first = day.replace(day=1)
            last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            out[pk] = Occasion(f"{day:%Y-%m}", first, last)
    elif length == OccasionLength.TRIP:
        by_trip: dict[str, list[tuple[date, int, str]]] = {}
        for pk, day, trip in sightings:
            name = " ".join(trip.split())
            if not name:
                out[pk] = Occasion(day.isoformat(), day, day)
            else:
                by_trip.setdefault(name.casefold(), []).append((day, pk, name))
        for rows in by_trip.values():
            rows.sort()
            run: list[tuple[date, int, str]] = []
            for row in [*rows, None]:
                if run and (row is None or (row[0] - run[-1][0]).days > 1):
                    first, last = run[0][0], run[-1][0]
                    label = (f"{run[0][2]} {first.isoformat()}" if first == last else
                             f"{run[0][2]} {first.isoformat()}..{last.isoformat()}")
                    for _day, pk, _name in run:
                        out[pk] = Occasion(label, first, last)
                    run = []
                if row is not None:
                    run.append(row)
    else:
        for pk, day, _trip in sightings:
            out[pk] = Occasion(day.isoformat(), day, day)
    return out


def capture_history(*, start: date | None = None, end: date | None = None,
                    occasion: str = OccasionLength.DAY
                    ) -> tuple[list[Occasion], list[tuple[Individual, list[int]]]]:
    """(occasions, [(individual, [0/1 per occasion])]) ordered by date and code.

    Sightings between ``start`` and ``end`` (local dates, both included) make the
    occasions (:func:`_occasions`), whether or not anyone was identified on them; an
    individual scores 1 on an occasion when one of its reference photos comes from a
    sighting of it.
    """
    if occasion not in OccasionLength.values:
        raise ValueError(f"unknown occasion length {occasion!r}")
    sightings = []
    for pk, observed_at, trip in Sighting.objects.values_list("pk", "observed_at", "trip"):
        day = timezone.localdate(observed_at)
        if (start is None or day >= start) and (end is None or day <= end):
            sightings.append((pk, day, trip))
    of_sighting = _occasions(sightings=sightings, length=occasion)
    occasions = sorted(set(of_sighting.values()), key=lambda o: (o.start, o.end, o.label))
    index = {occ: i for i, occ in enumerate(occasions)}
    seen: dict[int, set[int]] = {}
    for individual_id, sighting_id in gallery_photos().values_list("individual_id",
                                                                   "sighting_id"):
        if sighting_id in of_sighting:
            seen.setdefault(individual_id, set()).add(index[of_sighting[sighting_id]])
    individuals = Individual.objects.filter(pk__in=seen).order_by("prefix", "number")
    rows = [(ind, [1 if i in seen[ind.pk] else 0 for i in range(len(occasions))])
            for ind in individuals]
    return occasions, rows


def capture_history_csv(**kwargs) -> str:
    occasions, rows = capture_history(**kwargs)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["individual", "nickname", *[o.label for o in occasions]])
    for individual, history in rows:
        writer.writerow([individual.code, individual.nickname, *history])
    return out.getvalue()


def capture_history_inp(**kwargs) -> str:
    """Program MARK input: ``/* code */ 0101 1;`` per individual."""
    occasions, rows = capture_history(**kwargs)
    labels = ", ".join(o.label.replace("*/", "* /") for o in occasions)
    lines = [f"/* DoIs capture histories: {len(rows)} individuals, {len(occasions)} "
             f"occasions ({labels}) */"]
    for individual, history in rows:
        lines.append(f"/* {individual.code} */ {''.join(map(str, history))} 1;")
    return "\n".join(lines) + "\n"


def sightings_csv(*, start: date | None = None, end: date | None = None) -> str:
    """Every sighting in the date range with its EXACT coordinates, for researchers (the
    caller checks ``dois.view_exact_location``): one row per sighting with the codes of
    the individuals identified on it and its photo counts."""
    sightings = Sighting.objects.order_by("observed_at", "pk").annotate(
        photo_count=Count("photos", distinct=True))
    codes: dict[int, set[str]] = {}
    for sighting_id, code in gallery_photos().values_list("sighting_id", "individual__code"):
        codes.setdefault(sighting_id, set()).add(code)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["sighting_id", "observed_at", "date", "latitude", "longitude", "area",
                     "trip", "observers", "group_size", "photos", "individuals", "notes"])
    for s in sightings:
        day = timezone.localdate(s.observed_at)
        if (start is not None and day < start) or (end is not None and day > end):
            continue
        writer.writerow([
            s.pk, timezone.localtime(s.observed_at).isoformat(), day.isoformat(),
            f"{s.latitude:.6f}", f"{s.longitude:.6f}", s.area, s.trip, s.observers,
            s.group_size if s.group_size is not None else "", s.photo_count,
            " ".join(sorted(codes.get(s.pk, ()))), " ".join(s.notes.split())])
    return out.getvalue()


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
