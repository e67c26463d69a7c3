"""Person-checked fin outlines as further training data for the segmenter (issue 13).

``manage.py export_outlines OUT_DIR`` writes, for the latest person-made outline of each
photo, the crop it was made on (``outline-<id>.png``, pixels only: a PNG re-encoded from
the decoded crop carries no EXIF, so no place or time), the dolphin's mask
(``outline-<id>.mask.png``, 255 = dolphin: the traced contour with the person's trailing
edge, :func:`dois.ml.outline_edit.outline_mask`) and the outline's points
(``outline-<id>.json``). ``python -m dois.ml.make_segmenter --extra OUT_DIR`` trains on
the PNG pairs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from dois import inference
from dois.models import Outline

POINT_KEYS = ("image_size", "facing", "tip", "trailing", "trailing_end", "leading_end",
              "contour")


def outlines_to_export():
    """The latest person-made usable outline of each photo (one query)."""
    return (Outline.objects.filter(made_by=Outline.MadeBy.PERSON, ok=True)
            .select_related("photo").order_by("photo_id", "-created_at", "-id")
            .distinct("photo_id"))


def outlines_export(*, out_dir: Path) -> dict[str, int]:
    """Write the person-checked outlines to ``out_dir``; returns counts. A photo whose
    file cannot be read is skipped (counted)."""
    from dois.ml.outline import Outline as Traced
    from dois.ml.outline_edit import outline_mask

    out_dir.mkdir(parents=True, exist_ok=True)
    written = skipped = 0
    for row in outlines_to_export().iterator(chunk_size=200):
        traced = Traced.from_dict(row.data)
        box = (row.crop_x, row.crop_y, row.crop_x + row.crop_w, row.crop_y + row.crop_h)
        try:
            with row.photo.original.open("rb") as fh:
                rgb = inference.crop_rgb(data=fh.read(), box=box)
            mask = outline_mask(traced)
        except (OSError, ValueError, inference.ImageUnusable):
            skipped += 1
            continue
        width, height = (int(v) for v in traced.image_size)
        crop = Image.fromarray(rgb, "RGB")
        if crop.size != (width, height):  # the points are in pixels of image_size
            crop = crop.resize((width, height), Image.BILINEAR)
        stem = out_dir / f"outline-{row.pk}"
        crop.save(stem.with_suffix(".png"))
        Image.fromarray(np.asarray(mask, np.uint8), "L").save(f"{stem}.mask.png")
        data = {k: row.data.get(k) for k in POINT_KEYS}
        data.update(outline=row.pk, action=row.action, created_at=row.created_at.isoformat())
        stem.with_suffix(".json").write_text(json.dumps(data), encoding="utf-8")
        written += 1
    return {"outlines": written, "skipped": skipped}
