"""Model files published to the media store and fetched by other hosts (issue 18), on the
S3 emulator (moto's server, started by scripts/with_services.py) and on the filesystem."""

from __future__ import annotations

import os

import pytest

from dois.model_files import model_file_is_stored, model_file_local, model_files_publish


def _model(folder, stem="fin-embedder-run7"):
    folder.mkdir(parents=True, exist_ok=True)
    keras = folder / f"{stem}.keras"
    keras.write_bytes(b"PK\x03\x04 keras archive " + os.urandom(64))
    keras.with_suffix(".json").write_text('{"name": "fin-embedder"}')
    keras.with_suffix(".tflite").write_bytes(b"TFL3" + os.urandom(32))
    return keras


def test_a_model_published_on_one_host_is_fetched_whole_by_another(settings, tmp_path, s3_bucket):
    client, bucket = s3_bucket
    settings.DOIS_MODEL_DIR = tmp_path / "trainer"
    keras = _model(tmp_path / "trainer")
    value = model_files_publish(path=keras)
    assert model_file_is_stored(value=value)
    name = value.removeprefix("storage:")
    assert name.startswith("dois/models/") and name.endswith("/fin-embedder-run7.keras")
    assert len(name.split("/")[2]) >= 16  # an unguessable folder
    keys = {o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]}
    folder = name.rsplit("/", 1)[0]
    assert keys == {f"{folder}/fin-embedder-run7{s}" for s in (".keras", ".json", ".tflite")}
    acl = client.get_object_acl(Bucket=bucket, Key=name)
    assert not any("AllUsers" in str(g.get("Grantee")) for g in acl["Grants"])  # private

    settings.DOIS_MODEL_DIR = tmp_path / "identify-host"  # another host, empty
    local = model_file_local(value=value)
    assert local.is_file() and local.is_relative_to(tmp_path / "identify-host")
    for suffix in (".keras", ".json", ".tflite"):
        assert local.with_suffix(suffix).read_bytes() == keras.with_suffix(suffix).read_bytes()
    # a second call reads the cache, even with the store gone
    client.delete_object(Bucket=bucket, Key=name)
    assert model_file_local(value=value) == local and local.is_file()


def test_a_model_the_store_no_longer_has_is_a_missing_file_not_an_exception(
        settings, tmp_path, s3_bucket, caplog):
    settings.DOIS_MODEL_DIR = tmp_path / "host"
    local = model_file_local(value="storage:dois/models/abcdefghijklmnopqrstuv/gone.keras")
    assert not local.exists()
    assert not list((tmp_path / "host").rglob(".fetch-*"))  # no partial file left
    assert "could not be fetched" in caplog.text


@pytest.mark.parametrize("value", [
    "storage:../etc/passwd", "storage:dois/models/../../x.keras", "storage:/abs.keras",
    "storage:dois/originals/x/photo.jpg"])
def test_only_names_under_the_models_folder_are_fetched(settings, tmp_path, value):
    settings.DOIS_MODEL_DIR = tmp_path
    with pytest.raises(ValueError):
        model_file_local(value=value)


def test_publishing_works_on_the_filesystem_store_too(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DOIS_MODEL_DIR = tmp_path / "other"
    value = model_files_publish(path=_model(tmp_path / "trained"))
    stored = tmp_path / "media" / value.removeprefix("storage:")
    assert stored.is_file() and stored.with_suffix(".json").is_file()
    assert model_file_local(value=value).read_bytes() == stored.read_bytes()


def test_a_missing_model_file_is_refused_before_anything_is_stored(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with pytest.raises(FileNotFoundError):
        model_files_publish(path=tmp_path / "none.keras")
    assert not (tmp_path / "media").exists() or not list((tmp_path / "media").rglob("*.*"))
