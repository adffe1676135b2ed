"""Bulk onboarding: a CSV of clients becomes a validated preview, then, once confirmed, one
authorisation request per good row, created and emailed by Celery in batches."""

from __future__ import annotations

import csv
import io
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from post_office import mail

from accounts.models import EnvironmentRole, User
from accounts.tokens import link_token_new
from audit.services import audit_event_build, audit_record, audit_record_many
from authorisations.models import (
    AuthorisationLink,
    AuthorisationRequest,
    AuthorisationRequestStatus,
    BulkUpload,
    BulkUploadRow,
    BulkUploadStatus,
    Payer,
)
from authorisations.services import (
    AuthorisationRequestDraft,
    authorisation_request_resend,
    authorisation_request_send,
)
from connections.models import SoftwarePackage
from emails.services import absolute_url, dispatch_email_delivery
from environments.models import Environment, Organisation, OrganisationRole, PlanFeature
from environments.plans import PlanFeatureUnavailable, plan_require_feature
from partners.selectors import partnerships_of

logger = logging.getLogger(__name__)

COLUMNS = (
    "client_name",
    "client_email",
    "kvk_number",
    "organisation_name",
    "software_package",
    "role",
    "payer",
)
# Header spellings people use, mapped to our columns.
HEADER_ALIASES = {
    "name": "client_name",
    "client": "client_name",
    "client name": "client_name",
    "client_name": "client_name",
    "email": "client_email",
    "e-mail": "client_email",
    "client email": "client_email",
    "client_email": "client_email",
    "kvk": "kvk_number",
    "kvk number": "kvk_number",
    "kvk_number": "kvk_number",
    "organisation": "organisation_name",
    "organization": "organisation_name",
    "organisation name": "organisation_name",
    "organisation_name": "organisation_name",
    "software": "software_package",
    "software package": "software_package",
    "software_package": "software_package",
    "role": "role",
    "payer": "payer",
    "who pays": "payer",
    "paid by": "payer",
}
ROLE_WORDS = {
    "member": OrganisationRole.MEMBER,
    "administrator": OrganisationRole.ADMINISTRATOR,
    "admin": OrganisationRole.ADMINISTRATOR,
}
PAYER_WORDS = {
    "intermediary": Payer.INTERMEDIARY,
    "us": Payer.INTERMEDIARY,
    "our environment": Payer.INTERMEDIARY,
    "we": Payer.INTERMEDIARY,
    "client": Payer.CLIENT,
    "customer": Payer.CLIENT,
}


def _software_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for value, label in SoftwarePackage.choices:
        lookup[str(value).lower()] = str(value)
        lookup[str(label).lower()] = str(value)
    return lookup


@dataclass
class ParsedRow:
    line_number: int
    values: dict[str, str]
    errors: list[str]


