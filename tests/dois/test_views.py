from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image

from dois import services
from dois.models import Decision, Photo
from tests.dois.factories import (
    IndividualFactory,
    PhotoFactory,
    SightingFactory,
    broken_upload,
    exif_with_gps,
    image_bytes,
    upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(researcher):
    ind = IndividualFactory(code="PRE-0007", nickname="Pearl")
    photo = PhotoFactory(sighting=SightingFactory(latitude=22.23456, longitude=113.76543))
    services.decision_record(photo=photo, action="confirm", individual=ind,
                             decided_by=researcher)
    queued = PhotoFactory()
    return ind, photo, queued


def login(client, user):
    if user is not None:
        client.force_login(user)


ROLES = ["anonymous", "volunteer", "organiser", "researcher"]


@pytest.fixture
def as_role(request, client, volunteer, organiser_only, researcher):
    users = {"anonymous": None, "volunteer": volunteer, "organiser": organiser_only,
             "researcher": researcher}
    login(client, users[request.param])
    return request.param


# name, kwargs(callable), expected status per role (anonymous, volunteer, organiser, researcher)
PAGES = [
    ("dois:catalogue", {}, (200, 200, 200, 200)),
    ("dois:individual", {"code": "PRE-0007"}, (200, 200, 200, 200)),
    ("dois:submit", {}, (302, 200, 403, 200)),
    ("dois:mine", {}, (302, 200, 200, 200)),
    ("dois:review_queue", {}, (403, 403, 403, 200)),
    ("dois:exports", {}, (403, 403, 403, 200)),
    ("dois:export_capture_csv", {}, (403, 403, 403, 200)),
    ("dois:export_capture_inp", {}, (403, 403, 403, 200)),
]


@pytest.mark.parametrize("as_role", ROLES, indirect=True)
@pytest.mark.parametrize("name, kwargs, expected", PAGES)
def test_page_permissions(client, catalogue, as_role, name, kwargs, expected):
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == expected[ROLES.index(as_role)]


@pytest.mark.parametrize("as_role", ROLES, indirect=True)
def test_review_page_and_original_permissions(client, catalogue, as_role):
    _, photo, queued = catalogue
    expected = 200 if as_role == "researcher" else 403
    assert client.get(reverse("dois:review", kwargs={"pk": queued.pk})).status_code == expected
    original = client.get(reverse("dois:photo_original", kwargs={"pk": photo.pk}))
    assert original.status_code == expected


@pytest.mark.parametrize("as_role", ROLES, indirect=True)
def test_decide_permissions(client, catalogue, as_role):
    _, _, queued = catalogue
    response = client.post(reverse("dois:review", kwargs={"pk": queued.pk}),
                           {"action": "unusable"})
    queued.refresh_from_db()
    if as_role == "researcher":
        assert response.status_code == 302 and queued.state == Photo.State.UNUSABLE
    else:
        assert response.status_code == 403 and queued.state == Photo.State.SUBMITTED


@pytest.mark.parametrize("as_role", ROLES, indirect=True)
def test_merge_permissions(client, catalogue, as_role):
    other = IndividualFactory()
    response = client.post(reverse("dois:individual_merge", kwargs={"code": other.code}),
                           {"target": "PRE-0007", "confirm": "yes"})
    other.refresh_from_db()
    if as_role == "researcher":
        assert response.status_code == 302 and other.merged_into.code == "PRE-0007"
    else:
        assert response.status_code == 403 and other.merged_into is None


@pytest.mark.parametrize("as_role", ROLES, indirect=True)
def test_images_public_only_for_gallery(client, catalogue, as_role):
    _, photo, queued = catalogue
    assert client.get(reverse("dois:photo_image", kwargs={"pk": photo.pk, "kind": "crop"})
                      ).status_code == 200
    status = client.get(reverse("dois:photo_image",
                                kwargs={"pk": queued.pk, "kind": "crop"})).status_code
    assert status == (200 if as_role == "researcher" else 404)


def test_merged_individual_redirects(client, researcher):
    survivor, merged = IndividualFactory(), IndividualFactory()
    services.individual_merge(source=merged, target=survivor, user=researcher)
    response = client.get(merged.get_absolute_url())
    assert response.status_code == 302 and response["Location"] == survivor.get_absolute_url()


def test_individual_page_rounds_for_visitors_exact_for_researchers(client, catalogue,
                                                                   researcher):
    ind, _, _ = catalogue
    page = client.get(ind.get_absolute_url()).content.decode()
    assert "22.23456" not in page and "113.76543" not in page
    assert "rounded" in page
    client.force_login(researcher)
    page = client.get(ind.get_absolute_url()).content.decode()
    assert "22.23456" in page


def test_catalogue_search_and_filter(client, catalogue):
    IndividualFactory(nickname="Moon", sex="female")
    page = client.get(reverse("dois:catalogue"), {"q": "pearl"}).content.decode()
    assert "PRE-0007" in page and "Moon" not in page
    page = client.get(reverse("dois:catalogue"), {"sex": "female"}).content.decode()
    assert "Moon" in page and "PRE-0007" not in page
    page = client.get(reverse("dois:catalogue"), {"area": "lingding"}).content.decode()
    assert "PRE-0007" in page and "Moon" not in page


def test_public_image_has_no_exif(client, volunteer, researcher):
    data = image_bytes(seed=50, exif=exif_with_gps(latitude=22.2, longitude=113.7))
    photo, _ = services.photo_submit(sighting=SightingFactory(), upload=upload(data=data),
                                     uploaded_by=volunteer)
    services.decision_record(photo=photo, action="new_individual", decided_by=researcher)
    for kind in ("crop", "thumb", "full"):
        body = client.get(reverse("dois:photo_image",
                                  kwargs={"pk": photo.pk, "kind": kind})).content
        assert not Image.open(io.BytesIO(body)).getexif()


def test_bulk_upload_reports_each_file(client, volunteer):
    client.force_login(volunteer)
    ind = IndividualFactory(code="PRE-0100")
    response = client.post(reverse("dois:submit"), {
        "sighting-observed_at": "2024-04-01T09:30", "sighting-latitude": "22.2",
        "sighting-longitude": "113.7", "sighting-area": "Lingding Bay",
        "side": "left", "guess": "PRE-0100", "is_public": "on",
        "images": [upload(seed=60, name="a.jpg"), broken_upload(name="b.jpg"),
                   upload(seed=61, name="c.jpg"), upload(data=b"hello", name="d.txt")],
        "crop-0": "0.1,0.1,0.5,0.5", "side-2": "right", "guess-2": "",
    })
    body = response.content.decode()
    assert response.status_code == 200, body
    assert "broken or truncated" in body and "not an image" in body
    photos = {p.original_name: p for p in Photo.objects.all()}
    assert set(photos) == {"a.jpg", "c.jpg"}
    assert photos["a.jpg"].side == "left" and photos["a.jpg"].proposed_individual == ind
    assert (photos["a.jpg"].crop_x, photos["a.jpg"].crop_w) == (32, 160)
    assert photos["c.jpg"].side == "right" and photos["c.jpg"].proposed_individual is None


def test_bulk_upload_form_errors(client, volunteer):
    client.force_login(volunteer)
    response = client.post(reverse("dois:submit"), {"sighting-latitude": "99"})
    assert response.status_code == 400
    assert not Photo.objects.exists()


def test_my_photos_shows_agreement(client, volunteer, researcher):
    ind = IndividualFactory()
    for seed, decided in ((70, ind), (71, None)):
        photo, _ = services.photo_submit(sighting=SightingFactory(), upload=upload(seed=seed),
                                         uploaded_by=volunteer,
                                         options=services.PhotoOptions(proposed_individual=ind))
        if decided:
            services.decision_record(photo=photo, action="confirm", individual=ind,
                                     decided_by=researcher)
        else:
            services.decision_record(photo=photo, action="new_individual",
                                     decided_by=researcher)
    client.force_login(volunteer)
    body = client.get(reverse("dois:mine")).content.decode()
    assert "agreed with your guess 1 times out of 2" in body


def test_review_shows_candidates_and_records_decision(client, researcher):
    from django.utils import timezone

    from dois.models import Candidate, IdentificationJob, ModelVersion
    ind, guess = IndividualFactory(code="PRE-0201"), IndividualFactory(code="PRE-0202")
    ref = PhotoFactory()
    services.decision_record(photo=ref, action="confirm", individual=ind,
                             decided_by=researcher)
    photo = PhotoFactory(proposed_individual=guess, state=Photo.State.IDENTIFIED)
    version = ModelVersion.objects.create(name="v1", file_path="x", embedding_dim=8,
                                          input_size=64, threshold=0.5)
    job = IdentificationJob.objects.create(photo=photo, model_version=version, status="done",
                                           finished_at=timezone.now())
    Candidate.objects.create(job=job, individual=ind, rank=1, score=0.93)
    client.force_login(researcher)
    body = client.get(reverse("dois:review", kwargs={"pk": photo.pk})).content.decode()
    candidates = body.split('id="cand-title"')[1]
    assert candidates.index("PRE-0201") < candidates.index("PRE-0202")  # model, then guess
    assert reverse("dois:photo_image", kwargs={"pk": ref.pk, "kind": "crop"}) in body
    assert "model rank 1" in body
    client.post(reverse("dois:review", kwargs={"pk": photo.pk}),
                {"action": "confirm", "individual": "PRE-0201"})
    decision = Decision.objects.get(photo=photo)
    assert decision.model_version == version and decision.candidate_rank == 1
    client.post(reverse("dois:review", kwargs={"pk": photo.pk}), {"action": "undo"})
    photo.refresh_from_db()
    assert photo.state == Photo.State.IDENTIFIED


def test_review_confirm_without_code_is_400(client, researcher):
    photo = PhotoFactory()
    client.force_login(researcher)
    response = client.post(reverse("dois:review", kwargs={"pk": photo.pk}),
                           {"action": "confirm", "individual": ""})
    assert response.status_code == 400


# --- curation page --------------------------------------------------------------------

@pytest.mark.parametrize("as_role", ROLES, indirect=True)
def test_curation_page_permissions(client, catalogue, as_role):
    ind, _, _ = catalogue
    url = reverse("dois:individual_edit", kwargs={"code": ind.code})
    researcher = as_role == "researcher"
    assert client.get(url).status_code == (200 if researcher else 403)
    response = client.post(url, {"nickname": "Snowy", "sex": "female",
                                 "status": "presumed_dead", "notes": "Last seen 2019."})
    ind.refresh_from_db()
    if researcher:
        assert response.status_code == 302 and response["Location"] == ind.get_absolute_url()
        assert (ind.nickname, ind.sex, ind.status, ind.notes) == (
            "Snowy", "female", "presumed_dead", "Last seen 2019.")
    else:
        assert response.status_code == 403
        assert (ind.nickname, ind.status) == ("Pearl", "active")
    page = client.get(ind.get_absolute_url()).content.decode()
    assert (url in page) is researcher  # the link is for researchers only


def test_curation_page_shows_form_errors_and_offers_no_merged_status(client, researcher):
    ind = IndividualFactory(code="PRE-0301", nickname="Pearl")
    client.force_login(researcher)
    url = reverse("dois:individual_edit", kwargs={"code": ind.code})
    html = client.get(url).content.decode()
    assert 'value="presumed_dead"' in html and 'value="merged"' not in html
    assert 'value="withdrawn"' not in html
    response = client.post(url, {"nickname": "x", "sex": "unknown", "status": "merged"})
    assert response.status_code == 400
    ind.refresh_from_db()
    assert ind.nickname == "Pearl"
    zh = client.get(f"/zh-hans/dois/individuals/{ind.code}/edit/").content.decode()
    assert "推定死亡" in zh or "保存" in zh


def test_curation_of_a_merged_individual_goes_to_the_survivor(client, researcher):
    survivor, merged = IndividualFactory(), IndividualFactory()
    services.individual_merge(source=merged, target=survivor, user=researcher)
    client.force_login(researcher)
    response = client.get(reverse("dois:individual_edit", kwargs={"code": merged.code}))
    assert response.status_code == 302
    assert response["Location"].endswith(f"/individuals/{survivor.code}/edit/")


def test_withdrawn_individual_is_hidden_from_visitors_but_curators_reactivate_it(
        client, researcher, volunteer):
    photo = PhotoFactory(state=Photo.State.IDENTIFIED)
    ind = services.decision_record(photo=photo, action="new_individual",
                                   decided_by=researcher).individual
    services.decision_record(photo=photo, action="undo", decided_by=researcher)
    assert ind.code not in client.get(reverse("dois:catalogue")).content.decode()
    assert client.get(ind.get_absolute_url()).status_code == 404
    assert client.get(f"/api/v1/individuals/{ind.code}/").status_code == 404
    client.force_login(volunteer)
    assert client.get(ind.get_absolute_url()).status_code == 404
    client.force_login(researcher)
    assert "Withdrawn" in client.get(ind.get_absolute_url()).content.decode()
    url = reverse("dois:individual_edit", kwargs={"code": ind.code})
    assert 'value="withdrawn"' in client.get(url).content.decode()
    client.post(url, {"nickname": "", "sex": "unknown", "status": "active", "notes": ""})
    ind.refresh_from_db()
    assert ind.status == "active"
    client.logout()
    assert client.get(ind.get_absolute_url()).status_code == 200


# --- review: grading, model figures ---------------------------------------------------

def test_review_sets_quality_and_side_with_the_decision(client, researcher):
    ind = IndividualFactory(code="PRE-0401")
    photo = PhotoFactory(state=Photo.State.IDENTIFIED, quality=None, side="unknown")
    client.force_login(researcher)
    url = reverse("dois:review", kwargs={"pk": photo.pk})
    html = client.get(url).content.decode()
    assert 'name="quality"' in html and 'name="side"' in html
    assert 'form="decide" name="action" value="new_individual"' in html
    response = client.post(url, {"candidate": "PRE-0401", "individual": "",
                                 "quality": "5", "side": "right"})
    assert response.status_code == 302
    photo.refresh_from_db()
    assert (photo.state, photo.individual, photo.quality, photo.side) == (
        Photo.State.CONFIRMED, ind, 5, "right")
    decision = Decision.objects.get(photo=photo)
    assert (decision.quality, decision.side) == (5, "right")
    html = client.get(url).content.decode()
    assert '<option value="5" selected>' in html  # the form shows the photo's grade
    # a bad grade is refused with the form's message, nothing is recorded
    response = client.post(url, {"action": "unusable", "quality": "9"})
    assert response.status_code == 400 and Decision.objects.filter(photo=photo).count() == 1


def test_review_shows_model_version_and_new_individual_probability_when_done(
        client, researcher):
    from django.utils import timezone

    from dois.models import IdentificationJob, ModelVersion
    photo = PhotoFactory(state=Photo.State.IDENTIFIED)
    version = ModelVersion.objects.create(name="fin-embedder-run7", file_path="x",
                                          embedding_dim=8, input_size=64, threshold=0.5)
    job = IdentificationJob.objects.create(photo=photo, model_version=version,
                                           status="running")
    client.force_login(researcher)
    url = reverse("dois:review", kwargs={"pk": photo.pk})
    html = client.get(url).content.decode()
    assert "review-new-probability" not in html and "Running" in html
    IdentificationJob.objects.filter(pk=job.pk).update(
        status="done", finished_at=timezone.now(), new_individual_probability=0.873)
    html = client.get(url).content.decode()
    assert 'id="review-model-version"' in html and "fin-embedder-run7" in html
    assert "New individual probability" in html and "87%" in html
    zh = client.get(f"/zh-hans/dois/review/{photo.pk}/").content.decode()
    assert "新个体概率" in zh
