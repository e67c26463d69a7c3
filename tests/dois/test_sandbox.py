"""The evaluation sandbox: a separate, limited process that only runs the interpreter.

Malicious models (an endless WHILE loop, a huge allocation) and broken ones fail with a
reason while this process carries on; a good model's embeddings are exactly what the
interpreter gives for inputs in the model's own type and value range.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from dois.sandbox import Limits, SandboxFailed, sandbox_embed
from dois.sandbox.tflite import model_inspect
from tests.dois.services.test_leaderboard_models import DIM, SIZE, built_models

GENEROUS = Limits(wall_s=120, cpu_s=60, memory_mb=1024)


def _images(n: int = 20, height: int = SIZE, width: int = SIZE) -> np.ndarray:
    return np.random.default_rng(1).integers(0, 256, (n, height, width, 3), dtype=np.uint8)


def _run(tmp_path: Path, data: bytes, images: np.ndarray, limits: Limits = GENEROUS,
         **kwargs):
    (tmp_path / "model.tflite").write_bytes(data)
    np.save(tmp_path / "images.npy", images)
    return sandbox_embed(model=tmp_path / "model.tflite", images=tmp_path / "images.npy",
                         workdir=tmp_path, spec=model_inspect(data).as_dict(), limits=limits,
                         **kwargs)


def _direct(data: bytes, batch: np.ndarray) -> np.ndarray:
    """The model's output for ``batch`` (already in its input type), in this process."""
    from ai_edge_litert.interpreter import Interpreter

    interp = Interpreter(model_content=data, num_threads=1)
    inp = interp.get_input_details()[0]
    interp.resize_tensor_input(inp["index"], list(batch.shape))
    interp.allocate_tensors()
    interp.set_tensor(inp["index"], batch)
    interp.invoke()
    return np.array(interp.get_tensor(interp.get_output_details()[0]["index"]))


def test_a_good_model_embeds_in_a_process_without_tensorflow_or_django(tmp_path):
    images = _images(21)  # not a multiple of the batch: the last batch is padded
    result = _run(tmp_path, built_models()["good"], images, batch_size=8)
    assert result.vectors.shape == (21, DIM) and result.vectors.dtype == np.float32
    expected = _direct(built_models()["good"], images.astype(np.float32) / 255.0)
    np.testing.assert_allclose(result.vectors, expected, rtol=1e-4, atol=1e-5)
    assert result.ms_per_photo > 0 and result.batch == 8
    assert "ai_edge_litert" in result.modules and "numpy" in result.modules
    for forbidden in ("tensorflow", "keras", "django", "dois", "hub", "psycopg", "redis",
                      "celery"):
        assert forbidden not in result.modules


def test_inputs_follow_the_models_type_and_declared_range(tmp_path):
    images = _images(6)
    (tmp_path / "a").mkdir()
    uint8 = _run(tmp_path / "a", built_models()["uint8"], images)
    np.testing.assert_allclose(uint8.vectors, _direct(built_models()["uint8"], images),
                               rtol=1e-4, atol=1e-5)
    (tmp_path / "b").mkdir()
    ranged = _run(tmp_path / "b", built_models()["ranged"], images)
    minus_one_to_one = images.astype(np.float32) / 255.0 * 2.0 - 1.0
    np.testing.assert_allclose(ranged.vectors, _direct(built_models()["good"], minus_one_to_one),
                               rtol=1e-4, atol=1e-4)


def test_an_endless_loop_is_stopped_by_the_cpu_limit(tmp_path):
    started = time.monotonic()
    with pytest.raises(SandboxFailed) as failure:
        _run(tmp_path, built_models()["loop"], _images(4),
             limits=Limits(wall_s=120, cpu_s=2, memory_mb=1024))
    assert failure.value.code == "cpu_limit"
    assert time.monotonic() - started < 60


def test_a_model_that_outlives_the_wall_time_is_killed_with_its_process_group(
        tmp_path):
    started = time.monotonic()
    with pytest.raises(SandboxFailed) as failure:
        _run(tmp_path, built_models()["loop"], _images(4),
             limits=Limits(wall_s=3, cpu_s=600, memory_mb=1024))
    assert failure.value.code == "wall_limit"
    assert time.monotonic() - started < 30
    # no sandbox process is left running
    time.sleep(0.5)
    leftovers = [pid for pid in os.listdir("/proc") if pid.isdigit()
                 and _cmdline(pid).count(str(tmp_path / "model.tflite"))]
    assert leftovers == []


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_a_huge_allocation_fails_within_the_memory_limit(tmp_path):
    with pytest.raises(SandboxFailed) as failure:
        _run(tmp_path, built_models()["huge"], _images(4),
             limits=Limits(wall_s=60, cpu_s=30, memory_mb=512))
    assert failure.value.code in {"allocate", "memory_limit", "killed"}


def test_a_model_that_breaks_for_a_batch_fails_with_the_interpreters_reason(
        tmp_path):
    with pytest.raises(SandboxFailed) as failure:
        _run(tmp_path, built_models()["one_at_a_time"], _images(4))
    assert failure.value.code in {"allocate", "invoke"}
    assert str(tmp_path) not in failure.value.detail  # no server paths in the reason


def test_a_fixed_batch_model_is_fed_its_own_batch_size(tmp_path):
    import tensorflow as tf

    from tests.dois.services.test_leaderboard_models import _convert, _features

    data = _convert(_features, tf.TensorSpec([4, SIZE, SIZE, 3], tf.float32))
    assert model_inspect(data).batch == 4
    images = _images(10)
    result = _run(tmp_path, data, images)
    assert result.batch == 4 and result.vectors.shape == (10, DIM)
    np.testing.assert_allclose(result.vectors[:4],
                               _direct(data, images[:4].astype(np.float32) / 255.0),
                               rtol=1e-4, atol=1e-5)


def test_a_file_that_is_not_a_model_fails_at_load(tmp_path):
    (tmp_path / "model.tflite").write_bytes(b"\0\0\0\0TFL3" + b"\xff" * 64)
    np.save(tmp_path / "images.npy", _images(2))
    spec = {"height": SIZE, "width": SIZE, "input_dtype": "float32", "input_range": [0, 1],
            "input_quant": None, "batch": -1, "embedding_dim": DIM,
            "output_dtype": "float32", "output_quant": None}
    with pytest.raises(SandboxFailed) as failure:
        sandbox_embed(model=tmp_path / "model.tflite", images=tmp_path / "images.npy",
                      workdir=tmp_path, spec=spec, limits=GENEROUS)
    assert failure.value.code in {"load", "crashed"}
