from __future__ import annotations

from celery import shared_task

from partners.services import relationship_requests_expire, relationship_requests_remind


@shared_task
def expire_relationship_requests() -> int:
    return relationship_requests_expire()


@shared_task
def remind_relationship_requests() -> int:
    return relationship_requests_remind()
