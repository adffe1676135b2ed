"""The pages of relationship requests: the emailed link, the in-portal request, sending."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from unittest import mock
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from post_office.models import Email
from time_machine import TimeMachineFixture

from accounts import tokens
from accounts.models import User
from audit.models import AuditEvent
from partners.models import Partnership, RelationshipRequest, RelationshipRequestStatus
from partners.services import relationship_request_send
from tests.factories import TEST_PASSWORD, EnvironmentFactory, PartnershipFactory, plan
from tests.partners.conftest import Pair
from tests.partners.factories import RelationshipRequestFactory

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User | None], Client]
TOKEN = "a-known-token-for-tests-0123456789abcdefghij"


@pytest.fixture
def pending(pair: Pair) -> RelationshipRequest:
    return RelationshipRequestFactory(
        from_environment=pair.firm, to_environment=pair.client, sent_by=pair.firm_advanced, token=TOKEN
    )


def link(token: str = TOKEN) -> str:
    return reverse("partners:request_link", kwargs={"token": token})


def state() -> tuple[int, int, int, list[tuple[object, ...]]]:
    return (
        AuditEvent.objects.count(),
        Email.objects.count(),
        Partnership.objects.count(),
        list(
            RelationshipRequest.objects.values_list("status", "decided_at", "reminder_sent_at", "token_hash")
        ),
    )


def test_signed_out_visitor_is_sent_to_sign_in_and_back_to_the_link(
    client: Client, pending: RelationshipRequest
) -> None:
    response = client.get(link())

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={quote(link())}"


def test_signing_in_from_the_link_returns_to_the_request(
    client: Client, pair: Pair, pending: RelationshipRequest
) -> None:
    response = client.post(
        f"{reverse('account_login')}?next={quote(link())}",
        {"login": pair.client_admin.email, "password": TEST_PASSWORD},
    )

    assert response.status_code == 302 and response["Location"] == link()
    assert "Boekhouding De Vries asks to become your partner" in client.get(link()).content.decode()


def test_opening_the_link_shows_the_request_and_changes_nothing(
    client_for: ClientFor, pair: Pair, pending: RelationshipRequest
) -> None:
    before = state()

    response = client_for(pair.client_admin).get(link())

    assert response.status_code == 200
    page = response.content.decode()
    assert "Boekhouding De Vries asks to become your partner" in page
    assert "We would like to work for you." in page
    assert 'value="accept"' in page and 'value="decline"' in page
    assert state() == before


def test_token_is_compared_in_constant_time(
    client_for: ClientFor, pair: Pair, pending: RelationshipRequest
) -> None:
    with mock.patch.object(tokens.hmac, "compare_digest", wraps=tokens.hmac.compare_digest) as compare:
        client_for(pair.client_admin).get(link())

    compare.assert_called_once_with(tokens.link_token_hash(TOKEN), pending.token_hash)


def test_basic_user_of_the_receiver_sees_the_request_without_answer_buttons(
    client_for: ClientFor, pair: Pair, pending: RelationshipRequest
) -> None:
    page = client_for(pair.client_basic).get(link()).content.decode()

    assert "Advanced users and administrators of your environment can accept" in page
    assert 'value="accept"' not in page


def test_basic_user_cannot_accept_through_the_link(
    client_for: ClientFor, pair: Pair, pending: RelationshipRequest
) -> None:
    response = client_for(pair.client_basic).post(link(), {"action": "accept"})

    assert response.status_code == 403
    assert not Partnership.objects.exists()


def test_a_user_of_another_environment_holding_the_link_gets_404(
    client_for: ClientFor, pair: Pair, pending: RelationshipRequest
) -> None:
    assert client_for(pair.firm_admin).get(link()).status_code == 404
    assert client_for(pair.firm_admin).post(link(), {"action": "accept"}).status_code == 404
    assert not Partnership.objects.exists()


def test_accepting_through_the_link_forms_the_partnership(
    client_for: ClientFor, pair: Pair, pending: RelationshipRequest
) -> None:
    response = client_for(pair.client_advanced).post(link(), {"action": "accept"})

    partnership = Partnership.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("partners:partnership_detail", kwargs={"pk": partnership.pk})


def test_declining_through_the_link(client_for: ClientFor, pair: Pair, pending: RelationshipRequest) -> None:
    client_for(pair.client_admin).post(link(), {"action": "decline"})

    pending.refresh_from_db()
    assert pending.status == RelationshipRequestStatus.DECLINED


def test_a_post_without_a_known_action_changes_nothing(
    client_for: ClientFor, pair: Pair, pending: RelationshipRequest
) -> None:
    before = state()

    response = client_for(pair.client_admin).post(link(), {"action": "delete"})

    assert response.status_code == 302
    assert state() == before


def test_a_used_link_shows_a_clear_page(
    client_for: ClientFor, pair: Pair, pending: RelationshipRequest
) -> None:
    client_for(pair.client_admin).post(link(), {"action": "accept"})

    response = client_for(pair.client_advanced).get(link())

    assert response.status_code == 200
    assert "already been accepted" in response.content.decode()
    again = client_for(pair.client_advanced).post(link(), {"action": "accept"})
    assert again.status_code == 200 and Partnership.objects.count() == 1


def test_a_withdrawn_link_shows_a_clear_page(
    client_for: ClientFor, pair: Pair, pending: RelationshipRequest
) -> None:
    client_for(pair.firm_advanced).post(reverse("partners:request_withdraw", kwargs={"pk": pending.pk}))

    response = client_for(pair.client_admin).get(link())

    assert response.status_code == 200
    assert "The sender withdrew it" in response.content.decode()


def test_an_expired_link_shows_a_clear_page_before_the_periodic_job_ran(
    client_for: ClientFor,
    pair: Pair,
    pending: RelationshipRequest,
    time_machine: TimeMachineFixture,
) -> None:
    time_machine.move_to(pending.expires_at + timedelta(minutes=1))

    response = client_for(pair.client_admin).get(link())
    posted = client_for(pair.client_admin).post(link(), {"action": "accept"})

    assert response.status_code == 200 and "It has expired" in response.content.decode()
    assert posted.status_code == 200 and not Partnership.objects.exists()


def test_an_unknown_link_shows_a_clear_page(
    client_for: ClientFor, pair: Pair, pending: RelationshipRequest
) -> None:
    response = client_for(pair.client_admin).get(link("not-the-token"))

    assert response.status_code == 200
    assert "This link does not work" in response.content.decode()


def test_accepting_on_a_plan_without_partnerships_shows_the_way_to_upgrade(
    client_for: ClientFor, pair: Pair, pending: RelationshipRequest
) -> None:
    pair.client.plan = plan("invoice-portal")
    pair.client.save()

    response = client_for(pair.client_admin).post(link(), {"action": "accept"})

    assert response.status_code == 403
    assert "available from the Basic subscription" in response.content.decode()
    assert not Partnership.objects.exists()


def test_in_portal_accept_and_decline(
    client_for: ClientFor, pair: Pair, pending: RelationshipRequest
) -> None:
    response = client_for(pair.client_admin).post(
        reverse("partners:request_accept", kwargs={"pk": pending.pk})
    )

    assert response.status_code == 302
    assert Partnership.objects.get().is_active


def test_withdraw_asks_for_confirmation_first(
    client_for: ClientFor, pair: Pair, pending: RelationshipRequest
) -> None:
    url = reverse("partners:request_withdraw", kwargs={"pk": pending.pk})

    page = client_for(pair.firm_advanced).get(url)
    pending.refresh_from_db()
    assert page.status_code == 200 and pending.status == RelationshipRequestStatus.PENDING

    client_for(pair.firm_advanced).post(url)
    pending.refresh_from_db()
    assert pending.status == RelationshipRequestStatus.WITHDRAWN


def test_sending_from_the_page(client_for: ClientFor, pair: Pair) -> None:
    url = reverse("partners:request_create", kwargs={"environment_pk": pair.client.pk})

    response = client_for(pair.firm_advanced).post(url, {"message": "Hello"})

    assert response.status_code == 302
    assert RelationshipRequest.objects.get().message == "Hello"


def test_a_second_request_shows_a_clear_form_error(client_for: ClientFor, pair: Pair) -> None:
    url = reverse("partners:request_create", kwargs={"environment_pk": pair.client.pk})
    client_for(pair.firm_advanced).post(url, {"message": "Hello"})

    response = client_for(pair.firm_admin).post(url, {"message": "Hello again"})

    assert response.status_code == 200
    assert "still pending" in response.content.decode()
    assert RelationshipRequest.objects.count() == 1


def test_sending_when_the_other_side_already_asked_leads_to_their_request(
    client_for: ClientFor, pair: Pair
) -> None:
    theirs = relationship_request_send(
        from_environment=pair.client, to_environment=pair.firm, acting_user=pair.client_admin
    )
    url = reverse("partners:request_create", kwargs={"environment_pk": pair.client.pk})

    page = client_for(pair.firm_advanced).get(url).content.decode()
    response = client_for(pair.firm_advanced).post(url, {"message": "Hello"})

    assert "Accept their request instead" in page
    assert response["Location"] == reverse("partners:request_detail", kwargs={"pk": theirs.pk})
    assert RelationshipRequest.objects.count() == 1


def test_an_overlong_message_is_a_form_error(client_for: ClientFor, pair: Pair) -> None:
    url = reverse("partners:request_create", kwargs={"environment_pk": pair.client.pk})

    response = client_for(pair.firm_advanced).post(url, {"message": "x" * 2001})

    assert response.status_code == 200 and not RelationshipRequest.objects.exists()


def test_an_unlisted_environment_cannot_be_asked(client_for: ClientFor, pair: Pair) -> None:
    pair.client.listed_in_directory = False
    pair.client.save()

    url = reverse("partners:request_create", kwargs={"environment_pk": pair.client.pk})
    assert client_for(pair.firm_advanced).get(url).status_code == 404


def test_find_partners_searches_by_kvk_number_and_name(client_for: ClientFor, pair: Pair) -> None:
    EnvironmentFactory(name="Hidden B.V.", kvk_number="33334499", listed_in_directory=False)
    client = client_for(pair.firm_advanced)

    by_kvk = client.get(reverse("partners:find"), {"q": "33334444"}).content.decode()
    by_name = client.get(reverse("partners:find"), {"q": "jansen"}).content.decode()
    own = client.get(reverse("partners:find"), {"q": "11112222"}).content.decode()
    hidden = client.get(reverse("partners:find"), {"q": "3333"}).content.decode()

    assert "Bakkerij Jansen" in by_kvk and "Bakkerij Jansen" in by_name
    assert "No environment in the directory matches" in own
    assert "Hidden B.V." not in hidden


def test_find_partners_marks_existing_partners_and_open_requests(client_for: ClientFor, pair: Pair) -> None:
    partner = EnvironmentFactory(name="Partner Ltd")
    PartnershipFactory(environments=(pair.firm, partner))
    asked = EnvironmentFactory(name="Asked Ltd")
    RelationshipRequestFactory(from_environment=pair.firm, to_environment=asked)
    asking = EnvironmentFactory(name="Asking Ltd")
    RelationshipRequestFactory(from_environment=asking, to_environment=pair.firm)

    page = client_for(pair.firm_advanced).get(reverse("partners:find"), {"q": "Ltd"}).content.decode()

    assert "View partnership" in page and "Request sent" in page and "Answer their request" in page


def test_an_environment_taken_out_of_the_directory_is_no_longer_found(
    client_for: ClientFor, pair: Pair
) -> None:
    client_for(pair.client_admin).post(
        reverse("environments:environment_settings"), {"name": pair.client.name, "listed_in_directory": ""}
    )

    pair.client.refresh_from_db()
    found = client_for(pair.firm_advanced).get(reverse("partners:find"), {"q": "Jansen"}).content.decode()
    assert pair.client.listed_in_directory is False
    assert "Bakkerij Jansen" not in found