def _read_rows(content: bytes) -> tuple[list[ParsedRow], list[str]]:
    """Decode and split the CSV; returns rows and file-level problems."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError:
            return [], [_("The file is not a text CSV file (UTF-8 or Windows-1252).")]
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except StopIteration:
        return [], [_("The file is empty.")]
    columns = [HEADER_ALIASES.get(cell.strip().lower()) for cell in header]
    missing = [column for column in COLUMNS if column not in columns]
    if missing:
        return [], [
            _("The header row must name these columns: %(columns)s. Missing: %(missing)s.")
            % {"columns": ", ".join(COLUMNS), "missing": ", ".join(missing)}
        ]
    rows: list[ParsedRow] = []
    for line_number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        values = dict.fromkeys(COLUMNS, "")
        for column, cell in zip(columns, cells, strict=False):
            if column is not None:
                values[column] = cell.strip()
        rows.append(ParsedRow(line_number=line_number, values=values, errors=[]))
        if len(rows) > settings.BULK_UPLOAD_MAX_ROWS:
            return [], [
                _("The file has more than %(max)d rows: split it.") % {"max": settings.BULK_UPLOAD_MAX_ROWS}
            ]
    if not rows:
        return [], [_("The file has a header but no clients.")]
    return rows, []


def _validate(rows: list[ParsedRow], *, environment: Environment) -> None:
    """Explain every bad row: missing or invalid values, duplicates in the file, clients that are
    already partners, requests already pending. Two queries, whatever the file's size."""
    software = _software_lookup()
    kvk_counts = Counter(row.values["kvk_number"] for row in rows)
    pending_kvks = set(
        AuthorisationRequest.objects.filter(
            environment=environment, status=AuthorisationRequestStatus.PENDING
        ).values_list("kvk_number", flat=True)
    )
    partner_environment_ids = [
        p.other_environment_id(environment.pk)
        for p in partnerships_of(environment_id=environment.pk).filter(status="active")
    ]
    partner_kvks = set(
        Organisation.objects.filter(environment_id__in=partner_environment_ids).values_list(
            "kvk_number", flat=True
        )
    )
    for row in rows:
        values, errors = row.values, row.errors
        for column in ("client_name", "client_email", "kvk_number", "organisation_name"):
            if not values[column]:
                errors.append(_("%(column)s is missing.") % {"column": column.replace("_", " ").capitalize()})
        if values["client_email"]:
            try:
                validate_email(values["client_email"])
            except ValidationError:
                errors.append(_("Client email is not a valid email address."))
        kvk = values["kvk_number"]
        if kvk and not (len(kvk) == 8 and kvk.isdigit()):
            errors.append(_("KvK number must be exactly 8 digits."))
        elif kvk and kvk_counts[kvk] > 1:
            errors.append(_("KvK number appears more than once in this file."))
        elif kvk in partner_kvks:
            errors.append(
                _("Already a partner: an organisation with this KvK number is in a partner environment.")
            )
        elif kvk in pending_kvks:
            errors.append(_("A request to this KvK number is already pending."))
        if not values["software_package"]:
            errors.append(_("Software package is missing."))
        elif values["software_package"].lower() not in software:
            errors.append(_("Unknown software package “%(value)s”.") % {"value": values["software_package"]})
        else:
            values["software_package"] = software[values["software_package"].lower()]
        if values["role"].lower() not in ROLE_WORDS:
            errors.append(_("Role must be member or administrator."))
        if values["payer"].lower() not in PAYER_WORDS:
            errors.append(_("Payer must be intermediary or client."))
        for column in ("client_name", "organisation_name"):
            if len(values[column]) > 200:
                errors.append(
                    _("%(column)s is longer than 200 characters.")
                    % {"column": column.replace("_", " ").capitalize()}
                )


def _require_bulk_sender(*, acting_user: User, environment: Environment) -> None:
    if acting_user.environment_id != environment.pk or acting_user.role < EnvironmentRole.ADVANCED_USER:
        raise PermissionDenied
    plan_require_feature(environment, PlanFeature.AUTHORISATION_REQUESTS)
    plan_require_feature(environment, PlanFeature.BULK_AUTHORISATION_REQUESTS)


def bulk_upload_preview(
    *, environment: Environment, acting_user: User, filename: str, content: bytes, message: str = ""
) -> BulkUpload:
    """Validate every row and store the preview. Nothing is sent until the user confirms."""
    _require_bulk_sender(acting_user=acting_user, environment=environment)
    rows, problems = _read_rows(content)
    if problems:
        raise ValidationError({"file": problems})
    _validate(rows, environment=environment)
    with transaction.atomic():
        upload = BulkUpload.objects.create(
            environment=environment,
            uploaded_by=acting_user,
            filename=filename[:255],
            message=message.strip(),
            total_rows=len(rows),
            valid_rows=sum(1 for row in rows if not row.errors),
        )
        BulkUploadRow.objects.bulk_create(
            [
                BulkUploadRow(
                    upload=upload,
                    line_number=row.line_number,
                    errors=row.errors,
                    **{
                        column: row.values[column][:field_length]
                        for column, field_length in _ROW_LENGTHS.items()
                    },
                )
                for row in rows
            ],
            batch_size=1000,
        )
        return upload


_ROW_LENGTHS = {
    "client_name": 200,
    "client_email": 254,
    "kvk_number": 50,
    "organisation_name": 200,
    "software_package": 50,
    "role": 30,
    "payer": 30,
}


