"""Health of the identification model, reported by the hub's ``/healthz``."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def check_model() -> tuple[bool, str]:
    """Whether the model file the workers will load is there and readable."""
    path = Path(settings.DOIS_MODEL_PATH)
    if not path.is_file():
        return False, f"model file missing: {path}"
    try:
        with path.open("rb") as fh:
            fh.read(16)
    except OSError as exc:
        return False, f"model file unreadable: {exc}"
    return True, path.name
