"""The fin segmenter (shipped network and classical baseline), its training command, the
synthetic scenes it learns from, and the committed outline annotations."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dois.ml.evaluate import main as evaluate_main
from dois.ml.segment import DEFAULT_SEGMENTER_PATH, Segmenter, SegmenterLoadError, segment_classical
from dois.ml.synth import render_scene, render_scenes

ANNOTATIONS = Path(__file__).parent / "data" / "outline_annotations.json"


def _iou(prob: np.ndarray, mask: np.ndarray) -> float:
    import cv2

    p = cv2.resize(prob.astype(np.float32), mask.shape[::-1]) > 0.5
    t = mask > 0
    return float((p & t).sum() / max((p | t).sum(), 1))


def test_scenes_are_deterministic_and_masks_exact():
    a, b = render_scene(seed=11), render_scene(seed=11)
    assert np.array_equal(a.image, b.image) and np.array_equal(a.mask, b.mask)
    assert a.image.shape[:2] == a.mask.shape and set(np.unique(a.mask)) <= {0, 1}
    assert a.facing in {"left", "right"}
    # The trailing edge runs along the mask's border.
    if len(a.trailing) > 5:
        pts = np.round(a.trailing).astype(int)
        h, w = a.mask.shape
        near = [a.mask[max(0, y - 2):y + 3, max(0, x - 2):x + 3] for x, y in pts
                if 2 <= x < w - 2 and 2 <= y < h - 2]
        assert np.mean([0 < n.mean() < 1 for n in near]) > 0.9
    imgs, masks = render_scenes(seeds=[1, 2, 3], size=64)
    assert imgs.shape == (3, 64, 64, 3) and masks.shape == (3, 64, 64)


def test_shipped_segmenter_finds_synthetic_fins():
    seg = Segmenter(DEFAULT_SEGMENTER_PATH)
    ious = []
    for seed in range(300, 306):
        s = render_scene(seed=seed)
        prob = seg.probability(s.image)
        assert prob.shape == (seg.input_size, seg.input_size)
        assert prob.min() >= 0.0 and prob.max() <= 1.0
        ious.append(_iou(prob, s.mask))
    assert np.median(ious) > 0.85
    assert seg.backend in {"tflite", "tf"}


def test_classical_baseline_gives_a_map():
    s = render_scene(seed=301)
    prob = segment_classical(s.image)
    assert prob.shape == (160, 160) and prob.min() >= 0 and prob.max() <= 1


def test_missing_segmenter_is_a_clear_error(tmp_path):
    with pytest.raises(SegmenterLoadError):
        Segmenter(tmp_path / "none.keras")


@pytest.mark.slow
def test_make_segmenter_trains_and_exports(tmp_path):
    from dois.ml.make_segmenter import train_segmenter

    out = tmp_path / "seg.keras"
    meta = train_segmenter(out=out, scenes=64, steps=3, batch=8, size=64, processes=1,
                           width=8)
    assert out.is_file() and out.with_suffix(".tflite").is_file()
    assert json.loads(out.with_suffix(".json").read_text())["input_size"] == 64
    assert 0.0 <= meta["metrics"]["synthetic_unseen_iou"] <= 1.0
    prob = Segmenter(out).probability(render_scene(seed=5).image)
    assert prob.shape == (64, 64)


def test_evaluate_command_defaults_to_the_edge_method(tmp_path, capsys):
    from PIL import Image

    for ind in range(2):
        for photo in range(2):
            s = render_scene(seed=ind * 10 + photo, individual_seed=700 + ind,
                             photo_seed=photo)
            folder = tmp_path / f"fin{ind}"
            folder.mkdir(exist_ok=True)
            Image.fromarray(s.image).save(folder / f"{photo}.jpg")
    assert evaluate_main([str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["method"] == "edge" and "outline_found" in out
    assert out["edge_method"].startswith("edge-") and out["n_queries"] == 4


def test_committed_annotations_are_well_formed():
    doc = json.loads(ANNOTATIONS.read_text(encoding="utf-8"))
    photos = doc["photos"]
    smru = [k for k in photos if k.startswith("fins-smru/")]
    others = [k for k in photos if k.startswith("fins-naukma")]
    assert len(smru) == 24 and len(others) >= 60
    assert "how they were made" in doc["about"].lower() or "made" in doc["about"]
    for key, a in photos.items():
        assert a["status"] in {"accepted", "corrected", "unusable"}, key
        if a["status"] == "unusable":
            continue
        t = np.asarray(a["trailing"], float)
        w, h = a["image_size"]
        assert a["facing"] in {"left", "right"} and len(t) >= 5
        assert t[0].tolist() == a["tip"] and t[-1].tolist() == a["trailing_end"]
        assert (t[:, 0] >= -2).all() and (t[:, 0] <= w + 2).all() and (t[:, 1] <= h + 2).all()


def test_evaluate_command_fused_method(tmp_path, capsys):
    from PIL import Image

    for ind in range(2):
        for photo in range(2):
            s = render_scene(seed=ind * 10 + photo, individual_seed=800 + ind,
                             photo_seed=photo)
            folder = tmp_path / f"fin{ind}"
            folder.mkdir(exist_ok=True)
            Image.fromarray(s.image).save(folder / f"{photo}.jpg")
    assert evaluate_main([str(tmp_path), "--method", "fused"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["method"] == "fused" and out["n_queries"] == 4 and 0 <= out["top1"] <= 1
