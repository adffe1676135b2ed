from __future__ import annotations

from celery import shared_task

from environments.services import memberships_expire


@shared_task
def expire_memberships() -> int:
    return memberships_expire()
