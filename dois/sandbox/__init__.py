"""Run an untrusted TFLite model in a separate, limited process (see :mod:`.embed`).

:func:`sandbox_embed` is called by the leaderboard's evaluation on the ``train`` queue:
it starts ``python -I dois/sandbox/embed.py`` with a bare environment (no database URL,
no secrets, no project on ``sys.path``), in a private temporary folder holding only the
model and the prepared images, waits at most ``wall_s`` and reads back the embeddings.
Whatever the model does (allocate without bound, loop forever, crash the interpreter),
the worker only sees a :class:`SandboxFailed` with a plain reason: the limits are the
kernel's (``RLIMIT_AS``, ``RLIMIT_CPU``), the wall-time limit kills the whole process
group, and nothing the model produces is trusted (shape and values are checked here).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

SCRIPT = Path(__file__).resolve().parent / "embed.py"


@dataclass(frozen=True)
class Limits:
    """Resource limits of one evaluation process."""

    wall_s: float = 900.0
    cpu_s: int = 600
    memory_mb: int = 2048
    output_mb: int = 512  # the largest file the process may write (its embeddings)


@dataclass
class Embedded:
    vectors: np.ndarray
    ms_per_photo: float
    cpu_ms_per_photo: float
    batch: int
    modules: list[str]


class SandboxFailed(RuntimeError):
    """The model could not be evaluated. ``code`` says why (for programs and messages),
    ``detail`` is for the worker's log (the runtime's words, file names hidden)."""

    def __init__(self, code: str, detail: str = "", **params) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.params = params


def _environment(workdir: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(workdir), "TMPDIR": str(workdir),
            "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}


def _signal_code(returncode: int) -> tuple[str, str]:
    sig = -returncode
    if sig == signal.SIGXCPU:
        return "cpu_limit", "killed by SIGXCPU"
    if sig == signal.SIGKILL:
        return "killed", "killed by SIGKILL"
    try:
        name = signal.Signals(sig).name
    except ValueError:
        name = str(sig)
    return "crashed", f"killed by {name}"


def sandbox_embed(*, model: Path, images: Path, workdir: Path, spec: dict,
                  limits: Limits, batch_size: int = 16) -> Embedded:
    """Embed ``images`` (an ``N x H x W x 3`` uint8 ``.npy``) with ``model`` in a limited
    subprocess working in ``workdir``. Raises :class:`SandboxFailed`."""
    out_dir = workdir / "out"
    out_dir.mkdir(exist_ok=True)
    limits_json = json.dumps({"memory_mb": limits.memory_mb, "cpu_s": limits.cpu_s,
                              "output_mb": limits.output_mb})
    args = [sys.executable, "-I", "-B", str(SCRIPT), str(model), str(images), str(out_dir),
            json.dumps({**spec, "batch_size": batch_size}), limits_json]
    proc = subprocess.Popen(args, cwd=workdir, env=_environment(workdir),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True, close_fds=True)
    try:
        _out, err = proc.communicate(timeout=limits.wall_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _out, err = proc.communicate()
        raise SandboxFailed("wall_limit", f"still running after {limits.wall_s:g} s",
                            seconds=limits.wall_s) from None
    finally:
        if proc.poll() is None:  # pragma: no cover - interrupted while waiting
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    tail = (err or b"")[-2000:].decode("utf-8", "replace")
    if proc.returncode < 0:
        code, detail = _signal_code(proc.returncode)
        logger.warning("sandbox: %s; stderr: %s", detail, tail)
        raise SandboxFailed(code, detail, seconds=limits.cpu_s, memory_mb=limits.memory_mb)
    report = _report(out_dir / "result.json")
    if report is None:
        logger.warning("sandbox exited %s without a report; stderr: %s", proc.returncode, tail)
        raise SandboxFailed("crashed", f"exit status {proc.returncode}, no report")
    if not report.get("ok"):
        stage = str(report.get("stage", ""))
        detail = str(report.get("detail", ""))[:300]
        logger.info("sandbox: model failed at %s: %s", stage, detail)
        if stage == "memory" or (stage == "allocate" and "alloc" in detail.lower()):
            raise SandboxFailed("memory_limit", detail, memory_mb=limits.memory_mb)
        raise SandboxFailed(stage if stage in {"load", "check", "allocate", "invoke",
                                               "output"} else "crashed", detail)
    vectors = _vectors(out_dir / "embeddings.npy", spec=spec)
    return Embedded(vectors=vectors, ms_per_photo=float(report.get("ms_per_photo", 0.0)),
                    cpu_ms_per_photo=float(report.get("cpu_ms_per_photo", 0.0)),
                    batch=int(report.get("batch", 0)),
                    modules=[str(m) for m in report.get("modules", [])])


def _report(path: Path) -> dict | None:
    try:
        if path.stat().st_size > 1_000_000:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _vectors(path: Path, *, spec: dict) -> np.ndarray:
    try:
        vectors = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise SandboxFailed("output", "unreadable embeddings") from exc
    if (vectors.ndim != 2 or vectors.shape[1] != int(spec["embedding_dim"])
            or vectors.dtype != np.float32 or not np.all(np.isfinite(vectors))):
        raise SandboxFailed("output", f"embeddings of shape {vectors.shape}")
    return vectors
