"""Health of the identification method, reported by the hub's ``/healthz``."""

from __future__ import annotations

from dois import inference


def check_model() -> tuple[bool, str]:
    """Whether the ACTIVE version's file is there and a sound ``.keras`` archive (the
    embedder, or the segmenter of the edge method).

    Reads the zip directory only (no TensorFlow in the web process); the answer is
    cached per file version. Without any version yet, checks the shipped file of the
    method the first photo will activate (``DOIS_METHOD``).
    """
    from dois.models import ModelVersion
    from dois.services.model_versions import model_version_path, served_method, shipped_model_path

    version = ModelVersion.objects.filter(is_active=True).first()
    if version is None:
        kind = served_method()
        path = shipped_model_path(kind=kind)
        label = "shipped segmenter" if kind == ModelVersion.Kind.EDGE else "shipped model"
    else:
        path, label = model_version_path(model_version=version), version.name
    ok, detail = inference.model_file_check(path)
    if not ok:
        return False, f"{label}: {detail}"
    if version is not None and version.state == ModelVersion.State.FAILED:
        return False, f"{label}: marked failed"
    return True, f"{label} ({detail})"
