"""Who may see and do what in the DoIs app (a leaf module: it imports only models).

Each rule is a keyword-only predicate, decided here once: selectors filter with these,
services check them before they write (and turn a refusal into the message users see,
:func:`common.permissions.permission_require`), views and the API ask them what a page
offers.

Roles are groups (``dois.roles``): researchers hold ``dois.review_photo`` and
``dois.view_exact_location``, volunteers ``dois.submit_photo``. Who may see a photo is
:func:`photo_visibility`; everything of a photo (its renderings, sighting, outlines,
identification jobs and candidates) follows it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from common.permissions import user_has_perm
from dois.models import IdentificationJob, Photo, Submission

if TYPE_CHECKING:
    from common.permissions import Actor


# --- roles ----------------------------------------------------------------------------

def user_is_researcher(*, user: Actor | None) -> bool:
    """Whether ``user`` reviews photos and decides identifications (the researcher
    role's ``dois.review_photo``; an active superuser holds every permission)."""
    return user_has_perm(user=user, perm="dois.review_photo")


def user_curates(*, user: Actor | None) -> bool:
    """Whether ``user`` curates the catalogue (``dois.curate_catalogue``: edits, merges,
    splits, and sees withdrawn individuals)."""
    return bool(user and user.has_perm("dois.curate_catalogue"))


def user_promotes(*, user: Actor | None) -> bool:
    """Whether ``user`` promotes leaderboard models and activates model versions
    (``dois.activate_model``), so also sees every submission."""
    return bool(user and user.is_authenticated and user.has_perm("dois.activate_model"))


def user_sees_exact(*, user: Actor | None) -> bool:
    """Whether ``user`` sees exact coordinates and original files
    (``dois.view_exact_location``: researchers); everyone else sees places rounded to
    about ``DOIS_PUBLIC_ROUNDING_KM``."""
    return bool(user and user.has_perm("dois.view_exact_location"))


# --- photos and what belongs to them ---------------------------------------------------

def photo_visibility(*, user: Actor | None) -> Q:
    """THE rule of who may see a photo (and anything of it: renderings, its sighting, its
    identification jobs and their candidates), as a filter on ``Photo``.

    Researchers (``dois.view_exact_location``) see every photo, uploaders their own, and
    everyone else reference photos (confirmed or founding an individual) that the
    uploader let be public. Every page, the API and the file views go through this
    (:func:`dois.selectors.photos_visible`, :func:`photo_visible_to`); no other code
    decides it.
    """
    if user_sees_exact(user=user):
        return Q()
    rule = Q(is_public=True, state__in=[Photo.State.CONFIRMED, Photo.State.NEW_INDIVIDUAL])
    if user is not None and user.is_authenticated:
        rule |= Q(uploaded_by=user)
    return rule


def photo_visible_to(*, photo: Photo, user: Actor | None) -> bool:
    """Whether ``user`` may see ``photo`` (:func:`photo_visibility`, read fresh)."""
    return Photo.objects.filter(photo_visibility(user=user), pk=photo.pk).exists()


def photo_correctable_by(*, photo: Photo, user: Actor | None) -> bool:
    """Who may correct a photo's box, side, guess and outline: researchers always, the
    volunteer who uploaded it until a researcher has decided it (a decision undone counts
    as none)."""
    if user is None or not user.is_authenticated:
        return False
    if user_is_researcher(user=user):
        return True
    return (photo.uploaded_by_id == user.pk and user.has_perm("dois.submit_photo")
            and photo.state in (Photo.State.SUBMITTED, Photo.State.IDENTIFIED))


def job_visible_to(*, job: IdentificationJob, user: Actor | None) -> bool:
    """A job (its state, candidates and scores) is visible exactly when its photo is."""
    return photo_visible_to(photo=job.photo, user=user)


# --- the leaderboard -------------------------------------------------------------------

def submission_visible_to(*, submission: Submission, user: Actor | None) -> bool:
    """The board (done members' submissions and the active model's row) is public; a
    submission not done yet, or failed, is seen by its submitter and by those who
    promote models (:func:`user_promotes`); the active model's row until it is done only
    by the latter."""
    if submission.kind == Submission.Kind.ACTIVE_MODEL:
        return submission.status == Submission.Status.DONE or user_promotes(user=user)
    if submission.status == Submission.Status.DONE:
        return True
    return bool(user and user.is_authenticated
                and (submission.submitted_by_id == user.pk or user_promotes(user=user)))