def bulk_upload_confirm(*, upload: BulkUpload, acting_user: User) -> BulkUpload:
    """Start sending: one Celery task per batch of good rows, dispatched after commit."""
    _require_bulk_sender(acting_user=acting_user, environment=upload.environment)
    with transaction.atomic():
        locked = BulkUpload.objects.select_for_update().get(pk=upload.pk)
        if locked.status != BulkUploadStatus.PREVIEW:
            raise ValidationError(_("This upload has already been confirmed."))
        if not locked.valid_rows:
            raise ValidationError(_("There is no valid row to send. Correct the file and upload it again."))
        locked.status = BulkUploadStatus.SENDING
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["status", "confirmed_at"])
        audit_record(
            actor=acting_user,
            action="bulk_upload.confirmed",
            environment=locked.environment,
            target=locked,
            data={"rows": locked.valid_rows},
        )
        row_ids = list(locked.rows.filter(errors=[]).order_by("line_number").values_list("pk", flat=True))
        batches = [
            row_ids[i : i + settings.BULK_UPLOAD_BATCH_SIZE]
            for i in range(0, len(row_ids), settings.BULK_UPLOAD_BATCH_SIZE)
        ]
        transaction.on_commit(lambda: _dispatch_batches(upload_id=locked.pk, batches=batches))
        return locked


def _dispatch_batches(*, upload_id: int, batches: list[list[int]]) -> None:
    from authorisations.tasks import send_bulk_batch

    for batch in batches:
        try:
            send_bulk_batch.delay(upload_id, batch)
        except Exception:
            # Broker down: the rows stay unsent; the beat job bulk-resume picks them up.
            logger.warning("bulk batch not dispatched", extra={"upload_id": upload_id}, exc_info=True)


def bulk_upload_send_batch(*, upload_id: int, row_ids: Iterable[int]) -> int:
    """Create and email the requests of these rows in one transaction. Idempotent: rows that
    already have a request (or failed) are skipped, so a retried task sends nothing twice.

    The fast path bulk-inserts requests, links, audit events and queued emails. When it hits a
    conflict (a request to the same KvK was sent meanwhile) it falls back to one row at a time,
    marking the conflicting rows failed with the reason.
    """
    upload = BulkUpload.objects.select_related("environment", "uploaded_by").get(pk=upload_id)
    wanted = list(row_ids)
    try:
        with transaction.atomic():
            # skip_locked: a concurrent run of the same batch (retry, resume) takes other rows.
            rows = list(_unsent_rows(upload=upload, row_ids=wanted).select_for_update(skip_locked=True))
            created = _send_rows_in_bulk(upload=upload, rows=rows) if rows else 0
    except IntegrityError:
        created = _send_rows_one_by_one(upload=upload, row_ids=wanted)
    _finish_if_done(upload_id=upload.pk)
    return created


def _unsent_rows(*, upload: BulkUpload, row_ids: list[int]) -> QuerySet[BulkUploadRow]:
    return BulkUploadRow.objects.filter(
        upload=upload, pk__in=row_ids, request__isnull=True, failure="", errors=[]
    ).order_by("line_number")


def _draft(row: BulkUploadRow, message: str) -> AuthorisationRequestDraft:
    return AuthorisationRequestDraft(
        client_name=row.client_name,
        client_email=row.client_email,
        kvk_number=row.kvk_number,
        organisation_name=row.organisation_name,
        software_package=row.software_package,
        role=ROLE_WORDS[row.role.lower()],
        payer=PAYER_WORDS[row.payer.lower()],
        message=message,
    )


def _send_rows_in_bulk(*, upload: BulkUpload, rows: list[BulkUploadRow]) -> int:
    from django.template.loader import render_to_string

    environment, sender = upload.environment, upload.uploaded_by
    now = timezone.now()
    expires_at = now + settings.AUTHORISATION_REQUEST_VALID_FOR
    requests = []
    for row in rows:
        draft = _draft(row, upload.message)
        requests.append(
            AuthorisationRequest(
                environment=environment,
                requested_by=sender,
                client_name=draft.client_name,
                client_email=draft.client_email.lower(),
                kvk_number=draft.kvk_number,
                organisation_name=draft.organisation_name,
                software_package=draft.software_package,
                role=draft.role,
                payer=draft.payer,
                message=draft.message,
                created_at=now,
                sent_at=now,
                expires_at=expires_at,
                bulk_upload=upload,
            )
        )
    AuthorisationRequest.objects.bulk_create(requests)
    tokens = [link_token_new() for _request in requests]
    AuthorisationLink.objects.bulk_create(
        [
            AuthorisationLink(request=request, token_hash=token_hash)
            for request, (_t, token_hash) in zip(requests, tokens, strict=True)
        ]
    )
    audit_record_many(
        [
            audit_event_build(
                actor=sender,
                action="authorisation_request.sent",
                environment=environment,
                target=request,
                data={"client": request.client_name, "kvk": request.kvk_number, "bulk_upload": upload.pk},
            )
            for request in requests
        ]
    )
    messages = []
    for request, (token, _hash) in zip(requests, tokens, strict=True):
        context = {
            "site_url": settings.SITE_URL.rstrip("/"),
            "request": request,
            "requester_environment": environment.name,
            "requester_name": sender.display_name,
            "role": OrganisationRole(request.role).label,
            "intermediary_pays": request.payer == Payer.INTERMEDIARY,
            "link": absolute_url("authorisations:respond", kwargs={"token": token}),
            "expires_at": request.expires_at,
        }
        messages.append(
            {
                "recipients": [request.client_email],
                "sender": settings.DEFAULT_FROM_EMAIL,
                "subject": render_to_string("authorisations/email/request_subject.txt", context).strip(),
                "message": render_to_string("authorisations/email/request.txt", context),
                "html_message": render_to_string("authorisations/email/request.html", context),
                "priority": "medium",
            }
        )
    mail.send_many(messages)
    for row, request in zip(rows, requests, strict=True):
        row.request = request
    BulkUploadRow.objects.bulk_update(rows, ["request"], batch_size=1000)
    BulkUpload.objects.filter(pk=upload.pk).update(processed_rows=F("processed_rows") + len(rows))
    transaction.on_commit(dispatch_email_delivery)
    return len(requests)


