"""The catalogue, individual and curation pages (dois.views.individuals), and who may
reach each DoIs page, by role, over one small catalogue."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dois import services
from dois.models import Photo
from tests.dois.factories import (
    IndividualFactory,
    PhotoFactory,
    SightingFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(researcher):
    ind = IndividualFactory(code="PRE-0007", nickname="Pearl")
    photo = PhotoFactory(sighting=SightingFactory(latitude=22.23456, longitude=113.76543))
    services.decision_record(photo=photo, action="confirm", individual=ind,
                             actor=researcher)
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
    services.individual_merge(source=merged, target=survivor, actor=researcher)
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
    services.individual_merge(source=merged, target=survivor, actor=researcher)
    client.force_login(researcher)
    response = client.get(reverse("dois:individual_edit", kwargs={"code": merged.code}))
    assert response.status_code == 302
    assert response["Location"].endswith(f"/individuals/{survivor.code}/edit/")


def test_withdrawn_individual_is_hidden_from_visitors_but_curators_reactivate_it(
        client, researcher, volunteer):
    photo = PhotoFactory(state=Photo.State.IDENTIFIED)
    ind = services.decision_record(photo=photo, action="new_individual",
                                   actor=researcher).individual
    services.decision_record(photo=photo, action="undo", actor=researcher)
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
