"""TFLite models for the leaderboard tests, built with TensorFlow once per session.

Good ones (float32 in [0, 1], uint8 pixels, a ``dois.input_range`` of -1..1, a
non-square input) and malicious or wrong ones: an endless ``WHILE`` loop, a huge
intermediate allocation, a reshape that only works for one image at a time, the wrong
output (an image), the wrong input (grey images), two inputs. The tests here show that
the upload check reads what each model declares, and that the dangerous ones look
perfectly valid to it: only running them (in the sandbox) reveals them.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dois.sandbox.tflite import ModelRejected, model_inspect

SIZE = 32
DIM = 16


def _convert(fn, *specs) -> bytes:
    import tensorflow as tf

    module = tf.Module()
    module.fn = tf.function(fn, input_signature=list(specs))
    concrete = module.fn.get_concrete_function()
    return tf.lite.TFLiteConverter.from_concrete_functions([concrete], module).convert()


def _projection():
    import tensorflow as tf

    rng = np.random.default_rng(3)
    return tf.constant(rng.normal(size=(4 * 4 * 3, DIM)).astype(np.float32))


def _features(x):
    """4 x 4 average colours of the image, projected to DIM values (a real embedding)."""
    import tensorflow as tf

    pooled = tf.nn.avg_pool2d(x, ksize=SIZE // 4, strides=SIZE // 4, padding="VALID")
    return tf.reshape(pooled, [-1, 4 * 4 * 3]) @ _projection()


def with_metadata(data: bytes, name: str, value: bytes) -> bytes:
    """``data`` with a metadata entry ``name`` holding ``value`` (LiteRT's schema API)."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    model = schema.ModelT.InitFromPackedBuf(data, 0)
    buffer = schema.BufferT()
    buffer.data = np.frombuffer(value, np.uint8)
    model.buffers.append(buffer)
    entry = schema.MetadataT()
    entry.name, entry.buffer = name, len(model.buffers) - 1
    model.metadata = [*(model.metadata or []), entry]
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def build_models() -> dict[str, bytes]:
    import tensorflow as tf

    image = tf.TensorSpec([None, SIZE, SIZE, 3], tf.float32)
    models: dict[str, bytes] = {}
    models["good"] = _convert(_features, image)
    models["uint8"] = _convert(lambda x: _features(tf.cast(x, tf.float32) / 255.0),
                               tf.TensorSpec([None, SIZE, SIZE, 3], tf.uint8))
    models["ranged"] = with_metadata(models["good"], "dois.input_range", b"-1,1")
    models["wide"] = _convert(
        lambda x: tf.reshape(tf.nn.avg_pool2d(x, ksize=8, strides=8, padding="VALID"),
                             [-1, 3 * 5 * 3]) @ tf.ones([45, DIM]),
        tf.TensorSpec([None, 24, 40, 3], tf.float32))

    def endless(x):
        def cond(i, s):
            return tf.greater_equal(i, tf.constant(0, tf.int64))

        def body(i, s):
            return i + 1, s * 1.0000001

        _, s = tf.while_loop(cond, body, [tf.constant(0, tf.int64), _features(x)])
        return s

    models["loop"] = _convert(endless, image)

    def huge(x):
        mean = tf.reduce_mean(x, axis=[1, 2, 3])
        big = tf.tile(tf.reshape(mean, [-1, 1, 1]), [1, 30000, 30000])  # 3.6 GB an image
        return tf.reshape(tf.reduce_mean(big, axis=[1, 2]), [-1, 1]) * tf.ones([1, DIM])

    models["huge"] = _convert(huge, image)
    models["one_at_a_time"] = _convert(lambda x: tf.reshape(_features(x), [1, DIM]), image)
    models["image_out"] = _convert(lambda x: x[:, :, :, :2], image)
    models["grey_in"] = _convert(lambda x: tf.reshape(tf.reduce_mean(x, axis=[1, 2]),
                                                      [-1, 1]) * tf.ones([1, DIM]),
                                 tf.TensorSpec([None, SIZE, SIZE, 1], tf.float32))
    models["two_in"] = _convert(lambda a, b: _features(a) + _features(b), image, image)
    return models


@functools.cache
def built_models() -> dict[str, bytes]:
    """Every test model's bytes, by name (built once per test process)."""
    return build_models()


def model_upload(data: bytes, name: str = "model.tflite") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_the_check_reads_size_type_and_value_range_from_the_model():
    good = model_inspect(built_models()["good"])
    assert (good.height, good.width, good.input_dtype, good.input_range) == (
        SIZE, SIZE, "float32", (0.0, 1.0))
    assert good.embedding_dim == DIM and good.batch == -1
    assert model_inspect(built_models()["uint8"]).input_dtype == "uint8"
    assert model_inspect(built_models()["ranged"]).input_range == (-1.0, 1.0)
    wide = model_inspect(built_models()["wide"])
    assert (wide.height, wide.width, wide.square) == (24, 40, False)


def test_malicious_models_look_valid_until_they_run():
    """Nothing in the file tells an endless loop or a huge allocation: the sandbox must."""
    for name in ("loop", "huge", "one_at_a_time"):
        spec = model_inspect(built_models()[name])
        assert (spec.height, spec.width, spec.embedding_dim) == (SIZE, SIZE, DIM)


@pytest.mark.parametrize(("name", "words"), [
    ("image_out", "output must be N × D"),
    ("grey_in", "input must be N × H × W × 3"),
    ("two_in", "exactly one input"),
])
def test_wrong_shapes_are_refused_saying_why(name, words):
    with pytest.raises(ModelRejected, match=words):
        model_inspect(built_models()[name])


@pytest.mark.parametrize(("data", "words"), [
    (b"", "not a TFLite model"),
    (b"<html><script>alert(1)</script></html>", "not a TFLite model"),
    (b"PK\x03\x04" + b"\0" * 200, "not a TFLite model"),
])
def test_other_files_are_refused(data, words):
    with pytest.raises(ModelRejected, match=words):
        model_inspect(data)


def test_a_truncated_or_scrambled_model_is_refused_not_crashing():
    data = built_models()["good"]
    with pytest.raises(ModelRejected, match="could not be read|no graph"):
        model_inspect(data[: len(data) // 3])
    scrambled = bytearray(data)
    rng = np.random.default_rng(0)
    for _ in range(20):  # whatever the damage, a refusal with a reason (or a valid spec)
        trial = bytearray(scrambled)
        for pos in rng.integers(8, len(trial), 40):
            trial[pos] = int(rng.integers(0, 256))
        try:
            model_inspect(bytes(trial))
        except ModelRejected as exc:
            assert str(exc)


def test_a_malformed_input_range_is_refused():
    data = with_metadata(built_models()["good"], "dois.input_range", b"1,-1")
    with pytest.raises(ModelRejected, match="dois.input_range"):
        model_inspect(data)
