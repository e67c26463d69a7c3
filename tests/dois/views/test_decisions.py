"""The review pages (dois.views.decisions; issue 14, items 2 and 9): next after a
decision, next and previous, skip for the session, undo from anywhere, the last
decisions listed, an encounter decided together, compare side by side, candidates and
grades on the review page."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dois import selectors, services
from dois.models import Decision, Encounter, Photo
from tests.dois.factories import (
    IndividualFactory,
    PhotoFactory,
    SightingFactory,
)

pytestmark = pytest.mark.django_db


def review_url(photo) -> str:
    return reverse("dois:review", kwargs={"pk": photo.pk})


@pytest.fixture
def queue():
    """Five photos waiting, uploaded in this order."""
    return [PhotoFactory() for _ in range(5)]


def test_after_a_decision_the_next_page_is_the_photo_after_this_one(client, researcher, queue):
    ind = IndividualFactory()
    client.force_login(researcher)
    response = client.post(review_url(queue[2]), {"candidate": ind.code})
    assert response.status_code == 302 and response.url == review_url(queue[3])
    # at the end of the queue it starts again from the first photo still waiting
    response = client.post(review_url(queue[4]), {"candidate": ind.code})
    assert response.url == review_url(queue[0])


def test_undo_from_the_next_page_undoes_the_decision_just_made(client, researcher, queue):
    """The defect: ``z`` on the page after a decision said "no decision to undo"."""
    ind = IndividualFactory()
    client.force_login(researcher)
    client.post(review_url(queue[0]), {"candidate": ind.code})
    page = client.get(review_url(queue[1])).content.decode()
    assert 'data-key="z"' in page and reverse("dois:decision_undo_last") in page
    response = client.post(reverse("dois:decision_undo_last"),
                           {"next": review_url(queue[1])})
    assert response.status_code == 302 and response.url == review_url(queue[0])
    queue[0].refresh_from_db()
    assert queue[0].state == Photo.State.SUBMITTED and queue[0].individual is None
    undo = Decision.objects.get(action=Decision.Action.UNDO)
    assert undo.undoes.photo_id == queue[0].pk and undo.decided_by == researcher
    # nothing of this researcher is left to undo now
    response = client.post(reverse("dois:decision_undo_last"), {"next": review_url(queue[1])},
                           follow=True)
    assert "You have no decision left to undo." in response.content.decode()


def test_undo_last_is_the_researchers_own_and_skips_replaced_ones(researcher, queue):
    from tests.dois.factories import UserFactory

    other = UserFactory(username="researcher2", roles=["researcher"])
    ind = IndividualFactory()
    mine = services.decision_record(photo=queue[0], action="confirm", individual=ind,
                                    actor=researcher)
    services.decision_record(photo=queue[1], action="confirm", individual=ind,
                             actor=other)
    # another researcher decided my photo again: that later decision is what stays
    services.decision_record(photo=queue[0], action="unusable", actor=other)
    recent = selectors.decisions_recent(user=researcher)
    assert [(r.decision.pk, r.undoable) for r in recent] == [(mine.pk, False)]
    with pytest.raises(ValidationError, match="no decision left"):
        services.decision_undo_last(actor=researcher)
    with pytest.raises(ValidationError, match="already undone or a later decision"):
        services.decision_undo(decision=mine, actor=researcher)


def test_recent_decisions_are_listed_with_links_on_queue_and_review_pages(
        client, researcher, queue):
    ind = IndividualFactory(code="PRE-0300")
    client.force_login(researcher)
    for photo in queue[:3]:
        client.post(review_url(photo), {"candidate": ind.code})
    for url in (reverse("dois:review_queue"), review_url(queue[3])):
        body = client.get(url).content.decode()
        recent = body.split('id="recent-title"')[1]
        for photo in queue[:3]:
            assert f'href="{review_url(photo)}"' in recent
        # newest first
        assert recent.index(review_url(queue[2])) < recent.index(review_url(queue[0]))
        assert recent.count("Undo</button>") == 3
    # undo one of them by its own button, from the queue page
    decision = Decision.objects.get(photo=queue[1])
    response = client.post(reverse("dois:decision_undo", kwargs={"pk": decision.pk}),
                           {"next": reverse("dois:review_queue")})
    assert response.url == review_url(queue[1])
    queue[1].refresh_from_db()
    assert queue[1].state == Photo.State.SUBMITTED


def test_skip_stays_skipped_for_the_session(client, researcher, queue):
    ind = IndividualFactory()
    client.force_login(researcher)
    response = client.post(reverse("dois:review_skip", kwargs={"pk": queue[0].pk}))
    assert response.url == review_url(queue[1])
    # decisions go on: the skipped photo never comes back as next
    client.post(review_url(queue[1]), {"candidate": ind.code})
    for photo in queue[2:4]:
        response = client.post(review_url(photo), {"candidate": ind.code})
        assert response.url != review_url(queue[0])
    response = client.post(review_url(queue[4]), {"candidate": ind.code})
    assert response.url == reverse("dois:review_queue")  # only the skipped one is left
    page = client.get(reverse("dois:review_queue")).content.decode()
    assert "only the photos you skipped are left" in page
    assert review_url(queue[0]) in page.split('id="skipped-title"')[1]
    # another session (another browser) still sees it
    client.logout()
    client.force_login(researcher)
    nav = client.get(review_url(queue[4])).context["nav"]
    assert nav.next_id == queue[0].pk


def test_put_back_a_skipped_photo(client, researcher, queue):
    client.force_login(researcher)
    client.post(reverse("dois:review_skip", kwargs={"pk": queue[1].pk}))
    assert client.get(review_url(queue[0])).context["nav"].next_id == queue[2].pk
    client.post(reverse("dois:review_unskip", kwargs={"pk": queue[1].pk}))
    assert client.get(review_url(queue[0])).context["nav"].next_id == queue[1].pk
    client.post(reverse("dois:review_skip", kwargs={"pk": queue[1].pk}))
    client.post(reverse("dois:review_skip", kwargs={"pk": queue[2].pk}))
    client.post(reverse("dois:review_unskip_all"))
    assert client.get(review_url(queue[0])).context["nav"].next_id == queue[1].pk


def test_next_and_previous(client, researcher, queue):
    client.force_login(researcher)
    body = client.get(review_url(queue[2])).content.decode()
    assert f'id="review-previous" href="{review_url(queue[1])}"' in body
    assert f'id="review-next" href="{review_url(queue[3])}"' in body
    nav = client.get(review_url(queue[0])).context["nav"]
    assert nav.previous_id is None and nav.next_id == queue[1].pk and nav.remaining == 4


def test_skip_undo_and_undo_last_need_the_reviewer_role(client, volunteer, queue):
    ind = IndividualFactory()
    client.force_login(volunteer)
    for name, kwargs in (("dois:review_skip", {"pk": queue[0].pk}),
                         ("dois:decision_undo_last", {}),
                         ("dois:review_unskip_all", {})):
        assert client.post(reverse(name, kwargs=kwargs)).status_code == 403
    with pytest.raises(PermissionDenied):
        services.decision_undo_last(actor=volunteer)
    with pytest.raises(PermissionDenied):
        services.decisions_record_together(photos=[queue[0]], action="confirm",
                                                  individual=ind, actor=volunteer)


def test_undo_with_a_foreign_next_url_stays_on_the_site(client, researcher, queue):
    client.force_login(researcher)
    response = client.post(reverse("dois:decision_undo_last"),
                           {"next": "https://evil.example/"})
    assert response.url == reverse("dois:review_queue")


# --- encounters -------------------------------------------------------------------------

def test_photos_of_one_sighting_are_confirmed_together_each_with_its_decision(
        client, researcher):
    sighting = SightingFactory()
    photos = [PhotoFactory(sighting=sighting) for _ in range(3)]
    elsewhere = PhotoFactory()
    ind = IndividualFactory(code="PRE-0400")
    client.force_login(researcher)
    page = client.get(review_url(photos[0])).content.decode()
    together = page.split('id="together"')[1].split("</fieldset>")[0]
    assert f'value="{photos[1].pk}"' in together and f'value="{photos[2].pk}"' in together
    assert f'value="{elsewhere.pk}"' not in together
    response = client.post(review_url(photos[0]), {
        "candidate": ind.code, "together": [photos[1].pk, photos[2].pk], "quality": "4"})
    assert response.status_code == 302
    decisions = list(Decision.objects.order_by("photo_id"))
    assert [d.photo_id for d in decisions] == [p.pk for p in photos]
    assert {d.encounter_id for d in decisions} == {Encounter.objects.get().pk}
    assert all(d.individual == ind and d.action == "confirm" for d in decisions)
    assert [d.quality for d in decisions] == [4, None, None]
    for photo in photos:
        photo.refresh_from_db()
        assert photo.state == Photo.State.CONFIRMED and photo.individual == ind
    # one undo takes the whole encounter back
    services.decision_undo_last(actor=researcher)
    assert Photo.objects.filter(pk__in=[p.pk for p in photos],
                                state=Photo.State.SUBMITTED).count() == 3
    assert Decision.objects.filter(action="undo").count() == 3


# --- compare side by side -----------------------------------------------------------------

def test_compare_page_shows_the_candidates_photos_with_a_static_script(client, researcher,
                                                                       volunteer):
    ind = IndividualFactory(code="PRE-0500")
    refs = []
    for quality in (5, 4, 3):
        ref = PhotoFactory(quality=quality)
        services.decision_record(photo=ref, action="confirm", individual=ind,
                                 actor=researcher)
        refs.append(ref)
    photo = PhotoFactory()
    url = reverse("dois:review_compare", kwargs={"pk": photo.pk, "code": ind.code})
    client.force_login(volunteer)
    assert client.get(url).status_code == 403
    client.force_login(researcher)
    body = client.get(url).content.decode()
    strip = body.split('id="compare-strip"')[1].split("</ol>")[0]
    assert [f"/dois/photos/{r.pk}/detail.jpg" in strip for r in refs] == [True] * 3
    assert strip.index(f"/photos/{refs[0].pk}/") < strip.index(f"/photos/{refs[2].pk}/")
    assert f"/dois/photos/{photo.pk}/detail.jpg" in body
    assert "compare.js" in body and "<script>" not in body
    assert f'name="candidate" value="{ind.code}"' in body
    missing = reverse("dois:review_compare", kwargs={"pk": photo.pk, "code": "PRE-9999"})
    assert client.get(missing).status_code == 404
    # a merged code shows the individual it was merged into
    merged = IndividualFactory(code="PRE-0501")
    services.individual_merge(source=merged, target=ind, actor=researcher)
    body = client.get(reverse("dois:review_compare", kwargs={
        "pk": photo.pk, "code": merged.code})).content.decode()
    assert "beside PRE-0500" in body


# --- deciding on the review page ------------------------------------------------------

def test_review_shows_candidates_and_records_decision(client, researcher):
    from django.utils import timezone

    from dois.models import Candidate, IdentificationJob, ModelVersion
    ind, guess = IndividualFactory(code="PRE-0201"), IndividualFactory(code="PRE-0202")
    ref = PhotoFactory()
    services.decision_record(photo=ref, action="confirm", individual=ind,
                             actor=researcher)
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
