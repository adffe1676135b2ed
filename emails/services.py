"""The email queue: every message is stored in the transaction that causes it, sent after commit.

django-post-office keeps the queue (its Email rows); we render our own templates (a subject, a
text part and an HTML part) and dispatch delivery to Celery once the transaction has committed.
If the broker is down the dispatch is skipped with a warning: the message is already stored and
the beat job ``deliver-queued-emails`` sends it within a minute of Redis coming back.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from post_office import mail
from post_office.models import Email

logger = logging.getLogger(__name__)

DELIVERY_LOCK_KEY = "emails:delivery-lock"
# Longer than any delivery run takes (post_office gives up on a batch after 180 seconds), so the
# lock only expires by itself when a worker died while holding it.
DELIVERY_LOCK_SECONDS = 15 * 60
# post_office sends at most BATCH_SIZE (100) messages per call; a few batches empty the queue.
DELIVERY_MAX_BATCHES = 20


def absolute_url(viewname: str, *, kwargs: Mapping[str, Any] | None = None) -> str:
    """An absolute link for an email, on the portal's public address (settings.SITE_URL)."""
    return settings.SITE_URL.rstrip("/") + reverse(viewname, kwargs=dict(kwargs or {}))


def email_queue(*, to: Iterable[str], template: str, context: Mapping[str, Any]) -> list[Email]:
    """Store one email per recipient from ``<template>_subject.txt``, ``.txt`` and ``.html``.

    Call it inside the transaction of the change that causes the email: if that transaction rolls
    back, no email exists. Delivery is dispatched on commit.
    """
    recipients = sorted({address.strip().lower() for address in to if address})
    full_context = {"site_url": settings.SITE_URL.rstrip("/"), **context}
    subject = render_to_string(f"{template}_subject.txt", full_context).strip().replace("\n", " ")
    text = render_to_string(f"{template}.txt", full_context)
    html = render_to_string(f"{template}.html", full_context)
    emails = [
        mail.send(
            recipients=[recipient],
            sender=settings.DEFAULT_FROM_EMAIL,
            subject=subject,
            message=text,
            html_message=html,
            priority="medium",
        )
        for recipient in recipients
    ]
    if emails:
        transaction.on_commit(dispatch_email_delivery)
    return emails


def email_queue_message(*, to: Iterable[str], subject: str, text: str, html: str = "") -> list[Email]:
    """Store an already rendered message (allauth renders its own) for delivery after commit."""
    emails = [
        mail.send(
            recipients=[recipient],
            sender=settings.DEFAULT_FROM_EMAIL,
            subject=subject,
            message=text,
            html_message=html,
            priority="medium",
        )
        for recipient in sorted({address.strip().lower() for address in to if address})
    ]
    if emails:
        transaction.on_commit(dispatch_email_delivery)
    return emails


def dispatch_email_delivery() -> None:
    """Ask a worker to deliver the queue; never fail the caller when the broker is down."""
    from emails.tasks import deliver_queued_emails

    try:
        deliver_queued_emails.delay()
    except Exception:
        # The message is stored; beat's deliver-queued-emails retries it once the broker is back.
        logger.warning("email delivery not dispatched: broker unavailable", exc_info=True)


def email_deliver_queued() -> int:
    """Send every queued message that is due; returns how many were sent. Safe to run twice.

    Only one delivery runs at a time across all workers (a lock in the shared cache): two runs
    reading the queue at once would both send the same messages. A run that finds the lock taken
    returns at once; the running one keeps going until the queue has nothing due, and beat's
    deliver-queued-emails picks up anything that arrives just as it finishes.
    """
    token = secrets.token_hex(16)
    if not cache.add(DELIVERY_LOCK_KEY, token, timeout=DELIVERY_LOCK_SECONDS):
        logger.info("email delivery skipped: another delivery is running")
        return 0
    try:
        sent = 0
        for _batch in range(DELIVERY_MAX_BATCHES):
            batch_sent, batch_failed, batch_requeued = mail.send_queued()
            sent += batch_sent
            if batch_sent + batch_failed + batch_requeued == 0:
                break
        return sent
    finally:
        if cache.get(DELIVERY_LOCK_KEY) == token:
            cache.delete(DELIVERY_LOCK_KEY)
