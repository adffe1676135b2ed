from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.models import AuthenticatedHttpRequest, EnvironmentRole
from billing.selectors import billing_summary, cost_allocation_history, organisations_paid_by
from environments.permissions import require_role


@login_required
def billing(request: AuthenticatedHttpRequest) -> HttpResponse:
    environment = require_role(user=request.user, minimum=EnvironmentRole.ADMINISTRATOR)
    context = {
        "summary": billing_summary(environment=environment),
        "page": Paginator(organisations_paid_by(environment=environment), 50).get_page(
            request.GET.get("page")
        ),
        "history": cost_allocation_history(environment=environment)[:20],
        "environment": environment,
    }
    return render(request, "billing/billing.html", context)


class _Echo:
    """csv.writer writes to a file; this 'file' hands each line back for streaming."""

    def write(self, value: str) -> str:
        return value


@login_required
def billing_export(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    environment = require_role(user=request.user, minimum=EnvironmentRole.ADMINISTRATOR)
    summary = billing_summary(environment=environment)
    writer = csv.writer(_Echo())

    def rows():  # type: ignore[no-untyped-def]
        yield writer.writerow(
            ["organisation", "kvk_number", "environment", "paid_since", "monthly_amount_eur"]
        )
        for organisation in organisations_paid_by(environment=environment).iterator(chunk_size=2000):
            since = organisation.paid_since or organisation.created_at  # type: ignore[attr-defined]  # annotated
            yield writer.writerow(
                [
                    organisation.name,
                    organisation.kvk_number,
                    organisation.environment.name,
                    since.date().isoformat(),
                    f"{summary.price_per_connection:.2f}",
                ]
            )

    filename = f"billing-{timezone.localdate().isoformat()}.csv"
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
