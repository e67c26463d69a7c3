"""The fin-outline (edge) method on the job side (dois.services.edges, identify):
tracing, stored outlines, ranking, no-fin photos, a missing segmenter, method versions."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.files.base import ContentFile
from PIL import Image

from dois import services
from dois.models import Embedding, ModelVersion
from dois.selectors import job_status_data
from tests.dois.factories import PhotoFactory
from tests.dois.jobs_support import fin_gallery_make, fin_photo, job_create

pytestmark = pytest.mark.django_db


def test_edge_job_traces_stores_the_outline_and_ranks_individuals(edge_version):
    inds, photos = fin_gallery_make(individuals=3, per_individual=2, model_version=edge_version)
    rows = Embedding.objects.filter(model_version=edge_version)
    assert rows.count() == 6 and not rows.filter(edge__isnull=True).exists()
    # a new photo of the third individual (another view of its fin)
    query = fin_photo(individual_seed=2, photo_seed=5)
    job = job_create(query)
    services.identification_jobs_run(job_ids=[job.pk])
    job.refresh_from_db()
    assert job.status == "done" and job.outline_reason == ""
    outline = job.outline
    assert outline.photo == query and outline.made_by == "machine" and outline.ok
    assert outline.method == "outline-1+fin-segmenter-1" and outline.model_version == edge_version
    assert outline.crop == (query.crop_x, query.crop_y, query.crop_w, query.crop_h)
    assert len(outline.data["trailing"]) > 10 and outline.data["facing"] in ("left", "right")
    cands = list(job.candidates.order_by("rank"))
    assert [c.individual for c in cands][0] == inds[2]
    assert sorted(c.individual_id for c in cands) == sorted(i.pk for i in inds)  # one each
    assert cands[0].photo in photos[4:6] and 0 < cands[0].score <= 1
    assert 0 <= job.new_individual_probability < 0.5
    assert job.timings["method"] == "edge" and job.timings["outline"] == "traced"
    emb = Embedding.objects.get(photo=query, model_version=edge_version)
    # stored: the trailing edge and the fin's upper shape (leading edge, tip, trailing
    # share), which the ranking compares too
    from dois.ml.shape import SHAPE_POINTS, edge_unpack

    edge, shape = edge_unpack(np.frombuffer(emb.edge, np.float32))
    assert edge.shape == (64, 2) and shape is not None and shape.shape == (SHAPE_POINTS, 2)
    assert emb.outline == outline
    index = services.gallery_get(model_version=edge_version)
    assert index.gallery.has_shape.all()
    # run again: nothing traced twice, nothing stored twice
    services.identification_jobs_run(job_ids=[job.pk])
    assert query.outlines.count() == 1 and job.candidates.count() == len(cands)


def test_a_photo_without_a_fin_is_done_without_candidates_and_flagged(edge_version):
    fin_gallery_make(individuals=2, per_individual=1, model_version=edge_version)
    blank = Image.new("RGB", (320, 240), (40, 90, 140))  # open water, no fin
    buffer = io.BytesIO()
    blank.save(buffer, "JPEG")
    job = job_create(PhotoFactory(original=ContentFile(buffer.getvalue(), "sea.jpg")))
    report = services.identification_jobs_run(job_ids=[job.pk])
    job.refresh_from_db()
    assert report.done == [job.pk] and report.failed == []
    assert job.status == "done" and job.error == "" and not job.candidates.exists()
    assert job.outline_reason in {"no_fin", "edge_too_short", "low_confidence", "tip_cut"}
    assert job.outline.reason == job.outline_reason and not job.outline.ok
    assert job.new_individual_probability is None
    emb = Embedding.objects.get(photo=job.photo)
    assert emb.edge is None and bytes(emb.vector) == b""  # processed, never searched
    assert job.photo.pk not in services.gallery_get(model_version=edge_version).row_of_photo
    data = job_status_data(job=job)  # what the job page's poll and the API read
    assert (data["method"], data["outline_reason"]) == ("edge", job.outline_reason)


def test_a_missing_segmenter_fails_edge_jobs_as_model_unavailable(edge_version, tmp_path):
    job = job_create(fin_photo())
    ModelVersion.objects.filter(pk=edge_version.pk).update(
        file_path=str(tmp_path / "gone.keras"))
    services.identification_jobs_run(job_ids=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.error_code) == ("failed", "model_unavailable")
    assert not services.model_version_available(model_version=ModelVersion.objects.get(
        pk=edge_version.pk))


def test_a_method_version_bump_re_traces_the_gallery_before_the_switch(
        edge_version, researcher, monkeypatch, _no_broker, django_capture_on_commit_callbacks):
    from dois import services
    from dois.ml import edges

    inds, photos = fin_gallery_make(individuals=2, per_individual=2, model_version=edge_version)
    bumped = f"{edges.EDGE_METHOD_VERSION}-next"
    monkeypatch.setattr(edges, "EDGE_METHOD_VERSION", bumped)  # matching changed
    registered = services.model_versions_register_shipped()
    new = next(v for v in registered if v.kind == "edge")
    assert new.name == f"{bumped}/outline-1+fin-segmenter-1" and not new.is_active
    assert services.model_versions_register_shipped()[0] == new  # once
    assert not Embedding.objects.filter(model_version=new).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.model_version_activate(model_version=new, actor=researcher)
    assert _no_broker[-1][0] == services.REEMBED_TASK
    assert services.model_version_activation_finish(model_version_id=new.pk,
                                                    actor_id=researcher.pk)
    new.refresh_from_db()
    assert new.is_active and not ModelVersion.objects.get(pk=edge_version.pk).is_active
    rows = Embedding.objects.filter(model_version=new)
    assert sorted(rows.values_list("photo_id", flat=True)) == sorted(p.pk for p in photos)
    assert not rows.filter(edge__isnull=True).exists()
    # the outlines of the same tracing method were reused, not traced again
    assert sum(p.outlines.count() for p in photos) == len(photos)
    # the new version serves the next job
    job = job_create(fin_photo(individual_seed=0, photo_seed=3))
    assert job.model_version == new
    services.identification_jobs_run(job_ids=[job.pk])
    job.refresh_from_db()
    assert job.status == "done" and job.candidates.order_by("rank")[0].individual == inds[0]


def test_evaluate_without_a_method_evaluates_what_the_site_serves(edge_version):
    """``python -m dois.ml.evaluate DATASET`` (no ``--method``) runs the served method with
    the shipped segmenter: the same method string as the site's active version."""
    from django.conf import settings

    from dois.ml import evaluate
    from dois.ml.edges import method_version

    assert evaluate.SERVED_METHOD == settings.DOIS_METHOD == edge_version.kind == "edge"
    assert method_version() == edge_version.name


def test_an_unknown_method_stops_start_up_with_its_name():
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=root,
                            env={**os.environ, "DOIS_METHOD": "pixels"}, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0 and "DOIS_METHOD" in result.stderr
