from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import EnvironmentRole, User
from audit.models import AuditEvent
from environments.models import Environment
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

SIGNUP = {
    "first_name": "Anna",
    "last_name": "de Vries",
    "company_name": "De Vries Administratie",
    "company_kvk_number": "12345678",
    "email": "anna@devries.test",
    "password1": TEST_PASSWORD,
    "password2": TEST_PASSWORD,
}


def _sign_up(client: Client, capture, **changes: str):  # type: ignore[no-untyped-def]
    with capture(execute=True):
        return client.post(reverse("account_signup"), {**SIGNUP, **changes})


def _link_in_last_email() -> str:
    match = re.search(r"https?://\S+", mail.outbox[-1].body)
    assert match is not None, mail.outbox[-1].body
    return match.group(0)


def test_signup_page_explains_that_it_creates_an_environment(client: Client) -> None:
    response = client.get(reverse("account_signup"))

    content = response.content.decode()
    assert "Create your environment" in content
    assert "free Invoice Portal subscription" in content
    for field in ("first_name", "last_name", "company_name", "company_kvk_number", "email", "password1"):
        assert f'name="{field}"' in content


def test_signup_creates_an_environment_on_the_free_plan_with_the_user_as_administrator(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    _sign_up(client, django_capture_on_commit_callbacks)

    user = User.objects.select_related("environment__plan").get(email="anna@devries.test")
    assert user.first_name == "Anna" and user.last_name == "de Vries"
    assert user.role == EnvironmentRole.ADMINISTRATOR
    assert user.environment.name == "De Vries Administratie"
    assert user.environment.kvk_number == "12345678"
    assert user.environment.plan.code == "invoice-portal"
    assert AuditEvent.objects.filter(action="environment.created", environment=user.environment).exists()


def test_signup_without_kvk_number_is_accepted(client: Client, django_capture_on_commit_callbacks) -> None:
    _sign_up(client, django_capture_on_commit_callbacks, company_kvk_number="")

    assert User.objects.get(email="anna@devries.test").home.kvk_number == ""


def test_signup_with_a_malformed_kvk_number_is_a_form_error(client: Client) -> None:
    response = client.post(reverse("account_signup"), {**SIGNUP, "company_kvk_number": "1234"})

    assert response.status_code == 200
    assert "A KvK number has exactly 8 digits." in response.content.decode()
    assert not User.objects.exists()


def test_signup_requires_names_and_company(client: Client) -> None:
    response = client.post(reverse("account_signup"), {**SIGNUP, "first_name": "", "company_name": ""})

    assert response.status_code == 200
    assert response.content.decode().count("This field is required.") == 2
    assert not Environment.objects.filter(name="De Vries Administratie").exists()


def test_environment_and_user_are_created_in_one_transaction(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_audit(**kwargs: object) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr("accounts.services.audit_record", failing_audit)
    environments_before = Environment.objects.count()

    with pytest.raises(RuntimeError):
        client.post(reverse("account_signup"), SIGNUP)

    assert Environment.objects.count() == environments_before
    assert not User.objects.filter(email="anna@devries.test").exists()


def test_signup_sends_the_verification_email_through_the_queue(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    from post_office.models import Email

    response = _sign_up(client, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    queued = Email.objects.get(to=["anna@devries.test"])
    assert "Confirm your email address" in queued.subject
    assert queued.html_message
    assert len(mail.outbox) == 1
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_user_cannot_sign_in_before_verifying_the_email_address(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    _sign_up(client, django_capture_on_commit_callbacks)
    fresh = Client()

    with django_capture_on_commit_callbacks(execute=True):
        response = fresh.post(
            reverse("account_login"), {"login": "anna@devries.test", "password": TEST_PASSWORD}
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert fresh.get(reverse("dashboard")).status_code == 302
    assert "_auth_user_id" not in fresh.session


def test_verification_link_get_changes_nothing_and_post_verifies_and_signs_in(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    _sign_up(client, django_capture_on_commit_callbacks)
    link = _link_in_last_email()
    visitor = client  # the browser that signed up is signed in by the confirmation

    page = visitor.get(link)

    assert page.status_code == 200
    assert not EmailAddress.objects.get(email="anna@devries.test").verified

    response = visitor.post(link)

    assert response.status_code == 302
    assert EmailAddress.objects.get(email="anna@devries.test").verified
    dashboard = visitor.get(reverse("dashboard"))
    assert dashboard.status_code == 200
    assert "De Vries Administratie" in dashboard.content.decode()


def test_verification_from_another_browser_then_sign_in_works(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    _sign_up(client, django_capture_on_commit_callbacks)
    Client().post(_link_in_last_email())
    fresh = Client()

    response = fresh.post(reverse("account_login"), {"login": "anna@devries.test", "password": TEST_PASSWORD})

    assert response.status_code == 302
    assert fresh.get(reverse("dashboard")).status_code == 200


def test_signing_up_with_an_address_that_has_an_account_creates_no_environment(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    from tests.factories import AdministratorFactory

    AdministratorFactory(email="anna@devries.test")
    environments_before = Environment.objects.count()

    response = _sign_up(client, django_capture_on_commit_callbacks)

    assert response.status_code in (200, 302)
    assert Environment.objects.count() == environments_before
    assert User.objects.filter(email="anna@devries.test").count() == 1
