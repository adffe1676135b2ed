"""Pending requests expire after RELATIONSHIP_REQUEST_VALID_DAYS; recipients are reminded once,
RELATIONSHIP_REQUEST_REMINDER_DAYS before. Both jobs are idempotent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from post_office.models import Email
from time_machine import TimeMachineFixture

from audit.models import AuditEvent
from partners.models import RelationshipRequest, RelationshipRequestStatus
from partners.services import relationship_request_decline, relationship_request_send
from partners.tasks import expire_relationship_requests, remind_relationship_requests
from tests.partners.conftest import Pair
from tests.partners.factories import RelationshipManagerFactory
from tests.partners.mail import queued_subjects

CaptureCallbacks = Callable[..., Any]

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.get_default_timezone())


@pytest.fixture
def sent(pair: Pair, time_machine: TimeMachineFixture) -> RelationshipRequest:
    time_machine.move_to(START)
    return relationship_request_send(
        from_environment=pair.firm, to_environment=pair.client, acting_user=pair.firm_advanced
    )


def test_the_validity_and_reminder_periods_are_settings() -> None:
    assert settings.RELATIONSHIP_REQUEST_VALID_DAYS == 14
    assert settings.RELATIONSHIP_REQUEST_REMINDER_DAYS == 3
    assert "expire-relationship-requests" in settings.CELERY_BEAT_SCHEDULE
    assert "remind-relationship-requests" in settings.CELERY_BEAT_SCHEDULE


def test_a_request_is_not_expired_one_second_before_its_fourteen_days(
    sent: RelationshipRequest, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(START + timedelta(days=14, seconds=-2))

    assert expire_relationship_requests() == 0
    sent.refresh_from_db()
    assert sent.status == RelationshipRequestStatus.PENDING


def test_expiry_marks_the_request_expired_and_tells_the_sender_on_commit(
    sent: RelationshipRequest,
    time_machine: TimeMachineFixture,
    django_capture_on_commit_callbacks: CaptureCallbacks,
) -> None:
    time_machine.move_to(START + timedelta(days=14))

    with django_capture_on_commit_callbacks(execute=True):
        expired = expire_relationship_requests()

    sent.refresh_from_db()
    assert expired == 1 and sent.status == RelationshipRequestStatus.EXPIRED
    assert [message.subject for message in mail.outbox if message.to == ["accountant@devries.test"]] == [
        "Your relationship request to Bakkerij Jansen has expired"
    ]
    assert (
        AuditEvent.objects.filter(
            action="relationship_request.expired", environment=sent.from_environment
        ).count()
        == 1
    )


def test_expiry_is_idempotent(sent: RelationshipRequest, time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(START + timedelta(days=15))
    expire_relationship_requests()

    assert expire_relationship_requests() == 0
    assert (
        queued_subjects("accountant@devries.test").count(
            "Your relationship request to Bakkerij Jansen has expired"
        )
        == 1
    )
    assert AuditEvent.objects.filter(action="relationship_request.expired").count() == 1


def test_expiry_leaves_closed_requests_alone(
    sent: RelationshipRequest, pair: Pair, time_machine: TimeMachineFixture
) -> None:
    relationship_request_decline(relationship_request=sent, acting_user=pair.client_admin)
    time_machine.move_to(START + timedelta(days=20))

    assert expire_relationship_requests() == 0
    sent.refresh_from_db()
    assert sent.status == RelationshipRequestStatus.DECLINED


def test_recipients_are_reminded_three_days_before_expiry(
    sent: RelationshipRequest,
    time_machine: TimeMachineFixture,
    django_capture_on_commit_callbacks: CaptureCallbacks,
) -> None:
    time_machine.move_to(START + timedelta(days=11))

    with django_capture_on_commit_callbacks(execute=True):
        reminded = remind_relationship_requests()

    sent.refresh_from_db()
    assert reminded == 1 and sent.reminder_sent_at is not None
    assert sent.reminder_sent_at - (START + timedelta(days=11)) < timedelta(seconds=5)
    assert [message.to for message in mail.outbox if "Reminder" in message.subject] == [["admin@jansen.test"]]


def test_no_reminder_earlier_than_three_days_before(
    sent: RelationshipRequest, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(START + timedelta(days=11, seconds=-2))

    assert remind_relationship_requests() == 0


def test_the_reminder_is_sent_once(sent: RelationshipRequest, time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(START + timedelta(days=11))
    remind_relationship_requests()
    time_machine.move_to(START + timedelta(days=12))

    assert remind_relationship_requests() == 0
    assert len([s for s in queued_subjects("admin@jansen.test") if s.startswith("Reminder")]) == 1


def test_the_reminder_goes_to_relationship_managers_and_links_to_the_request(
    pair: Pair,
    time_machine: TimeMachineFixture,
) -> None:
    RelationshipManagerFactory(environment=pair.client, email="rm@jansen.test")
    time_machine.move_to(START)
    request = relationship_request_send(
        from_environment=pair.firm, to_environment=pair.client, acting_user=pair.firm_advanced
    )
    time_machine.move_to(START + timedelta(days=12))

    remind_relationship_requests()

    reminder = list(Email.objects.filter(subject__startswith="Reminder"))
    assert [email.to for email in reminder] == [["rm@jansen.test"]]
    assert f"/partners/requests/{request.pk}/" in reminder[0].message


def test_no_reminder_for_requests_that_already_expired(
    sent: RelationshipRequest, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(START + timedelta(days=15))

    assert remind_relationship_requests() == 0
