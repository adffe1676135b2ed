"""Reading the email queue in tests: every email is a django-post-office Email row."""

from __future__ import annotations

from post_office.models import Email


def queued_to(address: str) -> list[Email]:
    return [email for email in Email.objects.order_by("id") if address in email.to]


def queued_subjects(address: str) -> list[str]:
    return [email.subject for email in queued_to(address)]


def recipients_of(subject_part: str) -> set[str]:
    return {
        recipient for email in Email.objects.filter(subject__contains=subject_part) for recipient in email.to
    }
