"""Volunteers hear what became of their photos (issue 14, item 8): at most one email a
day, in their language, listing the researchers' decisions on their photos."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dois import services
from dois.models import DecisionDigest, Photo
from dois.services import decision_digests_send
from hub.celery import app
from tests.dois.factories import IndividualFactory, PhotoFactory, UserFactory
from tests.support import task_queue

pytestmark = pytest.mark.django_db


@pytest.fixture
def uploader(db):
    return UserFactory(username="vol-zh", roles=["volunteer"], preferred_language="zh-hans")


def decide(photo, researcher, action="confirm", individual=None):
    return services.decision_record(photo=photo, action=action, individual=individual,
                                    actor=researcher)


def test_one_digest_a_day_in_the_members_language(uploader, researcher, mailoutbox):
    pearl = IndividualFactory(code="PRE-0042")
    guessed = PhotoFactory(uploaded_by=uploader, original_name="DSC_1.JPG",
                           proposed_individual=pearl)
    other = PhotoFactory(uploaded_by=uploader, original_name="DSC_2.JPG")
    decide(guessed, researcher, individual=pearl)
    decide(other, researcher, action="unusable")
    report = decision_digests_send()
    assert report.sent == [uploader.pk] and len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [uploader.email]
    assert "研究人员" in mail.subject and "2" in mail.subject
    assert "DSC_1.JPG" in mail.body and "PRE-0042" in mail.body and "DSC_2.JPG" in mail.body
    assert "/zh-hans/dois/mine/" in mail.body
    # again the same day, even with a new decision: nothing more today
    decide(PhotoFactory(uploaded_by=uploader, original_name="DSC_3.JPG"), researcher,
           action="unusable")
    assert decision_digests_send().sent == [] and len(mailoutbox) == 1
    # the next day: only what is new
    tomorrow = timezone.now() + timedelta(days=1)
    assert decision_digests_send(now=tomorrow).sent == [uploader.pk]
    assert len(mailoutbox) == 2
    assert "DSC_3.JPG" in mailoutbox[1].body and "DSC_1.JPG" not in mailoutbox[1].body
    assert DecisionDigest.objects.filter(user=uploader).count() == 2


def test_english_for_a_member_who_chose_it(researcher, mailoutbox):
    member = UserFactory(username="vol-en", roles=["volunteer"], preferred_language="en")
    decide(PhotoFactory(uploaded_by=member), researcher, action="new_individual")
    decision_digests_send()
    assert mailoutbox[0].subject == "A researcher decided on 1 of your dolphin photos"
    assert "a new individual of the catalogue" in mailoutbox[0].body
    assert "/en/dois/mine/" in mailoutbox[0].body


def test_undone_decisions_own_decisions_and_unconfirmed_addresses_send_nothing(
        uploader, researcher, mailoutbox):
    photo = PhotoFactory(uploaded_by=uploader)
    decide(photo, researcher, action="unusable")
    decide(photo, researcher, action="undo")
    # a researcher's own upload, decided by themself
    decide(PhotoFactory(uploaded_by=researcher), researcher, action="unusable")
    unconfirmed = UserFactory(username="vol-unconfirmed", roles=["volunteer"],
                              email_verified=False)
    decide(PhotoFactory(uploaded_by=unconfirmed), researcher, action="unusable")
    assert decision_digests_send().sent == [] and mailoutbox == []


def test_a_mail_that_fails_is_sent_on_the_next_run(uploader, researcher, mailoutbox,
                                                   monkeypatch):
    from dois.services import digests

    decide(PhotoFactory(uploaded_by=uploader), researcher, action="unusable")

    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(digests, "send_mail", refuse)
    report = decision_digests_send()
    assert report.failed == [uploader.pk] and not report.sent
    monkeypatch.undo()
    assert decision_digests_send().sent == [uploader.pk] and len(mailoutbox) == 1
    digest = DecisionDigest.objects.get()
    assert digest.sent_at is not None and digest.decisions == 1


def test_the_beat_runs_the_digest_daily_on_the_default_queue():
    entry = app.conf.beat_schedule["dois-digests"]
    assert entry["task"] == "dois.tasks.digests_send"
    assert task_queue("dois.tasks.digests_send") == "default"
    schedule = entry["schedule"]  # once a day, at 18:00 in the site's time zone
    assert schedule.hour == {18} and schedule.minute == {0} and len(schedule.day_of_week) == 7


def test_my_photos_links_each_photo_to_its_candidates_and_decision(client, uploader,
                                                                   researcher):
    from dois.models import IdentificationJob, ModelVersion

    version = ModelVersion.objects.create(name="v1", file_path="x", embedding_dim=8,
                                          input_size=64, threshold=0.5)
    pearl = IndividualFactory(code="PRE-0042")
    decided = PhotoFactory(uploaded_by=uploader)
    waiting = PhotoFactory(uploaded_by=uploader, state=Photo.State.IDENTIFIED)
    job = IdentificationJob.objects.create(photo=waiting, model_version=version,
                                           status="done")
    decide(decided, researcher, individual=pearl)
    client.force_login(uploader)
    body = client.get("/en/dois/mine/").content.decode()
    row = body.split(f'id="photo-{waiting.pk}"')[1].split("</tr>")[0]
    assert reverse("dois:job", kwargs={"pk": job.pk}) in row
    assert reverse("dois:photo_edit", kwargs={"pk": waiting.pk}) in row
    assert "waiting for a researcher" in row
    row = body.split(f'id="photo-{decided.pk}"')[1].split("</tr>")[0]
    assert pearl.get_absolute_url() in row and "decided on" in row
    assert reverse("dois:photo_edit", kwargs={"pk": decided.pk}) not in row
