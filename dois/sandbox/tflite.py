"""Reading a submitted TFLite model's inputs and outputs without running it.

The web process checks an upload here: the file is parsed as a FlatBuffer with LiteRT's
generated schema (pure Python, no interpreter, no TensorFlow), so a model that would
allocate too much or loop forever costs nothing at this stage. The evaluation sandbox
(:mod:`dois.sandbox.embed`) checks the same again with the interpreter.

Accepted: exactly one input ``N x H x W x 3`` (float32, uint8 or int8; 8 to 1024 pixels
a side) and exactly one output ``N x D`` (an embedding per image; float32, uint8 or
int8; 2 to 8192 values). The value range the input expects is read from the model:

* float32 inputs take pixels scaled to ``[0, 1]`` (the project's convention, as
  :mod:`dois.ml` feeds its embedder) unless the model carries a metadata entry named
  ``dois.input_range`` whose buffer is ``"low,high"`` (e.g. ``"-1,1"`` or ``"0,255"``);
* quantized uint8/int8 inputs take that same real range through the tensor's own
  quantization (``real = scale * (q - zero_point)``);
* uint8 inputs without quantization take raw pixels ``0..255``, int8 ones ``-128..127``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from django.utils.translation import gettext as _

IDENTIFIER = b"TFL3"
RANGE_METADATA = "dois.input_range"
MIN_SIDE, MAX_SIDE = 8, 1024
MIN_DIM, MAX_DIM = 2, 8192
DTYPES = {"float32", "uint8", "int8"}
# defensive bounds on what a parser walks through (a damaged file may claim anything)
_MAX_SUBGRAPHS, _MAX_OPCODES, _MAX_METADATA, _MAX_RANK = 10_000, 100_000, 1_000, 8


class ModelRejected(ValueError):
    """The file is not an acceptable model; the message says why (translated)."""


@dataclass(frozen=True)
class ModelSpec:
    """What the evaluation needs to know about a model's input and output."""

    height: int
    width: int
    input_dtype: str
    input_range: tuple[float, float]
    input_quant: tuple[float, int] | None  # (scale, zero point) of a quantized input
    batch: int  # -1: any batch size; else the fixed batch the model was built for
    embedding_dim: int
    output_dtype: str
    output_quant: tuple[float, int] | None

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ModelSpec:
        def quant(q) -> tuple[float, int] | None:
            return (float(q[0]), int(q[1])) if q else None

        return cls(height=int(data["height"]), width=int(data["width"]),
                   input_dtype=str(data["input_dtype"]),
                   input_range=(float(data["input_range"][0]), float(data["input_range"][1])),
                   input_quant=quant(data.get("input_quant")), batch=int(data["batch"]),
                   embedding_dim=int(data["embedding_dim"]),
                   output_dtype=str(data["output_dtype"]),
                   output_quant=quant(data.get("output_quant")))

    @property
    def square(self) -> bool:
        return self.height == self.width


def _dtype_name(schema, code: int) -> str:
    for name in dir(schema.TensorType):
        if name.isupper() and getattr(schema.TensorType, name) == code:
            return name.lower()
    return f"type {code}"


def _shape(tensor) -> tuple[list[int], list[int]]:
    rank = tensor.ShapeLength()
    if rank > _MAX_RANK:
        return [0] * rank, [0] * rank
    shape = [int(tensor.Shape(i)) for i in range(rank)]
    if tensor.ShapeSignatureLength() == rank:
        signature = [int(tensor.ShapeSignature(i)) for i in range(rank)]
    else:
        signature = list(shape)
    return shape, signature


def _quant(tensor) -> tuple[float, int] | None:
    q = tensor.Quantization()
    if q is None or q.ScaleLength() != 1:
        return None
    scale = float(q.Scale(0))
    zero = int(q.ZeroPoint(0)) if q.ZeroPointLength() == 1 else 0
    if not math.isfinite(scale) or scale <= 0:
        return None
    return scale, zero


def _shown(dims: list[int]) -> str:
    return " × ".join("N" if d < 0 else str(d) for d in dims) or "()"


def _metadata(schema, model, name: str, data: bytes) -> bytes | None:
    count = model.MetadataLength()
    if count > _MAX_METADATA:
        raise ModelRejected(_("The TFLite model could not be read: its structure is "
                              "damaged."))
    for i in range(count):
        entry = model.Metadata(i)
        if (entry.Name() or b"").decode("utf-8", "replace") != name:
            continue
        index = int(entry.Buffer())
        if not 0 <= index < model.BuffersLength():
            return None
        buffer = model.Buffers(index)
        if buffer.Offset() > 1 and buffer.Size():  # stored after the FlatBuffer
            start, size = int(buffer.Offset()), int(buffer.Size())
            return bytes(data[start:start + min(size, 256)])
        if buffer.DataLength() > 256:
            return None
        return bytes(buffer.DataAsNumpy().tobytes()) if buffer.DataLength() else b""
    return None


