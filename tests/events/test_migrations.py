"""Migration 0004: existing materials keep their stored file and get a download name."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("events", "0003_meetups_complete")]


AFTER = [("events", "0004_private_files_and_public_querysets")]


@pytest.mark.django_db(transaction=True)
def test_existing_materials_keep_their_file_and_get_a_download_name():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    now = timezone.now()
    event = old.get_model("events", "Event").objects.create(
        slug="old", title="Old", starts_at=now, ends_at=now, status="published")
    material = old.get_model("events", "Material").objects.create(
        event=event, title="Deck", kind="slides", file=f"events/{event.pk}/materials/deck.pdf")
    link = old.get_model("events", "Material").objects.create(
        event=event, title="Link", kind="slides", url="https://example.org")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("events", "Material")
    migrated = new.objects.get(pk=material.pk)
    assert migrated.file.name == f"events/{event.pk}/materials/deck.pdf"
    assert migrated.filename == "deck.pdf"
    assert new.objects.get(pk=link.pk).filename == ""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
