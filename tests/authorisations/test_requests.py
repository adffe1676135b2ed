from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from post_office.models import Email

from accounts.tokens import link_token_hash
from authorisations.models import AuthorisationLink, AuthorisationRequestStatus
from authorisations.services import (
    LinkUnusable,
    authorisation_link_resolve,
    authorisation_request_resend,
    authorisation_request_withdraw,
)
from environments.plans import PlanFeatureUnavailable
from tests.authorisations.helpers import latest_token_for, send
from tests.factories import AdvancedUserFactory, EnvironmentFactory, UserFactory, plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def accountant():
    return AdvancedUserFactory(environment=EnvironmentFactory(name="Demo Accountants", plan=plan("basic")))


def test_sending_emails_the_client_a_link_and_stores_only_the_token_hash(accountant) -> None:
    request, token = send(accountant)

    link = AuthorisationLink.objects.get(request=request)
    assert link.token_hash == link_token_hash(token)
    assert token not in link.token_hash
    assert len(token) >= 43  # 32 bytes of secrets.token_urlsafe: 256 bits
    email = Email.objects.get(to=["owner@jansen.test"])
    assert "Demo Accountants asks to work for Bakkerij Jansen B.V." in email.subject
    assert email.html_message


def test_a_second_pending_request_to_the_same_kvk_is_refused(accountant) -> None:
    send(accountant)

    with pytest.raises(ValidationError, match="already pending"):
        send(accountant, client_email="other@jansen.test")


def test_basic_users_cannot_send(accountant) -> None:
    basic = UserFactory(environment=accountant.environment)

    with pytest.raises(PermissionDenied):
        send(basic)


def test_free_plan_cannot_send_and_is_told_to_upgrade() -> None:
    free = AdvancedUserFactory(environment=EnvironmentFactory(plan=plan("invoice-portal")))

    with pytest.raises(PlanFeatureUnavailable, match="Basic subscription"):
        send(free)


def test_withdrawn_request_link_stops_working(accountant) -> None:
    request, token = send(accountant)

    authorisation_request_withdraw(request=request, acting_user=accountant)

    with pytest.raises(LinkUnusable) as unusable:
        authorisation_link_resolve(token=token)
    assert unusable.value.reason == "withdrawn"


def test_resend_makes_a_new_link_and_kills_the_old_one(accountant) -> None:
    request, old_token = send(accountant)

    authorisation_request_resend(request=request, acting_user=accountant)
    new_token = latest_token_for(request.client_email)

    assert new_token != old_token
    assert authorisation_link_resolve(token=new_token).pk == request.pk
    with pytest.raises(LinkUnusable) as unusable:
        authorisation_link_resolve(token=old_token)
    assert unusable.value.reason == "superseded"


def test_opening_the_link_changes_nothing(accountant, client) -> None:
    request, token = send(accountant)
    emails_before = Email.objects.count()

    response = client.get(reverse("authorisations:respond", kwargs={"token": token}))

    assert response.status_code == 200
    assert b"Demo Accountants asks to work for you" in response.content
    request.refresh_from_db()
    assert request.status == AuthorisationRequestStatus.PENDING
    assert request.responded_at is None
    assert Email.objects.count() == emails_before


@pytest.mark.parametrize("reason", ["withdrawn", "superseded"])
def test_dead_links_show_a_clear_page(accountant, client, reason) -> None:
    request, token = send(accountant)
    if reason == "withdrawn":
        authorisation_request_withdraw(request=request, acting_user=accountant)
    else:
        authorisation_request_resend(request=request, acting_user=accountant)

    response = client.get(reverse("authorisations:respond", kwargs={"token": token}))

    assert response.status_code == 410
    assert b"This link no longer works" in response.content


def test_unknown_token_shows_the_clear_page(client) -> None:
    response = client.get(reverse("authorisations:respond", kwargs={"token": "x" * 43}))

    assert response.status_code == 410
    assert b"not valid" in response.content


def test_new_request_form_rejects_bad_input_with_field_errors(accountant, client_for) -> None:
    response = client_for(accountant).post(
        reverse("authorisations:create"),
        {
            "client_name": "",
            "client_email": "not-an-email",
            "kvk_number": "123",
            "organisation_name": "X",
            "software_package": "exact_online",
            "role": "20",
            "payer": "client",
        },
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"client_name", "client_email", "kvk_number"}


def test_new_request_form_sends_the_request(accountant, client_for) -> None:
    response = client_for(accountant).post(
        reverse("authorisations:create"),
        {
            "client_name": "Jansen",
            "client_email": "jansen@example.test",
            "kvk_number": "87654321",
            "organisation_name": "Jansen B.V.",
            "software_package": "twinfield",
            "role": "10",
            "payer": "client",
            "message": "Hello",
        },
    )

    assert response.status_code == 302
    assert Email.objects.filter(to=["jansen@example.test"]).exists()
