"""A rule's answer becomes the refusal users see; one model permission, checked whole."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.exceptions import PermissionDenied
from django.utils import translation

from common.permissions import perm_require, permission_require, user_has_perm
from tests.hub.factories import UserFactory

pytestmark = pytest.mark.django_db

PERM = "events.add_event"


@pytest.fixture
def holder():
    user = UserFactory(username="holder")
    user.user_permissions.add(Permission.objects.get(codename="add_event"))
    return type(user).objects.get(pk=user.pk)  # a fresh object: no cached permissions


def test_only_an_active_holder_or_a_superuser_has_the_permission(holder):
    assert user_has_perm(user=holder, perm=PERM)
    assert user_has_perm(user=UserFactory(username="root", is_superuser=True), perm=PERM)
    assert not user_has_perm(user=UserFactory(username="plain"), perm=PERM)
    assert not user_has_perm(user=AnonymousUser(), perm=PERM)
    assert not user_has_perm(user=None, perm=PERM)
    holder.is_active = False
    assert not user_has_perm(user=holder, perm=PERM)
    gone = UserFactory(username="gone", is_superuser=True, is_active=False)
    assert not user_has_perm(user=gone, perm=PERM)


def test_a_refusal_says_who_may_or_gives_the_general_reason():
    permission_require(allowed=True, message="never shown")
    with pytest.raises(PermissionDenied, match="Only organisers may"):
        permission_require(allowed=False, message="Only organisers may.")
    with pytest.raises(PermissionDenied, match="You do not have permission to do this."):
        permission_require(allowed=False)


def test_perm_require_refuses_exactly_those_without_the_permission(holder):
    perm_require(user=holder, perm=PERM)
    with pytest.raises(PermissionDenied):
        perm_require(user=UserFactory(username="plain"), perm=PERM)
    with pytest.raises(PermissionDenied, match="Members only"):
        perm_require(user=AnonymousUser(), perm=PERM, message="Members only")


def test_the_general_refusal_is_translated():
    with translation.override("zh-hans"), pytest.raises(PermissionDenied) as refused:
        permission_require(allowed=False)
    assert str(refused.value) == "您没有执行此操作的权限。"
