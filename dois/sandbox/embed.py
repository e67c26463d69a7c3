"""Embed prepared images with ONE untrusted TFLite model, inside resource limits.

Run as a separate process by :func:`dois.sandbox.sandbox_embed`::

    python -I embed.py MODEL IMAGES_NPY OUT_DIR SPEC_JSON LIMITS_JSON

This file imports the standard library, NumPy and LiteRT's interpreter, nothing else:
no Django, no project module, no TensorFlow. It gets no credentials (the parent passes
a bare environment), works in a private temporary folder, and sees only the model and
the prepared image array (``N x H x W x 3`` uint8, the evaluation photos at the model's
input size; no labels). It first limits its own address space (``RLIMIT_AS``), CPU time
(``RLIMIT_CPU``), file sizes and open files; the parent also kills it after a wall-time
limit. It writes ``embeddings.npy`` (``N x D`` float32) and ``result.json``; on a
failure it writes ``result.json`` with the stage that failed and returns 1. A model that
exhausts a limit is killed by the kernel (the parent reads the signal).
"""

import json
import os
import resource
import sys
import time

STAGES = ("load", "check", "allocate", "invoke", "output")


def _limit(kind: int, soft: int, hard: int | None = None) -> None:
    hard = soft if hard is None else hard
    current = resource.getrlimit(kind)[1]
    if current != resource.RLIM_INFINITY:
        soft, hard = min(soft, current), min(hard, current)
    resource.setrlimit(kind, (soft, hard))


def limits_apply(limits: dict) -> None:
    """Bound this process before anything of the model is read."""
    memory = int(limits["memory_mb"]) * 2**20
    cpu = int(limits["cpu_s"])
    _limit(resource.RLIMIT_AS, memory)
    _limit(resource.RLIMIT_CPU, cpu, cpu + 5)  # SIGXCPU at the soft limit, KILL later
    _limit(resource.RLIMIT_FSIZE, int(limits["output_mb"]) * 2**20)
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_NOFILE, 256)


class Failed(Exception):
    def __init__(self, stage: str, detail: str) -> None:
        super().__init__(detail)
        self.stage = stage
        self.detail = detail


def _short(exc: BaseException, *hide: str) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    for value in hide:
        if value:
            text = text.replace(value, "<file>")
    return " ".join(text.split())[:300]


def to_input(np, pixels, spec: dict):
    """uint8 pixels to the model's input dtype and value range (see dois.sandbox.tflite)."""
    low, high = spec["input_range"]
    real = pixels.astype(np.float32) * np.float32((high - low) / 255.0) + np.float32(low)
    dtype = spec["input_dtype"]
    if dtype == "float32":
        return real
    bounds = {"uint8": (0, 255), "int8": (-128, 127)}[dtype]
    quant = spec.get("input_quant")
    if quant:
        scale, zero = quant
        q = np.round(real / np.float32(scale)) + zero
    else:
        q = pixels.astype(np.int16) - (128 if dtype == "int8" else 0)
    return np.clip(q, *bounds).astype(dtype)


def from_output(np, values, spec: dict):
    quant = spec.get("output_quant")
    out = values.astype(np.float32)
    if spec["output_dtype"] != "float32" and quant:
        out = (out - np.float32(quant[1])) * np.float32(quant[0])
    return out


def run(model_path: str, images_path: str, out_dir: str, spec: dict) -> dict:
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter

    hide = (os.path.dirname(os.path.abspath(model_path)), model_path)
    try:
        interp = Interpreter(model_path=model_path, num_threads=1)
    except Exception as exc:  # noqa: BLE001 - whatever the runtime raises
        raise Failed("load", _short(exc, *hide)) from exc
    inputs, outputs = interp.get_input_details(), interp.get_output_details()
    if len(inputs) != 1 or len(outputs) != 1:
        raise Failed("check", f"{len(inputs)} inputs and {len(outputs)} outputs")
    inp, out = inputs[0], outputs[0]
    height, width = int(spec["height"]), int(spec["width"])
    if list(inp["shape"][1:]) != [height, width, 3]:
        raise Failed("check", f"input shape {list(inp['shape'])}")
    images = np.load(images_path, mmap_mode="r", allow_pickle=False)
    count = len(images)
    fixed = int(spec["batch"])
    batch = fixed if fixed > 0 else min(int(spec.get("batch_size", 16)), max(1, count))
    try:
        if fixed <= 0 and int(inp["shape"][0]) != batch:
            interp.resize_tensor_input(inp["index"], [batch, height, width, 3], strict=False)
        interp.allocate_tensors()
    except Exception as exc:  # noqa: BLE001
        raise Failed("allocate", _short(exc, *hide)) from exc
    dim = int(spec["embedding_dim"])
    vectors = np.zeros((count, dim), np.float32)
    wall = cpu = 0.0
    for start in range(0, count, batch):
        part = np.asarray(images[start:start + batch])
        n = len(part)
        if n < batch:  # the last, short batch: pad with grey images
            pad = np.full((batch - n, height, width, 3), 127, np.uint8)
            part = np.concatenate([part, pad])
        try:
            interp.set_tensor(inp["index"], to_input(np, part, spec))
            t0, c0 = time.perf_counter(), time.process_time()
            interp.invoke()
            wall += time.perf_counter() - t0
            cpu += time.process_time() - c0
            result = np.array(interp.get_tensor(out["index"]))
        except Exception as exc:  # noqa: BLE001
            raise Failed("invoke", _short(exc, *hide)) from exc
        if result.ndim != 2 or result.shape[0] != batch or result.shape[1] != dim:
            raise Failed("output", f"output shape {list(result.shape)} for {batch} images")
        result = from_output(np, result, spec)[:n]
        if not np.all(np.isfinite(result)):
            raise Failed("output", "the embeddings hold NaN or infinite values")
        vectors[start:start + n] = result
    np.save(os.path.join(out_dir, "embeddings.npy"), vectors, allow_pickle=False)
    return {"ok": True, "count": count, "dim": dim, "batch": batch,
            "ms_per_photo": 1000.0 * wall / max(1, count),
            "cpu_ms_per_photo": 1000.0 * cpu / max(1, count),
            "modules": sorted({m.split(".")[0] for m in sys.modules})}


def main(argv: list[str]) -> int:
    model_path, images_path, out_dir, spec_json, limits_json = argv[1:6]
    limits_apply(json.loads(limits_json))
    report_path = os.path.join(out_dir, "result.json")
    try:
        report = run(model_path, images_path, out_dir, json.loads(spec_json))
        code = 0
    except Failed as exc:
        report, code = {"ok": False, "stage": exc.stage, "detail": exc.detail}, 1
    except MemoryError:
        report, code = {"ok": False, "stage": "memory", "detail": "MemoryError"}, 1
    with open(report_path, "w", encoding="utf-8") as fh:
        json.dump(report, fh)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
