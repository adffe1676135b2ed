"""The development mailbox shows queued emails in the browser, and only while DEBUG is on."""

from __future__ import annotations

import pytest
from django.urls import reverse
from post_office.models import Email

from emails.services import email_queue

pytestmark = pytest.mark.django_db


def _queue_invitation() -> Email:
    [email] = email_queue(
        to=["colleague@example.test"],
        template="accounts/email/invitation",
        context={
            "environment_name": "Demo Accountants B.V.",
            "inviter_name": "Anna de Vries",
            "link": "http://portal.test/invitation/abc/",
            "expires_at": None,
        },
    )
    return email


def test_mailbox_lists_queued_emails_when_debug_is_on(settings, client) -> None:
    settings.DEBUG = True
    email = _queue_invitation()

    response = client.get(reverse("emails:mailbox"))

    assert response.status_code == 200
    assert "colleague@example.test" in response.text
    assert email.subject in response.text
    assert reverse("emails:mailbox_message", kwargs={"pk": email.pk}) in response.text


def test_mailbox_shows_an_email_with_its_text_and_html_parts_when_debug_is_on(settings, client) -> None:
    settings.DEBUG = True
    email = _queue_invitation()

    response = client.get(reverse("emails:mailbox_message", kwargs={"pk": email.pk}))

    assert response.status_code == 200
    assert response.context["email"] == email
    assert "invites you to join Demo Accountants B.V." in response.text  # the text part
    assert 'class="email-html"' in response.text  # the HTML part, sandboxed
    assert "&lt;html" in response.text.lower() or "&lt;!doctype" in response.text.lower()


def test_mailbox_is_not_found_when_debug_is_off(settings, client) -> None:
    settings.DEBUG = False
    email = _queue_invitation()

    assert client.get(reverse("emails:mailbox")).status_code == 404
    assert client.get(reverse("emails:mailbox_message", kwargs={"pk": email.pk})).status_code == 404
