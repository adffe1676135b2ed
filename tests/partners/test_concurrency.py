"""Races, on real PostgreSQL transactions with threads: many accepts at once, accept against
expiry, end against a new membership, two establishes at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from post_office.models import Email
from time_machine import TimeMachineFixture

from environments.models import OrganisationMembership, OrganisationRole, OrganisationUserObjectPermission
from environments.services import membership_grant
from partners.models import Partnership, PartnershipStatus, RelationshipRequest, RelationshipRequestStatus
from partners.services import (
    RelationshipRequestUnusable,
    partnership_end,
    partnership_establish,
    relationship_request_accept,
    relationship_request_send,
    relationship_requests_expire,
)
from tests.partners.conftest import Pair

pytestmark = pytest.mark.django_db(transaction=True)


class Outcome:
    def __init__(self) -> None:
        self.value: Any = None
        self.error: BaseException | None = None


def start(work: Callable[[], Any]) -> tuple[threading.Thread, Outcome]:
    """Run ``work`` in a thread with its own database connection, closed when it is done."""
    outcome = Outcome()

    def run() -> None:
        try:
            outcome.value = work()
        except BaseException as error:
            outcome.error = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def at_once(count: int, work: Callable[[], Any]) -> list[Outcome]:
    barrier = threading.Barrier(count)

    def synchronised() -> Any:
        barrier.wait(timeout=30)
        return work()

    started = [start(synchronised) for _ in range(count)]
    for thread, _outcome in started:
        thread.join(timeout=60)
    return [outcome for _thread, outcome in started]


def holding(work: Callable[[], Any]) -> tuple[threading.Thread, Outcome, threading.Event, threading.Event]:
    """Run ``work`` inside a transaction that stays open (holding its locks) until released."""
    done, release = threading.Event(), threading.Event()

    def held() -> Any:
        with transaction.atomic():
            value = work()
            done.set()
            release.wait(timeout=30)
            return value

    thread, outcome = start(held)
    assert done.wait(timeout=30), outcome.error
    return thread, outcome, done, release


def send(pair: Pair) -> RelationshipRequest:
    return relationship_request_send(
        from_environment=pair.firm, to_environment=pair.client, acting_user=pair.firm_advanced
    )


def test_twenty_simultaneous_accepts_form_one_partnership_and_send_one_set_of_emails(pair: Pair) -> None:
    request = send(pair)
    mail.outbox.clear()

    outcomes = at_once(
        20, lambda: relationship_request_accept(relationship_request=request, acting_user=pair.client_admin)
    )

    accepted = [outcome for outcome in outcomes if outcome.error is None]
    refused = [outcome for outcome in outcomes if isinstance(outcome.error, RelationshipRequestUnusable)]
    assert len(accepted) == 1 and len(refused) == 19
    assert {outcome.error.status for outcome in refused} == {"accepted"}  # type: ignore[union-attr]
    assert Partnership.objects.count() == 1
    assert Email.objects.filter(subject__startswith="You are now partners").count() == 3
    assert sorted(
        message.to[0] for message in mail.outbox if message.subject.startswith("You are now partners")
    ) == [
        "accountant@devries.test",
        "admin@devries.test",
        "admin@jansen.test",
    ]


def test_simultaneous_establishes_create_one_partnership(pair: Pair) -> None:
    outcomes = at_once(
        10,
        lambda: partnership_establish(
            environment=pair.firm,
            other_environment=pair.client,
            origin="authorisation_request",
            acting_user=None,
        ),
    )

    assert [outcome.error for outcome in outcomes] == [None] * 10
    assert sum(1 for outcome in outcomes if outcome.value[1]) == 1
    assert len({outcome.value[0].pk for outcome in outcomes}) == 1
    assert Partnership.objects.count() == 1


def test_expiry_during_an_accept_in_progress_leaves_the_request_accepted(
    pair: Pair, time_machine: TimeMachineFixture
) -> None:
    request = send(pair)
    time_machine.move_to(request.expires_at - timedelta(seconds=5))
    accepting, outcome, _done, release = holding(
        lambda: relationship_request_accept(relationship_request=request, acting_user=pair.client_admin)
    )
    time_machine.move_to(request.expires_at + timedelta(seconds=1))

    expired_meanwhile = relationship_requests_expire()
    release.set()
    accepting.join(timeout=30)
    expired_after = relationship_requests_expire()

    request.refresh_from_db()
    assert outcome.error is None and (expired_meanwhile, expired_after) == (0, 0)
    assert request.status == RelationshipRequestStatus.ACCEPTED
    assert Partnership.objects.filter(status=PartnershipStatus.ACTIVE).count() == 1
    assert not Email.objects.filter(subject__contains="has expired").exists()


def test_an_accept_waiting_for_the_expiry_job_is_refused_as_expired(
    pair: Pair, time_machine: TimeMachineFixture
) -> None:
    request = send(pair)
    time_machine.move_to(request.expires_at + timedelta(seconds=1))
    expiring, _expiry, _done, release = holding(relationship_requests_expire)

    accepting, outcome = start(
        lambda: relationship_request_accept(relationship_request=request, acting_user=pair.client_admin)
    )
    accepting.join(timeout=0.5)
    blocked = accepting.is_alive()
    release.set()
    expiring.join(timeout=30)
    accepting.join(timeout=30)

    request.refresh_from_db()
    assert blocked
    assert isinstance(outcome.error, RelationshipRequestUnusable) and outcome.error.status == "expired"
    assert request.status == RelationshipRequestStatus.EXPIRED
    assert not Partnership.objects.exists()


def cross_access(pair: Pair) -> tuple[int, int]:
    return (
        OrganisationMembership.objects.filter(user=pair.firm_advanced).count(),
        OrganisationUserObjectPermission.objects.filter(user=pair.firm_advanced).count(),
    )


def test_end_waits_for_a_membership_being_granted_and_then_removes_it(pair: Pair) -> None:
    partnership, _created = partnership_establish(
        environment=pair.firm, other_environment=pair.client, origin="relationship_request", acting_user=None
    )
    granting, grant_outcome, _done, release = holding(
        lambda: membership_grant(
            organisation=pair.client_org,
            user=pair.firm_advanced,
            role=OrganisationRole.MEMBER,
            acting_user=pair.client_admin,
        )
    )

    ending, end_outcome = start(
        lambda: partnership_end(partnership=partnership, acting_user=pair.client_admin)
    )
    ending.join(timeout=0.5)
    blocked = ending.is_alive()
    release.set()
    granting.join(timeout=30)
    ending.join(timeout=30)

    partnership.refresh_from_db()
    assert blocked and grant_outcome.error is None and end_outcome.value is True
    assert partnership.status == PartnershipStatus.ENDED
    assert cross_access(pair) == (0, 0)


def test_a_membership_granted_while_the_partnership_ends_is_refused(pair: Pair) -> None:
    partnership, _created = partnership_establish(
        environment=pair.firm, other_environment=pair.client, origin="relationship_request", acting_user=None
    )
    ending, end_outcome, _done, release = holding(
        lambda: partnership_end(partnership=partnership, acting_user=pair.client_admin)
    )

    granting, grant_outcome = start(
        lambda: membership_grant(
            organisation=pair.client_org,
            user=pair.firm_advanced,
            role=OrganisationRole.MEMBER,
            acting_user=pair.client_admin,
        )
    )
    granting.join(timeout=0.5)
    blocked = granting.is_alive()
    release.set()
    ending.join(timeout=30)
    granting.join(timeout=30)

    assert blocked and end_outcome.value is True
    assert isinstance(grant_outcome.error, ValidationError)
    assert cross_access(pair) == (0, 0)


def test_end_and_grants_at_once_leave_no_access_behind(pair: Pair) -> None:
    partnership, _created = partnership_establish(
        environment=pair.firm, other_environment=pair.client, origin="relationship_request", acting_user=None
    )
    barrier = threading.Barrier(4)

    def grant_one(user_email: str) -> Callable[[], Any]:
        def work() -> Any:
            barrier.wait(timeout=30)
            user = pair.firm.users.get(email=user_email)
            return membership_grant(
                organisation=pair.client_org,
                user=user,
                role=OrganisationRole.MEMBER,
                acting_user=pair.client_admin,
            )

        return work

    def end() -> Any:
        barrier.wait(timeout=30)
        return partnership_end(partnership=partnership, acting_user=pair.client_admin)

    started = [start(grant_one(email)) for email in ("accountant@devries.test", "admin@devries.test")]
    started += [start(end), start(grant_one("accountant@devries.test"))]
    for thread, _outcome in started:
        thread.join(timeout=60)

    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.ENDED
    assert not OrganisationMembership.objects.filter(user__environment=pair.firm).exists()
    assert not OrganisationUserObjectPermission.objects.filter(user__environment=pair.firm).exists()
