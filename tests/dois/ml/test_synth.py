"""Synthetic fins: deterministic by seed, distinct per individual, fast enough to use."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from dois.ml.preprocess import load_image
from dois.ml.synth import (
    fin_identity,
    render_batch,
    render_individual_photo,
    render_uploads,
    write_dataset,
)


def test_same_seeds_give_identical_pixels():
    a = render_individual_photo(individual_seed=7, photo_seed=3, size=64, as_array=True)
    b = render_individual_photo(individual_seed=7, photo_seed=3, size=64, as_array=True)
    assert a.shape == (64, 64, 3) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, b)


def test_photos_of_one_individual_vary():
    a = render_individual_photo(individual_seed=7, photo_seed=0, size=64, as_array=True)
    b = render_individual_photo(individual_seed=7, photo_seed=1, size=64, as_array=True)
    assert np.abs(a.astype(int) - b.astype(int)).mean() > 5


def test_individuals_have_different_outlines_and_marks():
    one, two = fin_identity(individual_seed=1), fin_identity(individual_seed=2)
    assert one.outline.shape != two.outline.shape or not np.allclose(one.outline, two.outline)
    assert one.marks != two.marks
    again = fin_identity(individual_seed=1)
    np.testing.assert_array_equal(one.outline, again.outline)


def test_render_returns_pil_image_by_default():
    img = render_individual_photo(individual_seed=3, photo_seed=0, size=48)
    assert isinstance(img, Image.Image)
    assert img.size == (48, 48) and img.mode == "RGB"


def test_render_batch_labels():
    images, labels = render_batch(individual_seeds=[10, 11], photos_per_individual=3, size=32)
    assert images.shape == (6, 32, 32, 3)
    assert labels.tolist() == [0, 0, 0, 1, 1, 1]


def test_write_dataset_layout(tmp_path):
    paths = write_dataset(root=tmp_path, n_individuals=3, photos_per_individual=2, seed=5,
                          size=32)
    assert len(paths) == 6
    folders = sorted(p.name for p in tmp_path.iterdir())
    assert len(folders) == 3
    assert sorted(p.name for p in (tmp_path / folders[0]).iterdir()) == ["0.jpg", "1.jpg"]
    with Image.open(paths[0]) as img:
        assert img.size == (32, 32)


def test_render_uploads_gives_the_pixels_of_an_uploaded_jpeg_in_any_number_of_processes():
    images, labels = render_uploads(individual_seeds=[5, 6], photos_per_individual=33,
                                    size=48, render_size=112, quality=85, processes=2)
    assert images.shape == (66, 48, 48, 3) and images.dtype == np.uint8
    assert labels.tolist() == [0] * 33 + [1] * 33
    buffer = io.BytesIO()
    render_individual_photo(individual_seed=6, photo_seed=2, size=112).save(
        buffer, "JPEG", quality=85)
    assert np.array_equal(images[35], load_image(buffer.getvalue(), size=48, as_uint8=True))
    alone, _ = render_uploads(individual_seeds=[5, 6], photos_per_individual=33, size=48,
                              render_size=112, quality=85, processes=1)
    assert np.array_equal(images, alone)
    # not the same as rendering straight at the small size
    straight, _ = render_batch(individual_seeds=[5], photos_per_individual=1, size=48)
    assert not np.array_equal(images[0], straight[0])
