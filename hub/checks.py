"""Production refuses insecure state that settings alone cannot see.

``manage.py check --deploy`` reports it as an error, and the WSGI application refuses to
start with ``DEBUG=0`` while it holds (:func:`refuse_insecure_start`).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

log = logging.getLogger(__name__)

# The accounts `load_demo` creates, and the password the README publishes for them.
DEMO_USERNAMES = ("organiser", "researcher", "volunteer", "admin")


def demo_accounts_with_published_password() -> list[str]:
    """Usernames of demo accounts that still have the README's password."""
    from django.contrib.auth import get_user_model

    from hub.demo import DEMO_PASSWORD

    users = get_user_model().objects.filter(username__in=DEMO_USERNAMES)
    return sorted(u.username for u in users if u.check_password(DEMO_PASSWORD))


def _demo_account_message(names: list[str]) -> str:
    return (f"Demo accounts with the published password exist: {', '.join(names)}. "
            "Delete them or set new passwords before running with DEBUG=0.")


@register(Tags.security, deploy=True)
def check_demo_accounts(app_configs=None, **kwargs) -> list[Error]:
    try:
        names = demo_accounts_with_published_password()
    except DatabaseError as exc:  # not migrated yet, or unreachable: nothing to check
        log.warning("could not check for demo accounts: %s", exc)
        return []
    if not names:
        return []
    return [Error(_demo_account_message(names), id="hub.E001",
                  hint="python manage.py changepassword USERNAME, or delete the account.")]


def refuse_insecure_start() -> None:
    """Raise ``ImproperlyConfigured`` with ``DEBUG=0`` while demo accounts are usable."""
    if settings.DEBUG:
        return
    try:
        names = demo_accounts_with_published_password()
    except DatabaseError as exc:
        log.warning("could not check for demo accounts at start-up: %s", exc)
        return
    if names:
        raise ImproperlyConfigured(_demo_account_message(names))
