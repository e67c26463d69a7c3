from __future__ import annotations

import csv
from datetime import UTC, datetime

import numpy as np
import pytest
from django.core.management import call_command
from PIL import Image

from dois import exports, services
from tests.dois.factories import IndividualFactory, PhotoFactory, SightingFactory, upload

pytestmark = pytest.mark.django_db


def confirmed(researcher, individual, day, **kwargs):
    sighting = SightingFactory(observed_at=datetime(2024, 6, day, 2, tzinfo=UTC))
    photo = PhotoFactory(sighting=sighting, **kwargs)
    services.decision_record(photo=photo, action="confirm", individual=individual,
                             actor=researcher)
    return photo


def test_capture_history_csv_and_inp(researcher):
    a, b = IndividualFactory(code="PRE-0001"), IndividualFactory(code="PRE-0002")
    confirmed(researcher, a, 1)
    confirmed(researcher, a, 3)
    confirmed(researcher, b, 2)
    SightingFactory(observed_at=datetime(2024, 6, 4, 2, tzinfo=UTC))  # survey day, no one
    rows = list(csv.reader(exports.capture_history_csv().splitlines()))
    assert rows[0] == ["individual", "nickname", "2024-06-01", "2024-06-02", "2024-06-03",
                       "2024-06-04"]
    assert rows[1][0] == "PRE-0001" and rows[1][2:] == ["1", "0", "1", "0"]
    assert rows[2][2:] == ["0", "1", "0", "0"]
    inp = exports.capture_history_inp().splitlines()
    assert inp[1] == "/* PRE-0001 */ 1010 1;"
    assert inp[2] == "/* PRE-0002 */ 0100 1;"


def test_occasion_is_local_survey_day(researcher, settings):
    ind = IndividualFactory()
    # 20:00 UTC on 1 June is 04:00 on 2 June in Shanghai
    sighting = SightingFactory(observed_at=datetime(2024, 6, 1, 20, tzinfo=UTC))
    photo = PhotoFactory(sighting=sighting)
    services.decision_record(photo=photo, action="confirm", individual=ind,
                             actor=researcher)
    occasions, _ = exports.capture_history()
    assert [o.label for o in occasions] == ["2024-06-02"]


def test_dataset_export_and_split_stability(tmp_path, researcher, volunteer):
    ind = IndividualFactory(code="PRE-0009")
    photos = []
    for seed in range(6):
        photo, _ = services.photo_submit(sighting=SightingFactory(), upload=upload(seed=seed),
                                         actor=volunteer,
                                         options=services.PhotoOptions(crop=(10, 10, 200, 80)))
        services.decision_record(photo=photo, action="confirm", individual=ind,
                                 actor=researcher)
        photos.append(photo)
    summary = exports.dataset_export(out_dir=tmp_path / "a")
    assert summary["photos"] == 6 and summary["individuals"] == 1
    with (tmp_path / "a" / "photos.csv").open() as fh:
        first = {row["photo_id"]: row["split"] for row in csv.DictReader(fh)}
    image = Image.open(tmp_path / "a" / "images" / "PRE-0009" / f"photo-{photos[0].pk}.jpg")
    assert image.size == (224, 224)
    data = np.load(tmp_path / "a" / "dataset.npz")
    assert data["images"].shape == (6, 224, 224, 3) and list(data["individuals"]) == ["PRE-0009"]
    assert {str(s) for s in data["splits"]} <= {"train", "eval"}
    # the catalogue grows: old photos keep their split
    other = IndividualFactory(code="PRE-0010")
    for seed in range(10, 20):
        photo, _ = services.photo_submit(sighting=SightingFactory(), upload=upload(seed=seed),
                                         actor=volunteer)
        services.decision_record(photo=photo, action="confirm", individual=other,
                                 actor=researcher)
    call_command("export_dataset", str(tmp_path / "b"))
    with (tmp_path / "b" / "photos.csv").open() as fh:
        second = {row["photo_id"]: row["split"] for row in csv.DictReader(fh)}
    assert len(second) == 16
    assert all(second[pid] == split for pid, split in first.items())


def test_dataset_zip(researcher):
    import io
    import zipfile
    confirmed(researcher, IndividualFactory(code="PRE-0003"), 5)
    names = zipfile.ZipFile(io.BytesIO(exports.dataset_zip())).namelist()
    assert "dois-dataset/photos.csv" in names and "dois-dataset/dataset.npz" in names
    assert any(n.startswith("dois-dataset/images/PRE-0003/") for n in names)
