"""Email backends that make delivery races visible in tests."""

from __future__ import annotations

import time
from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend


class SlowLocmemEmailBackend(EmailBackend):
    """The locmem backend (messages land in django.core.mail.outbox), slow like a real SMTP server."""

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        time.sleep(0.2)
        return super().send_messages(messages)
