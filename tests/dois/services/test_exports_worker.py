"""A real worker writes a requested export; the page then links to it (issue 14, item 11)."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from dois import services
from dois.models import ExportRun
from tests.dois.factories import IndividualFactory, PhotoFactory, SightingFactory
from tests.support import wait_for


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_writes_the_darwin_core_archive(client, researcher, start_worker,
                                                 purge_queues):
    photo = PhotoFactory(sighting=SightingFactory(observed_at=datetime(2024, 6, 3, 2,
                                                                       tzinfo=UTC)))
    services.decision_record(photo=photo, action="confirm",
                             individual=IndividualFactory(code="PRE-0042"),
                             actor=researcher)
    start_worker(queues="default", name="exports")
    client.force_login(researcher)
    response = client.post(reverse("dois:exports"), {"kind": "dwca", "occasion": "day"})
    assert response.status_code == 302
    run = wait_for(lambda: ExportRun.objects.filter(status="done").first(),
                   what="export written")
    page = client.get(reverse("dois:exports")).content.decode()
    url = reverse("dois:export_download", kwargs={"pk": run.pk})
    assert f'href="{url}"' in page
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert sorted(names) == ["eml.xml", "meta.xml", "multimedia.txt", "occurrence.txt"]
