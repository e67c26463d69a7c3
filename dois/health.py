"""Health of the identification model, reported by the hub's ``/healthz``."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from dois import inference


def check_model() -> tuple[bool, str]:
    """Whether the ACTIVE model version's file is there and a sound ``.keras`` archive.

    Reads the zip directory only (no TensorFlow in the web process); the answer is
    cached per file version. Without any version yet, checks the shipped model that
    the first photo will activate.
    """
    from dois.models import ModelVersion
    from dois.services_identification import model_version_path

    version = ModelVersion.objects.filter(is_active=True).first()
    if version is None:
        path, label = Path(settings.DOIS_MODEL_PATH), "shipped model"
    else:
        path, label = model_version_path(model_version=version), version.name
    ok, detail = inference.model_file_check(path)
    if not ok:
        return False, f"{label}: {detail}"
    if version is not None and version.state == ModelVersion.State.FAILED:
        return False, f"{label}: marked failed"
    return True, f"{label} ({detail})"
