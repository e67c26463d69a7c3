"""The leaderboard's evaluation set: which photos are gallery, queries and unknowns,
its recorded split versions, the photos as arrays at a model's input size, and the
members' dataset. See :mod:`dois.services.leaderboard` for the evaluation itself.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from PIL import Image

from dois import inference
from dois.leaderboard_metrics import EvalItem
from dois.models import EvalSplitVersion, Photo
from dois.selectors.leaderboard import eval_split_current

logger = logging.getLogger(__name__)


HELD_OUT_PERCENT = 20


PROTOCOL = "dois-board-1"  # part of the split digest: a new protocol is a new version


def work_dir() -> Path:
    """Where evaluation arrays are cached and members' datasets kept (per host)."""
    folder = Path(settings.DOIS_MODEL_DIR) / "leaderboard"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --- the evaluation set -------------------------------------------------------------


@dataclass
class EvalSet:
    photos: list[Photo]
    items: list[EvalItem]
    digest: str
    held_out: set[int]

    @property
    def queries(self) -> int:
        return sum(1 for it in self.items if it.query and not it.held_out)


def held_out_pick(*, individual_ids: set[int]) -> set[int]:
    """About ``HELD_OUT_PERCENT`` of the individuals, chosen by a hash of their id (stable
    as the catalogue grows); at least one when three or more are given."""
    def bucket(pk: int) -> int:
        return int(hashlib.sha256(f"{PROTOCOL}:held-out:{pk}".encode()).hexdigest()[:8], 16)

    picked = {pk for pk in individual_ids if bucket(pk) % 100 < HELD_OUT_PERCENT}
    if not picked and len(individual_ids) >= 3:
        picked = {min(individual_ids, key=bucket)}
    return picked


def eval_set_build() -> EvalSet:
    """The reference photos the board evaluates on, with their roles, and their digest."""
    photos = list(Photo.objects.gallery().order_by("pk").only(
        "pk", "individual_id", "side", "split", "sha256", "original", "crop_x", "crop_y",
        "crop_w", "crop_h"))
    evaluated = {p.individual_id for p in photos if p.split == Photo.Split.EVAL}
    held = held_out_pick(individual_ids=evaluated)
    # a held-out individual's training photos are neither gallery nor query
    photos = [p for p in photos if p.individual_id not in held or p.split == Photo.Split.EVAL]
    items = [EvalItem(label=p.individual_id,
                      side=None if p.side == Photo.Side.UNKNOWN else str(p.side),
                      query=p.split == Photo.Split.EVAL, held_out=p.individual_id in held)
             for p in photos]
    lines = [PROTOCOL] + [
        f"{p.pk}:{p.sha256}:{p.crop_x},{p.crop_y},{p.crop_w},{p.crop_h}:{p.individual_id}:"
        f"{p.side}:{p.split}" for p in photos]
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    return EvalSet(photos=photos, items=items, digest=digest, held_out=held)


def eval_split_record(*, eval_set: EvalSet) -> EvalSplitVersion:
    """The current version for ``eval_set``: the latest if its digest matches, else a new
    one numbered after it."""
    for _attempt in range(5):
        latest = eval_split_current()
        if latest is not None and latest.digest == eval_set.digest:
            return latest
        number = (EvalSplitVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
        try:
            with transaction.atomic():
                return EvalSplitVersion.objects.create(
                    number=number, digest=eval_set.digest, queries=eval_set.queries,
                    gallery=sum(1 for it in eval_set.items if not it.held_out),
                    individuals=len({it.label for it in eval_set.items}),
                    held_out=len(eval_set.held_out))
        except IntegrityError:  # another worker recorded it first
            continue
    raise RuntimeError("could not record the evaluation split version")


def _letterbox(square: np.ndarray, *, height: int, width: int) -> np.ndarray:
    """A square uint8 crop fitted into ``height x width`` without stretching (grey pad)."""
    side = min(height, width)
    image = Image.fromarray(square).resize((side, side), Image.BILINEAR)
    canvas = Image.new("RGB", (width, height), (127, 127, 127))
    canvas.paste(image, ((width - side) // 2, (height - side) // 2))
    return np.asarray(canvas, np.uint8)


def eval_images(*, eval_set: EvalSet, height: int, width: int) -> tuple[Path, np.ndarray]:
    """The evaluation photos as an ``N x height x width x 3`` uint8 ``.npy`` (cached per
    split digest and size on this host) and a mask of the photos that could be read.

    Crops are made exactly as identification makes them (:func:`dois.inference.
    image_prepare`: crop, pad to a square, resize); a non-square input gets the square
    crop fitted inside it, padded with grey.
    """
    folder = work_dir()
    stem = f"eval-{eval_set.digest[:24]}-{height}x{width}"
    images, mask = folder / f"{stem}.npy", folder / f"{stem}-ok.npy"
    if images.is_file() and mask.is_file():
        return images, np.load(mask)
    for old in folder.glob("eval-*.npy"):  # arrays of older splits
        if not old.name.startswith(f"eval-{eval_set.digest[:24]}-"):
            old.unlink(missing_ok=True)
    tmp = folder / f"{stem}.{os.getpid()}.tmp.npy"
    count = len(eval_set.photos)
    array = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.uint8,
                                      shape=(count, height, width, 3))
    ok = np.ones(count, bool)
    side = max(height, width)
    for n, photo in enumerate(eval_set.photos):
        try:
            with photo.original.open("rb") as fh:
                data = fh.read()
            pixels = np.round(inference.image_prepare(data=data, box=photo.crop_box,
                                                      size=side) * 255).astype(np.uint8)
        except (OSError, ValueError, inference.ImageUnusable) as exc:
            logger.warning("leaderboard: photo %s left out: %s", photo.pk, exc)
            ok[n] = False
            continue
        array[n] = pixels if height == width else _letterbox(pixels, height=height,
                                                             width=width)
    array.flush()
    del array
    np.save(mask, ok)
    os.replace(tmp, images)
    return images, ok


def members_dataset_zip() -> Path:
    """The members' dataset (training split, public photos: :func:`dois.exports.
    dataset_zip` with ``members``) as a zip file, built once per state of those photos
    and kept on this host, so members downloading it do not re-decode the catalogue."""
    from dois.exports import dataset_zip
    from dois.selectors.catalogue import gallery_photos

    rows = gallery_photos().filter(split=Photo.Split.TRAIN, is_public=True).values_list(
        "pk", "sha256", "crop_x", "crop_y", "crop_w", "crop_h", "individual__code", "side",
        "quality")
    digest = hashlib.sha256(repr(list(rows)).encode()).hexdigest()[:24]
    path = work_dir() / f"members-dataset-{digest}.zip"
    if not path.is_file():
        for old in work_dir().glob("members-dataset-*.zip"):
            old.unlink(missing_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(dataset_zip(members=True))
        os.replace(tmp, path)
    return path
