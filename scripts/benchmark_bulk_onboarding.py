#!/usr/bin/env python
"""Benchmark bulk onboarding: a 5,000-row CSV from upload to every request queued for email.

Runs against PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/portal) in a
throwaway database that it creates and drops, with the test settings (tasks run in process). It
reports how long validation (the preview), creation and queueing take. Email delivery itself is
not timed: messages are stored in the queue and sent by Celery workers afterwards.

    .venv/bin/python scripts/benchmark_bulk_onboarding.py [--rows 5000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.BULK_UPLOAD_MAX_ROWS = max(settings.BULK_UPLOAD_MAX_ROWS, args.rows)
    settings.DATABASES["default"]["NAME"] = "portal_benchmark"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        run(rows=args.rows)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(*, rows: int) -> None:
    from allauth.account.models import EmailAddress
    from post_office.models import Email

    from accounts.models import EnvironmentRole, User
    from authorisations.bulk import bulk_upload_confirm, bulk_upload_preview
    from authorisations.models import AuthorisationRequest, BulkUpload
    from environments.models import Plan
    from environments.services import environment_create

    environment = environment_create(name="Benchmark Accountants", plan=Plan.objects.get(code="enterprise"))
    user = User.objects.create_user(
        "bench@example.test",
        "benchmark-password",
        environment=environment,
        role=EnvironmentRole.ADVANCED_USER,
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    lines = ["client_name,client_email,kvk_number,organisation_name,software_package,role,payer"]
    lines += [
        f"Client {n},client{n}@example.test,{10000000 + n:08d},Client {n} B.V.,"
        "exact_online,member,intermediary"
        for n in range(rows)
    ]
    content = ("\n".join(lines) + "\n").encode()

    started = time.perf_counter()
    upload = bulk_upload_preview(
        environment=environment, acting_user=user, filename="bench.csv", content=content
    )
    validated = time.perf_counter()
    # Tasks run in process with the test settings, so confirming creates and queues every batch.
    # Delivery is timed on its own: the batches' on-commit dispatch is held back meanwhile.
    import authorisations.bulk
    from emails.services import email_deliver_queued

    dispatch = authorisations.bulk.dispatch_email_delivery
    authorisations.bulk.dispatch_email_delivery = lambda: None  # type: ignore[assignment]
    try:
        bulk_upload_confirm(upload=upload, acting_user=user)
    finally:
        authorisations.bulk.dispatch_email_delivery = dispatch  # type: ignore[assignment]
    created = time.perf_counter()
    delivered_count = 0
    while sent := email_deliver_queued():  # one run sends a bounded number of batches
        delivered_count += sent
    delivered = time.perf_counter()

    upload = BulkUpload.objects.get(pk=upload.pk)
    requests = AuthorisationRequest.objects.filter(bulk_upload=upload).count()
    print(
        f"rows: {rows}  valid: {upload.valid_rows}  requests created: {requests}  "
        f"emails: {Email.objects.count()}"
    )
    print(f"validation (preview of every row):         {validated - started:6.2f} s")
    print(f"creation and queueing (all batches):       {created - validated:6.2f} s")
    print(f"delivery of the queue ({delivered_count} sent, in-memory backend): {delivered - created:6.2f} s")
    print(f"upload to every email sent:                {delivered - started:6.2f} s")


if __name__ == "__main__":
    main()
