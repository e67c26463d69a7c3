"""Sign-up records the member's language and confirms their address; an address
belongs to one account; the profile changes both."""

import re

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from hub import services
from hub.models import User
from tests.hub.factories import UserFactory

pytestmark = pytest.mark.django_db

FORM = {"display_name": "Lin", "password1": "sea-dolphin-fin-42",
        "password2": "sea-dolphin-fin-42"}


@pytest.fixture(autouse=True)
def _tasks_run_here():
    """The confirmation mail is a Celery task: run it in this process (Celery's eager
    mode) so the locmem outbox sees it; test_the_mail_is_a_retried_task checks the task."""
    from hub.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def _link(message) -> str:
    return re.search(r"https?://\S+/accounts/confirm/\S+/", message.body)[0]


def test_sign_up_on_the_chinese_site_records_chinese_and_sends_a_chinese_link(
        client, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://hub.example.org"
    with translation.override("zh-hans"):
        url = reverse("hub:signup")
    assert url.startswith("/zh-hans/")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**FORM, "username": "lin", "email": "lin@example.org"})
    assert response.status_code == 302
    user = User.objects.get(username="lin")
    assert user.preferred_language == "zh-hans" and not user.email_verified
    [message] = mail.outbox
    assert message.to == ["lin@example.org"]
    assert message.extra_headers["Content-Language"] == "zh-hans"  # as the page was
    link = _link(message)
    assert link.startswith("https://hub.example.org/")  # SITE_URL, never the request's host
    path = link.removeprefix("https://hub.example.org")
    assert client.get(path).status_code == 302
    user.refresh_from_db()
    assert user.email_verified


def test_sign_up_on_the_english_site_records_english(client):
    client.post("/en/accounts/signup/", {**FORM, "username": "kai", "email": "kai@example.org"})
    assert User.objects.get(username="kai").preferred_language == "en"


def test_an_address_belongs_to_one_account_whatever_its_case(client):
    UserFactory(username="first", email="Mei@Example.org")
    response = client.post(reverse("hub:signup"),
                           {**FORM, "username": "second", "email": "mei@example.ORG"})
    assert response.status_code == 200
    assert "exists already" in response.text
    assert not User.objects.filter(username="second").exists()
    with pytest.raises(Exception, match="email address exists already"):
        services.user_sign_up(username="third", email="MEI@example.org", password="x" * 12)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="fourth", email="mei@EXAMPLE.org")


def test_accounts_without_address_do_not_clash():
    User.objects.create(username="a", email="")
    User.objects.create(username="b", email="")
    assert User.objects.filter(email="").count() == 2


def test_a_new_address_in_the_profile_is_confirmed_again(client,
                                                         django_capture_on_commit_callbacks):
    user = UserFactory(username="fin", email="fin@example.org")
    assert user.email_verified
    UserFactory(username="other", email="taken@example.org")
    client.force_login(user)
    form = {"display_name": "Fin", "bio": "", "preferred_language": "zh-hans"}
    response = client.post(reverse("hub:profile"), {**form, "email": "TAKEN@example.org"})
    assert response.status_code == 200 and "Another account uses" in response.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("hub:profile"), {**form, "email": "new@example.org"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "new@example.org" and not user.email_verified
    assert user.preferred_language == "zh-hans"
    [message] = mail.outbox
    assert message.to == ["new@example.org"]
    assert message.extra_headers["Content-Language"] == "zh-hans"  # the profile's choice
    # a link made for the old address confirms nothing
    user.email = "fin@example.org"
    old_token = services.email_verification_token(user=user)
    user.refresh_from_db()
    assert services.email_verify(token=old_token) is None
    assert services.email_verify(token="forged") is None
    client.get(_link(message).split("127.0.0.1:8000", 1)[-1])
    user.refresh_from_db()
    assert user.email_verified


def test_the_link_can_be_sent_again(client, django_capture_on_commit_callbacks):
    user = UserFactory(username="zed", email_verified=False)
    client.force_login(user)
    page = client.get(reverse("hub:profile")).text
    assert "is not confirmed yet" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("hub:profile"), {"resend": "1"})
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]


def test_role_names_are_translated_on_the_chinese_profile(client):
    user = UserFactory(username="vol", roles=["volunteer"])
    client.force_login(user)
    page = client.get("/zh-hans/accounts/profile/").text
    assert "志愿者" in page and ">volunteer<" not in page


def test_the_link_confirms_without_a_login_and_only_once_it_is_genuine(client):
    user = UserFactory(username="ola", email="ola@example.org", email_verified=False)
    token = services.email_verification_token(user=user)
    response = client.get(reverse("hub:email_confirm", kwargs={"token": token[:-2] + "xx"}))
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.email_verified
    response = client.get(reverse("hub:email_confirm", kwargs={"token": token}))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    user.refresh_from_db()
    assert user.email_verified


def test_the_mail_is_a_retried_task_that_skips_changed_addresses(monkeypatch):
    from smtplib import SMTPException

    from django.core.mail import EmailMessage

    from hub.tasks import email_verification_mail

    assert SMTPException in email_verification_mail.autoretry_for
    assert email_verification_mail.max_retries >= 5
    user = UserFactory(username="pia", email="pia@example.org", email_verified=False)
    assert services.email_verification_mail(user_id=user.pk, address="old@example.org") is False
    assert services.email_verification_mail(user_id=user.pk, address="pia@example.org") is True
    assert len(mail.outbox) == 1
    def refused(self, *args, **kwargs):  # a mail server that refuses (none runs here)
        raise SMTPException("mail server down")

    monkeypatch.setattr(EmailMessage, "send", refused)
    with pytest.raises(SMTPException):
        services.email_verification_mail(user_id=user.pk, address="pia@example.org")

