from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from post_office.models import Email

from authorisations.models import AuthorisationRequestStatus
from authorisations.services import (
    LinkUnusable,
    authorisation_link_resolve,
    authorisation_requests_expire,
    authorisation_requests_remind,
)
from authorisations.tasks import expire_authorisation_requests
from tests.authorisations.helpers import LINK, send
from tests.factories import AdvancedUserFactory, EnvironmentFactory, plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def accountant():
    return AdvancedUserFactory(environment=EnvironmentFactory(name="Demo Accountants", plan=plan("basic")))


def test_pending_requests_expire_after_fourteen_days_and_the_sender_is_told_once(accountant) -> None:
    request, _token = send(accountant)

    with time_machine.travel(timezone.now() + timedelta(days=13, hours=23)):
        assert expire_authorisation_requests() == 0
    with time_machine.travel(timezone.now() + timedelta(days=14, minutes=1)):
        first = expire_authorisation_requests()
        second = expire_authorisation_requests()

    request.refresh_from_db()
    assert (first, second) == (1, 0)
    assert request.status == AuthorisationRequestStatus.EXPIRED
    assert Email.objects.filter(subject__contains="has expired", to=[accountant.email]).count() == 1


def test_an_expired_link_shows_the_clear_page(accountant, client) -> None:
    _request, token = send(accountant)

    with time_machine.travel(timezone.now() + timedelta(days=15)):
        response = client.get(reverse("authorisations:respond", kwargs={"token": token}))

    assert response.status_code == 410
    assert b"expired" in response.content


def test_the_client_is_reminded_once_three_days_before_expiry_with_a_fresh_link(accountant) -> None:
    _request, first_token = send(accountant)

    with time_machine.travel(timezone.now() + timedelta(days=10)):
        too_early = authorisation_requests_remind()
    with time_machine.travel(timezone.now() + timedelta(days=11, hours=1)):
        reminded = authorisation_requests_remind()
        again = authorisation_requests_remind()
        reminder = Email.objects.filter(subject__startswith="Reminder").get()
        fresh_token = LINK.search(reminder.message).group("token")
        assert authorisation_link_resolve(token=fresh_token)

    assert (too_early, reminded, again) == (0, 1, 0)
    with pytest.raises(LinkUnusable):
        authorisation_link_resolve(token=first_token)


def test_expired_requests_are_not_reminded(accountant) -> None:
    send(accountant)

    with time_machine.travel(timezone.now() + timedelta(days=15)):
        authorisation_requests_expire()
        assert authorisation_requests_remind() == 0
