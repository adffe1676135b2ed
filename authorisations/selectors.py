from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from authorisations.models import (
    AuthorisationRequest,
    AuthorisationRequestStatus,
    BulkUpload,
    BulkUploadRow,
)
from environments.models import Environment


def authorisation_requests_list(
    *, environment: Environment, status: str = "", search: str = ""
) -> QuerySet[AuthorisationRequest]:
    requests = AuthorisationRequest.objects.filter(environment=environment).select_related(
        "requested_by", "organisation", "client_environment"
    )
    if status in AuthorisationRequestStatus.values:
        requests = requests.filter(status=status)
    if search:
        requests = requests.filter(
            Q(client_name__icontains=search)
            | Q(client_email__icontains=search)
            | Q(kvk_number__startswith=search)
            | Q(organisation_name__icontains=search)
        )
    return requests.order_by("-created_at", "-id")


def bulk_uploads_list(*, environment: Environment) -> QuerySet[BulkUpload]:
    return (
        BulkUpload.objects.filter(environment=environment)
        .select_related("uploaded_by")
        .order_by("-created_at")
    )


BOARD_STATUSES = ("sent", "accepted", "declined", "expired", "withdrawn", "failed", "invalid", "queued")


def _board_filter(status: str) -> Q:
    return {
        "invalid": ~Q(errors=[]),
        "failed": Q(errors=[]) & ~Q(failure=""),
        "queued": Q(errors=[], failure="", request__isnull=True),
        "sent": Q(request__status=AuthorisationRequestStatus.PENDING),
    }.get(status, Q(request__status=status))


def bulk_upload_rows(*, upload: BulkUpload, status: str = "") -> QuerySet[BulkUploadRow]:
    rows = BulkUploadRow.objects.filter(upload=upload).select_related("request")
    if status in BOARD_STATUSES:
        rows = rows.filter(_board_filter(status))
    return rows.order_by("line_number")


def bulk_upload_counts(*, upload: BulkUpload) -> dict[str, int]:
    """Every board status's count, in one query."""
    return BulkUploadRow.objects.filter(upload=upload).aggregate(
        **{status: Count("pk", filter=_board_filter(status)) for status in BOARD_STATUSES}
    )
