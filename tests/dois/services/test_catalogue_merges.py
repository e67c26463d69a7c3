"""Merging individuals after a confirmation, splitting them again (issue 14, item 3)."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse

from dois import services
from dois.models import Decision, Individual, IndividualMerge, Photo
from tests.dois.factories import IndividualFactory, PhotoFactory


def confirmed(ind, researcher, **kwargs):
    photo = PhotoFactory(**kwargs)
    services.decision_record(photo=photo, action="confirm", individual=ind,
                             actor=researcher)
    return photo


@pytest.mark.django_db
def test_split_restores_photos_guesses_and_redirects_of_the_merged_individual(researcher):
    survivor, merged, older = IndividualFactory(), IndividualFactory(), IndividualFactory()
    own = confirmed(survivor, researcher)
    moved = [confirmed(merged, researcher) for _ in range(2)]
    guess = PhotoFactory(proposed_individual=merged)
    services.individual_merge(source=older, target=merged, actor=researcher)
    services.individual_merge(source=merged, target=survivor, actor=researcher)
    older.refresh_from_db()
    assert older.merged_into == survivor  # redirected by the second merge
    record = IndividualMerge.objects.get(source=merged)
    assert record.photos == [p.pk for p in moved] and record.guesses == [guess.pk]
    assert record.redirected == [older.pk] and record.done_by == researcher
    # after the merge, a photo confirmed under the merged code lands on the survivor
    later = confirmed(merged, researcher)
    assert Photo.objects.get(pk=later.pk).individual == survivor

    split = services.individual_split(source=merged, actor=researcher)

    merged.refresh_from_db()
    older.refresh_from_db()
    assert merged.status == Individual.Status.ACTIVE and merged.merged_into is None
    assert "Split from" in merged.notes
    assert older.merged_into == merged
    assert set(Photo.objects.filter(individual=merged)) == set(moved)
    assert set(Photo.objects.filter(individual=survivor)) == {own, later}
    assert Photo.objects.get(pk=guess.pk).proposed_individual == merged
    # the merged individual's decisions name it and are in force again
    assert all(d.individual == merged for d in Decision.objects.filter(photo__in=moved))
    assert split.undoes == record and split.action == "split"
    assert sorted(split.photos) == [p.pk for p in moved]
    # the history keeps both rows; a second split has nothing to undo
    assert IndividualMerge.objects.count() == 3
    with pytest.raises(ValidationError, match="not merged"):
        services.individual_split(source=merged, actor=researcher)


@pytest.mark.django_db
def test_a_photo_given_elsewhere_after_the_merge_stays_there(researcher):
    survivor, merged, third = IndividualFactory(), IndividualFactory(), IndividualFactory()
    photo = confirmed(merged, researcher)
    services.individual_merge(source=merged, target=survivor, actor=researcher)
    services.decision_record(photo=photo, action="confirm", individual=third,
                             actor=researcher)
    services.individual_split(source=merged, actor=researcher)
    assert Photo.objects.get(pk=photo.pk).individual == third


@pytest.mark.django_db
def test_split_in_reverse_order_of_chained_merges(researcher):
    a, b, c = IndividualFactory(), IndividualFactory(), IndividualFactory()
    services.individual_merge(source=a, target=b, actor=researcher)
    services.individual_merge(source=b, target=c, actor=researcher)
    with pytest.raises(ValidationError, match="split"):
        services.individual_split(source=a, actor=researcher)
    services.individual_split(source=b, actor=researcher)
    services.individual_split(source=a, actor=researcher)
    assert Individual.objects.filter(status=Individual.Status.ACTIVE).count() == 3


@pytest.mark.django_db
def test_split_needs_curate_permission(researcher, volunteer):
    from django.core.exceptions import PermissionDenied

    a, b = IndividualFactory(), IndividualFactory()
    services.individual_merge(source=a, target=b, actor=researcher)
    with pytest.raises(PermissionDenied):
        services.individual_split(source=a, actor=volunteer)


@pytest.mark.django_db
def test_merge_page_shows_both_individuals_best_photos_before_merging(client, researcher):
    source, target = IndividualFactory(code="PRE-0501"), IndividualFactory(code="PRE-0502")
    src_photo, dst_photo = confirmed(source, researcher), confirmed(target, researcher)
    client.force_login(researcher)
    individual_page = client.get(source.get_absolute_url()).content.decode()
    assert 'method="get" action="/en/dois/individuals/PRE-0501/merge/"' in individual_page
    url = reverse("dois:individual_merge", kwargs={"code": source.code})
    response = client.get(url, {"target": target.code})
    body = response.content.decode()
    assert response.status_code == 200 and "Merge PRE-0501 into PRE-0502?" in body
    for photo in (src_photo, dst_photo):
        assert reverse("dois:photo_image", kwargs={"pk": photo.pk, "kind": "crop"}) in body
    source.refresh_from_db()
    assert source.merged_into is None  # nothing happened yet
    # a POST without the confirmation shows the same page, merges nothing
    assert "Merge PRE-0501 into PRE-0502?" in client.post(
        url, {"target": target.code}).content.decode()
    assert not IndividualMerge.objects.exists()
    response = client.post(url, {"target": target.code, "confirm": "yes"})
    assert response.url == target.get_absolute_url()
    source.refresh_from_db()
    assert source.merged_into == target


@pytest.mark.django_db
def test_merge_page_with_an_unknown_code_says_so(client, researcher):
    source = IndividualFactory(code="PRE-0503")
    client.force_login(researcher)
    response = client.get(reverse("dois:individual_merge", kwargs={"code": source.code}),
                          {"target": "PRE-9999"})
    assert response.status_code == 400
    assert "No individual with the code PRE-9999" in response.content.decode()


@pytest.mark.django_db
def test_split_page_lists_what_returns_and_splits(client, researcher, volunteer):
    source, target = IndividualFactory(code="PRE-0601"), IndividualFactory(code="PRE-0602")
    moved = confirmed(source, researcher)
    services.individual_merge(source=source, target=target, actor=researcher)
    client.force_login(researcher)
    page = client.get(target.get_absolute_url()).content.decode()
    split_url = reverse("dois:individual_split", kwargs={"code": source.code})
    assert f'href="{split_url}"' in page
    body = client.get(split_url).content.decode()
    assert "Split PRE-0601 from PRE-0602?" in body
    assert reverse("dois:photo_image", kwargs={"pk": moved.pk, "kind": "crop"}) in \
        body.split('id="side-1"')[1].split('id="side-2"')[0]
    client.force_login(volunteer)
    assert client.post(split_url).status_code == 403
    client.force_login(researcher)
    assert client.post(split_url).url == source.get_absolute_url()
    assert Photo.objects.get(pk=moved.pk).individual == source
    assert client.get(split_url).status_code == 404  # nothing left to split


@pytest.mark.django_db(transaction=True)
def test_merges_lock_in_key_order_so_opposite_merges_never_deadlock(researcher):
    """Another transaction holds the lower key's row and then wants the higher one,
    while a merge of the higher into the lower waits. Locked source-then-target, the
    merge would hold the higher row and PostgreSQL would abort one of them (deadlock);
    locked in key order it waits for the lower row holding nothing."""
    low, high = IndividualFactory(), IndividualFactory()
    assert low.pk < high.pk
    errors: list[BaseException] = []

    def merge_high_into_low():
        try:
            services.individual_merge(source=high, target=low, actor=researcher)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            connection.close()

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '10s'")
        list(Individual.objects.select_for_update().filter(pk=low.pk))
        worker = threading.Thread(target=merge_high_into_low)
        worker.start()
        time.sleep(1.5)  # the merge is now waiting for a lock
        list(Individual.objects.select_for_update().filter(pk=high.pk))
    worker.join(timeout=30)
    assert not errors, errors
    high.refresh_from_db()
    assert high.merged_into == low
