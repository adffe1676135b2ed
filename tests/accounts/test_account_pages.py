"""Account pages served by django-allauth: password reset, rate limits, two-factor, our layout."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.core import mail
from django.test import Client
from django.urls import reverse

from config.settings import base as base_settings
from tests.factories import TEST_PASSWORD, AdministratorFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a completely different passphrase"


def _signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    """Signed in through the login form, so allauth records a fresh authentication."""
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.content.decode()
    return client


def _current_totp(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    counter = counters[len(counters) // 2]  # the middle one is now; the others are the tolerance
    return format_hotp_value(hotp_value(secret, counter))


def test_password_reset_by_emailed_link(client: Client, django_capture_on_commit_callbacks) -> None:
    user = AdministratorFactory(email="reset@example.test")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    body = mail.outbox[-1].body
    assert "Reset your password" in mail.outbox[-1].subject
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", body).group(0)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
            {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )

    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    fresh = Client()
    fresh.post(reverse("account_login"), {"login": user.email, "password": NEW_PASSWORD})
    assert fresh.get(reverse("dashboard")).status_code == 200


def test_repeated_failed_logins_are_rate_limited(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ACCOUNT_RATE_LIMITS = base_settings.ACCOUNT_RATE_LIMITS
    user = AdministratorFactory(email="target@example.test")
    for _attempt in range(5):
        failed = client.post(reverse("account_login"), {"login": user.email, "password": "wrong password!"})
        assert failed.status_code == 200

    response = client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})

    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_rate_limits_are_on_in_the_base_settings() -> None:
    assert base_settings.ACCOUNT_RATE_LIMITS["login_failed"]
    assert base_settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory"


@pytest.mark.parametrize(
    "url_name",
    ["account_login", "account_signup", "account_reset_password", "account_email_verification_sent"],
)
def test_entrance_pages_use_the_portal_layout(client: Client, url_name: str) -> None:
    response = client.get(reverse(url_name))

    content = response.content.decode()
    assert response.status_code == 200
    assert 'class="narrow allauth"' in content
    assert "portal.css" in content


@pytest.mark.parametrize("url_name", ["account_email", "account_change_password", "mfa_index"])
def test_account_pages_have_the_account_tabs(url_name: str) -> None:
    client = _signed_in(AdministratorFactory())

    response = client.get(reverse(url_name))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Two-factor authentication" in content
    assert reverse("mfa_index") in content
    assert 'class="sidenav"' in content


# One second into a 30-second TOTP period, so the codes cannot roll over mid-test.
@time_machine.travel(datetime(2026, 3, 2, 9, 0, 1, tzinfo=UTC), tick=True)
def test_totp_two_factor_can_be_activated_and_is_then_asked_at_sign_in() -> None:
    user = AdministratorFactory(email="mfa@example.test")
    client = _signed_in(user)

    asks_password = client.get(reverse("mfa_activate_totp"), follow=True)
    assert "reauthenticate" in asks_password.redirect_chain[-1][0]
    activate_page = client.post(asks_password.redirect_chain[-1][0], {"password": TEST_PASSWORD}, follow=True)
    assert activate_page.status_code == 200
    secret = activate_page.context["form"].secret
    activated = client.post(reverse("mfa_activate_totp"), {"code": _current_totp(secret)})

    assert activated.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()

    second_browser = Client()
    login = second_browser.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
    assert login["Location"] == reverse("mfa_authenticate")
    assert second_browser.get(reverse("dashboard")).status_code == 302

    second_browser.post(reverse("mfa_authenticate"), {"code": _current_totp(secret)})
    assert second_browser.get(reverse("dashboard")).status_code == 200
