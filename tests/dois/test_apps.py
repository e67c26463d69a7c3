"""The app wires the worker's signals when Django starts, not by importing tasks."""

from __future__ import annotations

import pytest
from celery.signals import worker_init, worker_process_init, worker_ready


@pytest.mark.parametrize(("signal", "uid"), [
    (worker_init, "dois.worker_init"), (worker_process_init, "dois.worker_process_init"),
    (worker_ready, "dois.worker_ready")])
def test_the_worker_signals_are_connected_once_by_the_app_config(signal, uid):
    from django.apps import apps

    apps.get_app_config("dois").ready()  # a second call connects nothing more
    keys = [lookup[0] for lookup, _receiver in signal.receivers]
    assert keys.count(uid) == 1