def _send_rows_one_by_one(*, upload: BulkUpload, row_ids: list[int]) -> int:
    created = 0
    for row_id in row_ids:
        with transaction.atomic():
            row = _unsent_rows(upload=upload, row_ids=[row_id]).select_for_update(skip_locked=True).first()
            if row is None:
                continue
            created += _send_one_row(upload=upload, row=row)
    return created


def _send_one_row(*, upload: BulkUpload, row: BulkUploadRow) -> int:
    """Send one row through the ordinary service; a refusal marks the row failed with why."""
    try:
        request = authorisation_request_send(
            environment=upload.environment,
            acting_user=upload.uploaded_by,
            draft=_draft(row, upload.message),
            bulk_upload=upload,
        )
    except (ValidationError, PermissionDenied, PlanFeatureUnavailable) as error:
        reason = " ".join(getattr(error, "messages", [str(error)])) or _("Not allowed.")
        BulkUploadRow.objects.filter(pk=row.pk).update(failure=reason[:300])
        created = 0
    else:
        BulkUploadRow.objects.filter(pk=row.pk).update(request=request)
        created = 1
    BulkUpload.objects.filter(pk=upload.pk).update(processed_rows=F("processed_rows") + 1)
    return created


def _finish_if_done(*, upload_id: int) -> None:
    BulkUpload.objects.filter(
        pk=upload_id, status=BulkUploadStatus.SENDING, processed_rows__gte=F("valid_rows")
    ).update(status=BulkUploadStatus.DONE, finished_at=timezone.now())


def bulk_uploads_resume(*, stalled_after: timedelta = timedelta(minutes=5)) -> int:
    """Send the rows of uploads whose batches never ran (their dispatch failed while the broker
    was down, or a worker died). Runs from beat; idempotent like bulk_upload_send_batch."""
    stalled = BulkUpload.objects.filter(
        status=BulkUploadStatus.SENDING, confirmed_at__lte=timezone.now() - stalled_after
    ).values_list("pk", flat=True)
    sent = 0
    for upload_id in stalled:
        row_ids = list(
            BulkUploadRow.objects.filter(upload_id=upload_id, request__isnull=True, failure="", errors=[])
            .order_by("line_number")
            .values_list("pk", flat=True)
        )
        for start in range(0, len(row_ids), settings.BULK_UPLOAD_BATCH_SIZE):
            sent += bulk_upload_send_batch(
                upload_id=upload_id, row_ids=row_ids[start : start + settings.BULK_UPLOAD_BATCH_SIZE]
            )
        _finish_if_done(upload_id=upload_id)
    return sent


def bulk_upload_resend_expired(*, upload: BulkUpload, acting_user: User) -> int:
    """Resend every expired request of the upload with a new link. Returns how many."""
    expired = list(
        AuthorisationRequest.objects.filter(
            bulk_upload=upload, status=AuthorisationRequestStatus.EXPIRED
        ).select_related("environment", "requested_by")
    )
    for request in expired:
        authorisation_request_resend(request=request, acting_user=acting_user)
    return len(expired)
