"""``manage.py export_outlines``: person-checked outlines as make_segmenter's extra data."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from django.core.management import call_command

from dois.demo import DEMO_SEED
from dois.ml.make_segmenter import _load_extra
from dois.ml.synth import render_scene
from dois.services import photo_outline_correct
from tests.dois.jobs_support import edge_job_make

pytestmark = pytest.mark.django_db


def test_person_checked_outlines_are_written_as_segmenter_training_pairs(
        edge_version, researcher, tmp_path, capsys):
    checked = edge_job_make(edge_version, researcher)
    machine_only = edge_job_make(edge_version, researcher)
    line = [[x + 2.0, y] for x, y in checked.outline.data["trailing"][::2]]
    edit = photo_outline_correct(photo=checked.photo, actor=researcher, action="redraw",
                                 trailing=line)
    call_command("export_outlines", str(tmp_path / "out"))
    assert "1 outlines written" in capsys.readouterr().out
    out = tmp_path / "out"
    names = sorted(p.name for p in out.iterdir())
    stem = f"outline-{edit.outline.pk}"
    assert names == [f"{stem}.json", f"{stem}.mask.png", f"{stem}.png"]
    data = json.loads((out / f"{stem}.json").read_text())
    assert data["trailing"][0] == pytest.approx(line[0], abs=0.01)
    assert data["action"] == "redraw" and data["image_size"] == edit.outline.data["image_size"]
    text = (out / f"{stem}.json").read_text()
    assert not re.search("latitude|longitude|sighting|exif", text)  # points only
    assert machine_only.photo_id not in {edit.photo_id}
    # make_segmenter --extra reads it: the mask is the fin the photo shows
    images, masks = _load_extra(out, 128)
    assert images.shape == (1, 128, 128, 3) and masks.shape == (1, 128, 128)
    truth = render_scene(seed=0, individual_seed=DEMO_SEED, photo_seed=3,
                         long_side=256, calm=True).mask
    import cv2

    truth = cv2.resize(truth * 255, (128, 128), interpolation=cv2.INTER_AREA) > 127
    mask = masks[0] > 127
    assert (mask & truth).sum() / (mask | truth).sum() > 0.8
    assert np.asarray(images[0]).std() > 5  # a real crop, not a blank
