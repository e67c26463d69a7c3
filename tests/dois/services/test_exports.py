"""Exports researchers can use (issue 14, item 11): capture histories by date range and
occasion length, the exact sightings CSV for researchers only, a Darwin Core Archive
checked against the DwC text schema, and exports made by a task."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from lxml import etree

from dois import exports, exports_dwca, services
from dois.models import ExportRun
from tests.dois.factories import IndividualFactory, PhotoFactory, SightingFactory, UserFactory

pytestmark = pytest.mark.django_db
XSD = Path(__file__).resolve().parents[1] / "data" / "tdwg_dwc_text.xsd"


def seen(researcher, individual, when: datetime, trip="Boat A", public=True, **kwargs):
    sighting = SightingFactory(observed_at=when, trip=trip, **kwargs)
    photo = PhotoFactory(sighting=sighting, is_public=public)
    services.decision_record(photo=photo, action="confirm", individual=individual,
                             actor=researcher)
    return photo


def at(day: int, month: int = 6, hour: int = 2) -> datetime:
    return datetime(2024, month, day, hour, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
def survey(researcher):
    a, b = IndividualFactory(code="PRE-0001"), IndividualFactory(code="PRE-0002")
    seen(researcher, a, at(3), trip="Boat A")
    seen(researcher, b, at(4), trip="boat  a")  # the same trip, the next day
    seen(researcher, a, at(10), trip="Boat A")  # a week later: another trip
    seen(researcher, b, at(11), trip="")  # no trip name: its own day
    seen(researcher, a, at(2, month=7), trip="Boat B")
    return a, b


@pytest.mark.parametrize("occasion, labels, history_a", [
    ("day", ["2024-06-03", "2024-06-04", "2024-06-10", "2024-06-11", "2024-07-02"],
     [1, 0, 1, 0, 1]),
    ("week", ["2024-W23", "2024-W24", "2024-W27"], [1, 1, 1]),
    ("month", ["2024-06", "2024-07"], [1, 1]),
    ("trip", ["Boat A 2024-06-03..2024-06-04", "Boat A 2024-06-10", "2024-06-11",
              "Boat B 2024-07-02"], [1, 1, 0, 1]),
])
def test_capture_history_occasion_lengths(survey, occasion, labels, history_a):
    occasions, rows = exports.capture_history(occasion=occasion)
    assert [o.label for o in occasions] == labels
    assert rows[0][0].code == "PRE-0001" and rows[0][1] == history_a


def test_capture_history_date_range(survey):
    occasions, rows = exports.capture_history(start=date(2024, 6, 4), end=date(2024, 6, 30),
                                              occasion="week")
    assert [o.label for o in occasions] == ["2024-W23", "2024-W24"]
    assert {ind.code: h for ind, h in rows} == {"PRE-0001": [0, 1], "PRE-0002": [1, 1]}
    with pytest.raises(ValueError):
        exports.capture_history(occasion="fortnight")


def test_capture_history_downloads_take_the_range_and_occasion(client, researcher, survey):
    client.force_login(researcher)
    response = client.get(reverse("dois:export_capture_csv"),
                          {"start": "2024-07-01", "occasion": "month"})
    rows = list(csv.reader(response.content.decode().splitlines()))
    assert rows[0] == ["individual", "nickname", "2024-07"] and len(rows) == 2
    page = client.get(reverse("dois:exports"), {"occasion": "trip"}).content.decode()
    assert "Boat A 2024-06-03..2024-06-04" in page


def test_sightings_csv_has_exact_coordinates(researcher, survey):
    SightingFactory(observed_at=at(20), latitude=22.123456, longitude=113.654321)
    rows = list(csv.DictReader(io.StringIO(exports.sightings_csv(start=date(2024, 6, 11)))))
    assert [r["date"] for r in rows] == ["2024-06-11", "2024-06-20", "2024-07-02"]
    assert rows[1]["latitude"] == "22.123456" and rows[1]["longitude"] == "113.654321"
    assert rows[0]["individuals"] == "PRE-0002" and rows[0]["photos"] == "1"


def test_only_researchers_who_see_exact_places_get_the_sightings_csv(researcher, volunteer):
    exporter = UserFactory(username="exporter")
    exporter.user_permissions.add(Permission.objects.get(codename="export_data"))
    exporter = type(exporter).objects.get(pk=exporter.pk)  # fresh permission cache
    assert services.export_allowed(actor=researcher, kind="sightings_csv")
    assert services.export_allowed(actor=exporter, kind="capture_csv")
    assert not services.export_allowed(actor=exporter, kind="sightings_csv")
    assert not services.export_allowed(actor=volunteer, kind="capture_csv")
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.export_run_request(actor=exporter, kind="sightings_csv")


# --- Darwin Core Archive -------------------------------------------------------------------

def _archive(**kwargs) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(exports_dwca.dwca_zip(**kwargs))) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _table(data: bytes) -> list[list[str]]:
    return [line.split("\t") for line in data.decode("utf-8").rstrip("\n").split("\n")]


def test_the_darwin_core_archive_is_valid_and_public(researcher, settings):
    settings.SITE_URL = "https://hub.example.org"
    pearl = IndividualFactory(code="PRE-0042", nickname="Pearl")
    shown = seen(researcher, pearl, at(3), latitude=22.23456, longitude=113.76543,
                 area="Lingding Bay")
    hidden = seen(researcher, IndividualFactory(code="PRE-0043"), at(4), public=False)
    PhotoFactory()  # waiting for review: not an occurrence
    files = _archive()
    assert set(files) == {"meta.xml", "eml.xml", "occurrence.txt", "multimedia.txt"}

    # meta.xml against the DwC text guide's schema (offline)
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    meta = etree.fromstring(files["meta.xml"])
    schema.assertValid(meta)
    ns = {"a": "http://rs.tdwg.org/dwc/text/"}
    core = meta.find("a:core", ns)
    extension = meta.find("a:extension", ns)
    assert core.get("rowType") == "http://rs.tdwg.org/dwc/terms/Occurrence"
    assert extension.get("rowType") == "http://rs.gbif.org/terms/1.0/Multimedia"
    assert meta.get("metadata") == "eml.xml"

    # each file matches its descriptor: header names the terms at their indices
    for element, name in ((core, "occurrence.txt"), (extension, "multimedia.txt")):
        assert element.find("a:files/a:location", ns).text == name
        table = _table(files[name])
        header, body = table[0], table[1:]
        assert all(len(row) == len(header) for row in body)
        for field in element.findall("a:field", ns):
            term = field.get("term")
            assert term.startswith(("http://rs.tdwg.org/dwc/terms/", "http://purl.org/dc/terms/"))
            assert header[int(field.get("index"))] == term.rsplit("/", 1)[1]
        assert element.get("fieldsTerminatedBy") == "\\t"

    occurrences = [dict(zip(_table(files["occurrence.txt"])[0], row, strict=True))
                   for row in _table(files["occurrence.txt"])[1:]]
    assert len(occurrences) == 1  # the private photo's occurrence is not published
    occ = occurrences[0]
    assert occ["organismID"] == "PRE-0042" and occ["scientificName"].startswith("Sousa chinensis")
    assert occ["basisOfRecord"] == "HumanObservation" and occ["locality"] == "Lingding Bay"
    assert occ["occurrenceID"].startswith("https://hub.example.org/en/dois/individuals/PRE-0042/")
    lat, lon = float(occ["decimalLatitude"]), float(occ["decimalLongitude"])
    assert (lat, lon) != (22.23456, 113.76543)
    assert abs(lat - 22.23456) < 0.1 and abs(lon - 113.76543) < 0.1
    assert int(occ["coordinateUncertaintyInMeters"]) >= settings.DOIS_PUBLIC_ROUNDING_KM * 700
    assert "rounded" in occ["dataGeneralizations"] and occ["informationWithheld"]
    assert occ["license"] == "http://creativecommons.org/licenses/by/4.0/legalcode"
    assert occ["rightsHolder"]
    media = [dict(zip(_table(files["multimedia.txt"])[0], row, strict=True))
             for row in _table(files["multimedia.txt"])[1:]]
    assert [m["coreid"] for m in media] == [occ["occurrenceID"]]
    assert media[0]["identifier"] == (
        f"https://hub.example.org/en/dois/photos/{shown.pk}/crop.jpg")
    assert media[0]["type"] == "StillImage" and media[0]["license"] == occ["license"]
    assert f"/photos/{hidden.pk}/crop.jpg" not in files["multimedia.txt"].decode()
    # no exact coordinates anywhere, no person's name
    everything = b"".join(files.values()).decode()
    assert "22.23456" not in everything and "113.76543" not in everything
    assert str(researcher) not in everything

    eml = etree.fromstring(files["eml.xml"])
    assert eml.find("dataset/title") is not None
    assert "creativecommons.org/licenses/by/4.0" in etree.tostring(
        eml.find("dataset/intellectualRights")).decode()


def test_the_archive_licence_comes_from_the_settings(researcher, settings):
    settings.DOIS_DATA_LICENSE = "http://creativecommons.org/publicdomain/zero/1.0/legalcode"
    settings.DOIS_RIGHTS_HOLDER = "Pearl River Estuary reserve"
    seen(researcher, IndividualFactory(), at(3))
    occ = _table(_archive()["occurrence.txt"])
    row = dict(zip(occ[0], occ[1], strict=True))
    assert row["license"].endswith("/zero/1.0/legalcode")
    assert row["rightsHolder"] == "Pearl River Estuary reserve"


# --- runs: requested on the page, written by a task, downloaded through a check -----------

def test_an_export_is_queued_not_made_in_the_request(client, researcher, survey,
                                                      django_capture_on_commit_callbacks,
                                                      _no_broker):
    client.force_login(researcher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dois:exports"), {
            "kind": "dwca", "start": "2024-06-01", "end": "2024-06-30", "occasion": "day"})
    assert response.status_code == 302
    run = ExportRun.objects.get()
    assert run.status == "queued" and not run.file
    assert run.params == {"start": "2024-06-01", "end": "2024-06-30"}
    assert ("dois.tasks.export_run", [run.pk], "default") in _no_broker
    # the dataset too: a POST queues it
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dois:export_dataset"))
    assert ExportRun.objects.filter(kind="dataset", status="queued").exists()
    assert client.get(reverse("dois:export_dataset")).status_code == 405
    # not ready: no file yet
    assert client.get(reverse("dois:export_download", kwargs={"pk": run.pk})).status_code \
        == 404


def test_a_run_is_written_once_and_downloaded_with_the_permission_check(
        client, researcher, volunteer, survey):
    run = services.export_run_request(actor=researcher, kind="sightings_csv")
    run = services.export_run_execute(run_id=run.pk)
    assert run.status == "done" and run.size > 0
    name = run.file.name
    assert services.export_run_execute(run_id=run.pk).file.name == name  # twice
    url = reverse("dois:export_download", kwargs={"pk": run.pk})
    client.force_login(researcher)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "sightings-exact.csv" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"latitude" in body
    page = client.get(reverse("dois:exports")).content.decode()
    assert f'href="{url}"' in page
    client.force_login(volunteer)
    assert client.get(url).status_code == 403
    assert not name.endswith("sightings-exact.csv")  # stored under an unguessable name


def test_a_failing_export_says_so_without_details(researcher, monkeypatch):
    def broken(**kwargs):
        raise OSError("/srv/secret/path is full")

    monkeypatch.setattr(exports_dwca, "dwca_zip", broken)
    run = services.export_run_request(actor=researcher, kind="dwca")
    run = services.export_run_execute(run_id=run.pk)
    assert run.status == "failed" and "secret" not in run.error and "OSError" in run.error


def test_the_export_form_refuses_a_reversed_range(client, researcher):
    client.force_login(researcher)
    response = client.post(reverse("dois:exports"), {
        "kind": "capture_csv", "start": "2024-07-01", "end": "2024-06-01",
        "occasion": "day"})
    assert response.status_code == 400 and not ExportRun.objects.exists()
    assert "before the start date" in response.content.decode()
