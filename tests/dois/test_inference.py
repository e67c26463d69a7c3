"""dois.inference without a model run: threads per worker process, the model file
check that reads no TensorFlow."""

from __future__ import annotations

import pytest

from dois import inference

pytestmark = pytest.mark.django_db


def test_threads_fit_the_cores_of_the_worker_processes():
    assert inference.thread_count(configured=0, concurrency=2, cores=8) == 4
    assert inference.thread_count(configured=0, concurrency=4, cores=2) == 1
    assert inference.thread_count(configured=3, concurrency=4, cores=2) == 3


def test_model_file_check_reads_no_tensorflow(tiny_model_path, tmp_path):
    assert inference.model_file_check(tiny_model_path) == (True, "tiny.keras")
    text = tmp_path / "x.keras"
    text.write_text("hello")
    ok, detail = inference.model_file_check(text)
    assert not ok and "not a .keras archive" in detail
