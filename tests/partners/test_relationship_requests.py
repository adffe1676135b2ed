"""Sending, accepting, declining and withdrawing relationship requests (the services)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from post_office.models import Email
from time_machine import TimeMachineFixture

from audit.models import AuditEvent
from environments.plans import PlanFeatureUnavailable
from partners.models import Partnership, PartnershipOrigin, RelationshipRequest, RelationshipRequestStatus
from partners.services import (
    RelationshipRequestUnusable,
    ReverseRequestPending,
    relationship_request_accept,
    relationship_request_decline,
    relationship_request_send,
    relationship_request_withdraw,
)
from tests.factories import PartnershipFactory, plan
from tests.partners.conftest import Pair
from tests.partners.factories import RelationshipManagerFactory, RelationshipRequestFactory
from tests.partners.mail import queued_subjects, recipients_of

CaptureCallbacks = Callable[..., Any]

pytestmark = pytest.mark.django_db


def send(pair: Pair, message: str = "") -> RelationshipRequest:
    return relationship_request_send(
        from_environment=pair.firm,
        to_environment=pair.client,
        acting_user=pair.firm_advanced,
        message=message,
    )


def test_sending_stores_a_pending_request_valid_for_fourteen_days(pair: Pair) -> None:
    before = timezone.now()

    request = send(pair, message="  Shall we work together?  ")

    assert request.status == RelationshipRequestStatus.PENDING
    assert request.message == "Shall we work together?"
    assert request.sent_by == pair.firm_advanced
    assert (request.expires_at - before).days == 14


def test_request_goes_to_the_receivers_administrators_when_it_has_no_relationship_managers(
    pair: Pair,
) -> None:
    send(pair)

    assert recipients_of("asks to become your partner") == {"admin@jansen.test"}


def test_request_goes_to_the_receivers_relationship_managers_when_it_has_them(pair: Pair) -> None:
    RelationshipManagerFactory(environment=pair.client, email="rm@jansen.test")

    send(pair)

    assert recipients_of("asks to become your partner") == {"rm@jansen.test"}


def test_request_email_is_delivered_only_after_commit(
    pair: Pair,
    django_capture_on_commit_callbacks: CaptureCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        send(pair)
        assert mail.outbox == []

    assert [message.to for message in mail.outbox] == [["admin@jansen.test"]]


def test_request_email_holds_a_link_with_a_long_random_token_whose_hash_only_is_stored(pair: Pair) -> None:
    request = send(pair)

    body = Email.objects.get(to=["admin@jansen.test"]).message
    token = re.search(r"/partners/requests/link/([^/\s]+)/", body).group(1)
    assert len(token) >= 43  # 32 bytes from secrets, urlsafe base64: 256 bits
    assert token not in str(RelationshipRequest.objects.filter(pk=request.pk).values().get())
    assert request.token_hash != token and len(request.token_hash) == 64


def test_every_request_gets_its_own_token(pair: Pair) -> None:
    first = send(pair)
    relationship_request_withdraw(relationship_request=first, acting_user=pair.firm_advanced)

    second = send(pair)

    assert first.token_hash != second.token_hash


def test_sending_is_audited(pair: Pair) -> None:
    request = send(pair)

    event = AuditEvent.objects.get(action="relationship_request.sent")
    assert (event.environment, event.other_environment, event.target_id) == (
        pair.firm,
        pair.client,
        str(request.pk),
    )


def test_basic_users_cannot_send(pair: Pair) -> None:
    with pytest.raises(PermissionDenied):
        relationship_request_send(
            from_environment=pair.firm, to_environment=pair.client, acting_user=pair.firm_basic
        )


def test_sender_plan_without_partnerships_is_told_to_upgrade(pair: Pair) -> None:
    pair.firm.plan = plan("invoice-portal")
    pair.firm.save()

    with pytest.raises(PlanFeatureUnavailable, match="Basic subscription"):
        send(pair)


def test_receiver_plan_without_partnerships_is_refused_with_a_clear_message(pair: Pair) -> None:
    pair.client.plan = plan("invoice-portal")
    pair.client.save()

    with pytest.raises(ValidationError, match="does not include partnerships"):
        send(pair)


def test_receiver_outside_the_directory_is_refused(pair: Pair) -> None:
    pair.client.listed_in_directory = False
    pair.client.save()

    with pytest.raises(ValidationError, match="not in the partner directory"):
        send(pair)


def test_existing_partners_cannot_send_a_request(pair: Pair) -> None:
    PartnershipFactory(environments=(pair.firm, pair.client))

    with pytest.raises(ValidationError, match="already have an active partnership"):
        send(pair)


def test_a_second_pending_request_to_the_same_environment_is_refused(pair: Pair) -> None:
    send(pair)

    with pytest.raises(ValidationError, match="still pending"):
        relationship_request_send(
            from_environment=pair.firm, to_environment=pair.client, acting_user=pair.firm_admin
        )
    assert RelationshipRequest.objects.count() == 1


def test_when_the_other_side_already_asked_the_user_is_offered_that_request(pair: Pair) -> None:
    theirs = relationship_request_send(
        from_environment=pair.client, to_environment=pair.firm, acting_user=pair.client_advanced
    )

    with pytest.raises(ReverseRequestPending) as offered:
        send(pair)

    assert offered.value.relationship_request == theirs
    assert RelationshipRequest.objects.count() == 1


def test_an_overdue_pending_request_does_not_block_a_new_one(
    pair: Pair, time_machine: TimeMachineFixture
) -> None:
    old = send(pair)
    time_machine.move_to(timezone.now() + timedelta(days=15))

    new = send(pair)

    old.refresh_from_db()
    assert old.status == RelationshipRequestStatus.EXPIRED
    assert new.status == RelationshipRequestStatus.PENDING


def test_accepting_forms_the_partnership_and_tells_both_sides(pair: Pair) -> None:
    request = send(pair)

    partnership = relationship_request_accept(relationship_request=request, acting_user=pair.client_admin)

    request.refresh_from_db()
    assert partnership.is_active and partnership.origin == PartnershipOrigin.RELATIONSHIP_REQUEST
    assert {partnership.environment_a, partnership.environment_b} == {pair.firm, pair.client}
    assert (request.status, request.partnership, request.decided_by) == (
        RelationshipRequestStatus.ACCEPTED,
        partnership,
        pair.client_admin,
    )
    assert "You are now partners with Bakkerij Jansen" in queued_subjects("accountant@devries.test")
    assert "You are now partners with Boekhouding De Vries" in queued_subjects("admin@jansen.test")


def test_accepting_is_audited_for_both_sides(pair: Pair) -> None:
    request = send(pair)

    relationship_request_accept(relationship_request=request, acting_user=pair.client_advanced)

    formed = AuditEvent.objects.filter(action="partnership.formed")
    assert {(event.environment_id, event.other_environment_id) for event in formed} == {
        (pair.firm.pk, pair.client.pk),
        (pair.client.pk, pair.firm.pk),
    }
    assert AuditEvent.objects.filter(action="relationship_request.accepted", environment=pair.client).exists()


def test_only_advanced_users_and_administrators_of_the_receiver_can_accept(pair: Pair) -> None:
    request = send(pair)

    for user in (pair.client_basic, pair.firm_admin):
        with pytest.raises(PermissionDenied):
            relationship_request_accept(relationship_request=request, acting_user=user)
    assert not Partnership.objects.exists()


def test_receiver_that_lost_partnerships_since_cannot_accept(pair: Pair) -> None:
    request = send(pair)
    pair.client.plan = plan("invoice-portal")
    pair.client.save()

    with pytest.raises(PlanFeatureUnavailable):
        relationship_request_accept(relationship_request=request, acting_user=pair.client_admin)


def test_sender_that_lost_partnerships_since_cannot_be_accepted(pair: Pair) -> None:
    request = send(pair)
    pair.firm.plan = plan("invoice-portal")
    pair.firm.save()

    with pytest.raises(ValidationError, match="no longer includes partnerships"):
        relationship_request_accept(relationship_request=request, acting_user=pair.client_admin)


def test_accepting_twice_is_refused_as_already_accepted(pair: Pair) -> None:
    request = send(pair)
    relationship_request_accept(relationship_request=request, acting_user=pair.client_admin)

    with pytest.raises(RelationshipRequestUnusable) as unusable:
        relationship_request_accept(relationship_request=request, acting_user=pair.client_advanced)

    assert unusable.value.status == "accepted"
    assert Partnership.objects.count() == 1


def test_accept_checks_expiry_itself_before_the_periodic_job_ran(
    pair: Pair, time_machine: TimeMachineFixture
) -> None:
    request = send(pair)
    time_machine.move_to(request.expires_at + timedelta(seconds=1))

    with pytest.raises(RelationshipRequestUnusable) as unusable:
        relationship_request_accept(relationship_request=request, acting_user=pair.client_admin)

    assert unusable.value.status == "expired"
    assert not Partnership.objects.exists()


def test_accepting_reuses_a_partnership_formed_meanwhile_in_another_way(pair: Pair) -> None:
    request = send(pair)
    existing = PartnershipFactory(environments=(pair.firm, pair.client), origin="authorisation_request")

    partnership = relationship_request_accept(relationship_request=request, acting_user=pair.client_admin)

    assert partnership == existing
    assert Partnership.objects.count() == 1


def test_accepting_also_fulfils_the_request_the_other_way(pair: Pair) -> None:
    # Both asked at once before either saw the other's request (the service would have offered
    # the first one instead, so the second is made by a factory).
    ours = RelationshipRequestFactory(from_environment=pair.client, to_environment=pair.firm)
    theirs = RelationshipRequestFactory(from_environment=pair.firm, to_environment=pair.client)

    partnership = relationship_request_accept(relationship_request=theirs, acting_user=pair.client_admin)

    ours.refresh_from_db()
    assert (ours.status, ours.partnership) == (RelationshipRequestStatus.ACCEPTED, partnership)
    assert AuditEvent.objects.filter(action="relationship_request.accepted", target_id=str(ours.pk)).exists()


def test_declining_tells_the_sender_and_forms_nothing(pair: Pair) -> None:
    request = send(pair)

    relationship_request_decline(relationship_request=request, acting_user=pair.client_advanced)

    request.refresh_from_db()
    assert request.status == RelationshipRequestStatus.DECLINED
    assert not Partnership.objects.exists()
    assert queued_subjects("accountant@devries.test") == [
        "Bakkerij Jansen declined your relationship request"
    ]
    assert AuditEvent.objects.filter(action="relationship_request.declined").count() == 1


def test_withdrawing_closes_the_request_for_good(pair: Pair) -> None:
    request = send(pair)

    relationship_request_withdraw(relationship_request=request, acting_user=pair.firm_admin)

    with pytest.raises(RelationshipRequestUnusable) as unusable:
        relationship_request_accept(relationship_request=request, acting_user=pair.client_admin)
    assert unusable.value.status == "withdrawn"
    assert AuditEvent.objects.filter(action="relationship_request.withdrawn").count() == 1


def test_only_the_senders_advanced_users_and_administrators_can_withdraw(pair: Pair) -> None:
    request = send(pair)

    for user in (pair.firm_basic, pair.client_admin):
        with pytest.raises(PermissionDenied):
            relationship_request_withdraw(relationship_request=request, acting_user=user)