def _input_range(raw: bytes | None) -> tuple[float, float]:
    if raw is None:
        return (0.0, 1.0)
    message = _("The model's %(key)s metadata must be two numbers “low,high” with low "
                "below high.") % {"key": RANGE_METADATA}
    try:
        low, high = (float(v) for v in raw.decode("ascii").strip().split(","))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ModelRejected(message) from exc
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ModelRejected(message)
    return (low, high)


def model_inspect(data: bytes) -> ModelSpec:
    """The spec of a TFLite model in ``data``, or :class:`ModelRejected` saying why."""
    from ai_edge_litert import schema_py_generated as schema

    if len(data) < 8 or data[4:8] != IDENTIFIER:
        raise ModelRejected(_("This is not a TFLite model: a .tflite file starts with the "
                              "identifier TFL3."))
    try:
        return _inspect(schema, data)
    except ModelRejected:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure means a damaged file
        raise ModelRejected(_("The TFLite model could not be read: its structure is "
                              "damaged.")) from exc


def _inspect(schema, data: bytes) -> ModelSpec:
    model = schema.Model.GetRootAs(data, 0)
    if not 1 <= model.SubgraphsLength() <= _MAX_SUBGRAPHS:
        raise ModelRejected(_("The TFLite model has no graph to run."))
    if model.OperatorCodesLength() > _MAX_OPCODES:
        raise ModelRejected(_("The TFLite model could not be read: its structure is "
                              "damaged."))
    for i in range(model.OperatorCodesLength()):
        custom = model.OperatorCodes(i).CustomCode()
        if custom:
            raise ModelRejected(_(
                "The model uses a custom operator (%(name)s) that the evaluation cannot "
                "run.") % {"name": custom.decode("utf-8", "replace")[:60]})
    graph = model.Subgraphs(0)
    if graph.InputsLength() != 1:
        raise ModelRejected(_(
            "The model must have exactly one input (a batch of images, N × H × W × 3); it "
            "has %(n)d.") % {"n": graph.InputsLength()})
    if graph.OutputsLength() != 1:
        raise ModelRejected(_(
            "The model must have exactly one output (one embedding per image, N × D); it "
            "has %(n)d.") % {"n": graph.OutputsLength()})
    tensor_in = graph.Tensors(graph.Inputs(0))
    tensor_out = graph.Tensors(graph.Outputs(0))
    shape, signature = _shape(tensor_in)
    if len(shape) != 4 or shape[3] != 3 or any(d < 0 for d in signature[1:]):
        raise ModelRejected(_(
            "The model's input must be N × H × W × 3 (a batch of colour images); it is "
            "%(shape)s.") % {"shape": _shown(signature)})
    height, width = shape[1], shape[2]
    if not (MIN_SIDE <= height <= MAX_SIDE and MIN_SIDE <= width <= MAX_SIDE):
        raise ModelRejected(_(
            "The model's input images must be %(min)d to %(max)d pixels a side; they are "
            "%(h)d × %(w)d.") % {"min": MIN_SIDE, "max": MAX_SIDE, "h": height, "w": width})
    in_dtype = _dtype_name(schema, tensor_in.Type())
    if in_dtype not in DTYPES:
        raise ModelRejected(_("The model's input must be float32, uint8 or int8; it is "
                              "%(dtype)s.") % {"dtype": in_dtype})
    out_shape, out_signature = _shape(tensor_out)
    if len(out_shape) != 2 or out_signature[1] < 0:
        raise ModelRejected(_(
            "The model's output must be N × D (one embedding per image); it is "
            "%(shape)s.") % {"shape": _shown(out_signature)})
    dim = out_shape[1]
    if not MIN_DIM <= dim <= MAX_DIM:
        raise ModelRejected(_("The embedding must have %(min)d to %(max)d values; it has "
                              "%(d)d.") % {"min": MIN_DIM, "max": MAX_DIM, "d": dim})
    out_dtype = _dtype_name(schema, tensor_out.Type())
    if out_dtype not in DTYPES:
        raise ModelRejected(_("The model's output must be float32, uint8 or int8; it is "
                              "%(dtype)s.") % {"dtype": out_dtype})
    batch = -1 if signature[0] < 0 else max(1, shape[0])
    if batch > 0 and out_shape[0] != batch:
        raise ModelRejected(_("The model's output must have one embedding per input image."))
    return ModelSpec(
        height=height, width=width, input_dtype=in_dtype,
        input_range=_input_range(_metadata(schema, model, RANGE_METADATA, data)),
        input_quant=_quant(tensor_in) if in_dtype != "float32" else None, batch=batch,
        embedding_dim=dim, output_dtype=out_dtype,
        output_quant=_quant(tensor_out) if out_dtype != "float32" else None)
