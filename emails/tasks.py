from __future__ import annotations

from celery import shared_task

from emails.services import email_deliver_queued


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def deliver_queued_emails() -> int:
    return email_deliver_queued()
