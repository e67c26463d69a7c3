from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from hub import services
from hub.models import WorkerHeartbeat
from hub.roles import Role, role_permissions
from tests.hub.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_roles_exist_as_groups_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


def test_roles_sync_gives_each_role_the_declared_permissions():
    services.roles_sync()
    organiser = Group.objects.get(name="organiser")
    names = {f"{p.content_type.app_label}.{p.codename}" for p in organiser.permissions.all()}
    assert "hub.add_project" in names
    # every declared permission that exists is granted, and nothing else
    declared = role_permissions()["organiser"]
    assert names <= declared


def test_sign_up_makes_a_volunteer_with_a_usable_password():
    user = services.user_sign_up(username="mei", email="mei@example.org",
                                 password="a fine long password 42")
    assert user.check_password("a fine long password 42")
    assert user.has_role("volunteer")
    assert not user.has_role("researcher")


def test_user_roles_set_replaces_roles_and_rejects_unknown_ones():
    user = UserFactory(roles=["volunteer"])
    services.user_roles_set(user=user, roles=["researcher"])
    assert list(user.groups.values_list("name", flat=True)) == ["researcher"]
    with pytest.raises(ValueError, match="wizard"):
        services.user_roles_set(user=user, roles=["wizard"])


def test_heartbeat_is_recorded_once_per_host_and_pruned_when_stale():
    services.worker_heartbeat_record(hostname="w1@a", queues=["identify"], pid=1)
    services.worker_heartbeat_record(hostname="w1@a", queues=["identify"], pid=2)
    assert WorkerHeartbeat.objects.get().pid == 2
    WorkerHeartbeat.objects.update(last_seen=timezone.now() - timedelta(days=2))
    assert services.worker_heartbeats_prune() == 1
    assert not WorkerHeartbeat.objects.exists()


def test_project_update_is_logged_newest_first():
    project = services.project_create(slug="p", name="P", summary="s")
    services.project_update_add(project=project, date=timezone.now().date() - timedelta(days=3),
                                title="older")
    services.project_update_add(project=project, date=timezone.now().date(), title="newer")
    assert [u.title for u in project.updates.all()] == ["newer", "older"]
