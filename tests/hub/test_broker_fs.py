"""The filesystem broker transport: a consumer never sees a message half written."""

import os
from pathlib import Path

import pytest
from kombu import Connection
from kombu.exceptions import ChannelError

from hub import broker_fs


def _connection(folder):
    # kombu keeps declared exchanges per process: each test uses its own queue name
    return Connection("filesystem://", transport=broker_fs.Transport, transport_options={
        "data_folder_in": str(folder), "data_folder_out": str(folder),
        "control_folder": str(folder.parent / f"{folder.name}-control"),
        "store_processed": False, "polling_interval": 0.01})


def test_a_message_appears_under_its_final_name_only_when_whole(tmp_path, monkeypatch):
    seen_while_writing = []
    real_replace = os.replace

    def replace(src, dst):
        # the moment before the rename: the message is complete, and no consumer can
        # see it yet (the folder holds no "<id>.<queue>.msg" file)
        seen_while_writing.append(sorted(p.name for p in tmp_path.iterdir()))
        assert Path(src).read_bytes().startswith(b"{")
        real_replace(src, dst)

    monkeypatch.setattr(broker_fs.os, "replace", replace)
    with _connection(tmp_path) as conn:
        queue = conn.SimpleQueue("jobs")
        queue.put({"job": 7})
        assert len(seen_while_writing) == 1
        assert not any(name.endswith(".msg") for name in seen_while_writing[0])
        assert [p.name.endswith(".jobs.msg") for p in tmp_path.iterdir()] == [True]
        message = queue.get(timeout=5)
        assert message.payload == {"job": 7}
        message.ack()
        queue.close()


def test_a_consumer_skips_a_message_still_being_written(tmp_path):
    with _connection(tmp_path) as conn:
        queue = conn.SimpleQueue("skips")
        (tmp_path / "writing-0123").write_bytes(b"")  # what a writer leaves mid-write
        with pytest.raises(queue.Empty):
            queue.get(timeout=0.2)
        queue.put({"job": 8})
        assert queue.get(timeout=5).payload == {"job": 8}
        assert (tmp_path / "writing-0123").exists()
        queue.close()


def test_a_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(broker_fs.os, "replace", broken)
    with _connection(tmp_path) as conn:
        channel = conn.default_channel
        with pytest.raises(ChannelError):
            channel._put("jobs", {"job": 9})
    assert list(tmp_path.iterdir()) == []


def test_the_project_uses_it_for_filesystem_urls_only(settings, tmp_path):
    import importlib

    from hub import celeryconfig

    url, folder = settings.CELERY_BROKER_URL, settings.CELERY_BROKER_DIR
    try:
        settings.CELERY_BROKER_DIR = tmp_path
        settings.CELERY_BROKER_URL = "filesystem://"
        assert importlib.reload(celeryconfig).broker_transport == "hub.broker_fs:Transport"
        assert (tmp_path / "queue").is_dir()
        assert celeryconfig.broker_transport_options["control_folder"] == str(
            tmp_path / "control")
        settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
        assert importlib.reload(celeryconfig).broker_transport is None  # kombu's own
    finally:
        settings.CELERY_BROKER_URL, settings.CELERY_BROKER_DIR = url, folder
        importlib.reload(celeryconfig)
