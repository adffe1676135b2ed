from __future__ import annotations

from celery import shared_task

from documents.services import invoice_deliver, invoices_deliver_pending


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def deliver_invoice(invoice_id: int) -> None:
    invoice_deliver(invoice_id=invoice_id)


@shared_task
def deliver_sent_invoices() -> int:
    return invoices_deliver_pending()
