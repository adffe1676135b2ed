"""The email queue's guarantees: written in the transaction of the change, sent after commit,
exactly once, and never lost or blocking when the broker is down."""

from __future__ import annotations

import logging
import socket
import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from post_office.models import STATUS, Email

from accounts.services import invitation_create
from emails.services import email_deliver_queued, email_queue
from emails.tasks import deliver_queued_emails
from tests.factories import AdministratorFactory

INVITATION_CONTEXT = {
    "environment_name": "Demo Accountants B.V.",
    "inviter_name": "Anna de Vries",
    "link": "http://portal.test/invitation/abc/",
    "expires_at": None,
}


def _queue(to: str) -> None:
    email_queue(to=[to], template="accounts/email/invitation", context=INVITATION_CONTEXT)


@pytest.mark.django_db
def test_email_queued_in_a_transaction_that_rolls_back_does_not_exist(
    django_capture_on_commit_callbacks,
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _queue("colleague@example.test")
        raise RuntimeError("the change failed")

    assert not Email.objects.exists()
    assert callbacks == []
    assert mail.outbox == []


@pytest.mark.django_db
def test_email_queued_in_a_committed_transaction_is_sent_after_commit(
    django_capture_on_commit_callbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _queue("colleague@example.test")

    assert mail.outbox == []
    assert Email.objects.get().status == STATUS.queued

    for callback in callbacks:
        callback()

    assert [message.to for message in mail.outbox] == [["colleague@example.test"]]
    assert Email.objects.get().status == STATUS.sent


@pytest.mark.django_db
def test_running_the_delivery_task_twice_sends_each_email_once(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _queue("colleague@example.test")

    deliver_queued_emails.delay()
    deliver_queued_emails.delay()

    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_email_has_subject_text_and_html_parts(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _queue("colleague@example.test")

    message = mail.outbox[0]
    assert message.subject == "Anna de Vries invites you to Demo Accountants B.V. on the partner portal"
    assert "http://portal.test/invitation/abc/" in message.body
    assert message.alternatives[0].mimetype == "text/html"
    assert "http://portal.test/invitation/abc/" in message.alternatives[0].content


@pytest.mark.django_db
def test_service_succeeds_when_the_broker_is_down_and_a_later_delivery_sends_the_email(
    broker_down, django_capture_on_commit_callbacks, caplog
) -> None:
    admin = AdministratorFactory()

    with (
        caplog.at_level(logging.WARNING, logger="emails.services"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        invitation = invitation_create(
            environment=admin.home, email="colleague@example.test", acting_user=admin
        )

    assert invitation.pk is not None
    assert Email.objects.get().status == STATUS.queued
    assert mail.outbox == []
    assert "broker unavailable" in caplog.text

    sent = deliver_queued_emails()  # what beat's deliver-queued-emails runs once Redis is back

    assert sent == 1
    assert [message.to for message in mail.outbox] == [["colleague@example.test"]]


@pytest.mark.django_db
def test_unresponsive_broker_does_not_hang_the_request(broker_at, django_capture_on_commit_callbacks) -> None:
    # A server that accepts connections but never answers: redis-py would wait forever without
    # the socket timeouts in CELERY_BROKER_TRANSPORT_OPTIONS.
    silent_broker = socket.socket()
    silent_broker.bind(("127.0.0.1", 0))
    silent_broker.listen(16)
    broker_at(f"redis://127.0.0.1:{silent_broker.getsockname()[1]}/0")
    # Should the timeouts be missing, closing the socket later resets the connection, so this
    # test fails instead of hanging.
    give_up = threading.Timer(20, silent_broker.close)
    give_up.start()
    started = time.monotonic()

    with django_capture_on_commit_callbacks(execute=True):
        _queue("colleague@example.test")

    elapsed = time.monotonic() - started
    give_up.cancel()
    silent_broker.close()
    assert elapsed < 10
    assert Email.objects.get().status == STATUS.queued


@pytest.mark.django_db
def test_email_scheduled_for_retry_is_not_sent_before_its_time(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        _queue("colleague@example.test")
    Email.objects.update(
        status=STATUS.requeued, scheduled_time=Email.objects.get().created + timedelta(hours=1)
    )

    assert email_deliver_queued() == 0
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_once_send_each_email_once(broker_down, settings) -> None:
    for number in range(3):
        _queue(f"colleague{number}@example.test")  # autocommit: dispatch fails, the emails stay queued
    assert Email.objects.filter(status=STATUS.queued).count() == 3
    settings.EMAIL_BACKEND = "tests.emails.backends.SlowLocmemEmailBackend"
    start = threading.Barrier(2)

    def deliver() -> None:
        try:
            start.wait()
            email_deliver_queued()
        finally:
            connection.close()

    workers = [threading.Thread(target=deliver) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert sorted(message.to[0] for message in mail.outbox) == [
        "colleague0@example.test",
        "colleague1@example.test",
        "colleague2@example.test",
    ]
    assert Email.objects.filter(status=STATUS.sent).count() == 3
