"""Demo content of the hub: accounts for each role and the DoIs project."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model

from hub import services
from hub.models import Project
from hub.roles import Role

DEMO_PASSWORD = "tfug-demo-2019"  # noqa: S105 - development demo only, refused in production

DEMO_USERS = {
    "organiser": [Role.ORGANISER, Role.VOLUNTEER],
    "researcher": [Role.RESEARCHER, Role.VOLUNTEER],
    "volunteer": [Role.VOLUNTEER],
}


def demo_users_load() -> dict[str, object]:
    User = get_user_model()
    users = {}
    for username, roles in DEMO_USERS.items():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"email": f"{username}@example.org", "display_name": username.title()},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        services.user_roles_set(user=user, roles=[r.value for r in roles])
        users[username] = user
    admin, created = User.objects.get_or_create(
        username="admin", defaults={"email": "admin@example.org", "is_staff": True,
                                    "is_superuser": True})
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    users["admin"] = admin
    return users


def demo_project_load(*, born_at=None) -> Project:
    project = Project.objects.filter(slug="dois").first()
    if project is None:
        project = services.project_create(
            slug="dois",
            name="DoIs: Dolphin Identification System",
            summary=(
                "A nature reserve asked the group to help identify individual Chinese white "
                "dolphins (Sousa chinensis) from survey photos. DoIs embeds each dorsal-fin "
                "photo with a TensorFlow model, ranks the catalogue's individuals, and lets "
                "researchers confirm every identification."
            ),
            partner="Nature reserve research team",
            born_at=born_at,
            started_on=date(2019, 9, 7),
        )
        services.project_update_add(
            project=project, date=date(2019, 9, 7), title="Idea presented at the first meetup"
        )
        services.project_update_add(
            project=project, date=date(2019, 10, 12),
            title="First model trained on labelled fin crops",
        )
    elif born_at is not None and project.born_at_id is None:
        project.born_at = born_at
        project.save(update_fields=["born_at"])
    return project
