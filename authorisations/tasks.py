from __future__ import annotations

from celery import shared_task

from authorisations.services import authorisation_requests_expire, authorisation_requests_remind


@shared_task
def expire_authorisation_requests() -> int:
    return authorisation_requests_expire()


@shared_task
def remind_authorisation_requests() -> int:
    return authorisation_requests_remind()


@shared_task(acks_late=True)
def send_bulk_batch(upload_id: int, row_ids: list[int]) -> int:
    from authorisations.bulk import bulk_upload_send_batch

    return bulk_upload_send_batch(upload_id=upload_id, row_ids=row_ids)


@shared_task
def resume_bulk_uploads() -> int:
    from authorisations.bulk import bulk_uploads_resume

    return bulk_uploads_resume()
