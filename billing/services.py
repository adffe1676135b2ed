"""Cost allocation: who pays for an organisation's connection to the platform."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_event_build, audit_record, audit_record_many
from billing.models import CostAllocation
from emails.services import absolute_url, email_queue
from environments.models import Environment, Organisation
from partners.models import Partnership
from partners.selectors import partnership_side_contacts


def cost_allocation_assign(
    *,
    organisation: Organisation,
    payer: Environment,
    partnership: Partnership | None,
    acting_user: User | None,
) -> CostAllocation | None:
    """Make ``payer`` pay for ``organisation`` from now on, closing any open allocation.

    Paying for your own organisation is the default and needs no row: assigning the own
    environment just closes the open allocation. Call inside the caller's transaction.
    """
    with transaction.atomic():
        now = timezone.now()
        current = (
            CostAllocation.objects.select_for_update()
            .filter(organisation=organisation, ended_at__isnull=True)
            .first()
        )
        if (
            current is not None
            and current.payer_id == payer.pk
            and current.partnership_id == (partnership.pk if partnership else None)
        ):
            return current
        if current is not None:
            current.ended_at = now
            current.end_reason = "replaced"
            current.save(update_fields=["ended_at", "end_reason"])
        allocation = None
        if payer.pk != organisation.environment_id:
            allocation = CostAllocation.objects.create(
                organisation=organisation,
                payer=payer,
                partnership=partnership,
                started_at=now,
                created_by=acting_user,
            )
        audit_record(
            actor=acting_user,
            action="cost_allocation.changed",
            environment=organisation.environment,
            other_environment=payer if payer.pk != organisation.environment_id else None,
            organisation=organisation,
            target=allocation or organisation,
            data={"payer": payer.name},
        )
        return allocation


def cost_allocations_return_for_partnership(*, partnership: Partnership, acting_user: User | None) -> int:
    """Close every open allocation made under ``partnership``: the cost returns to each
    organisation's own environment. Both sides are told after commit. Returns how many."""
    open_allocations = list(
        CostAllocation.objects.select_for_update()
        .filter(partnership=partnership, ended_at__isnull=True)
        .select_related("organisation__environment", "payer")
    )
    if not open_allocations:
        return 0
    now = timezone.now()
    for allocation in open_allocations:
        allocation.ended_at = now
        allocation.end_reason = "partnership ended"
    CostAllocation.objects.bulk_update(open_allocations, ["ended_at", "end_reason"])
    audit_record_many(
        [
            audit_event_build(
                actor=acting_user,
                action="cost_allocation.returned",
                environment=allocation.organisation.environment,
                other_environment=allocation.payer,
                organisation=allocation.organisation,
                target=allocation,
                data={
                    "payer": allocation.organisation.environment.name,
                    "previous_payer": allocation.payer.name,
                },
            )
            for allocation in open_allocations
        ]
    )
    organisations = [allocation.organisation.name for allocation in open_allocations]
    for environment in (partnership.environment_a, partnership.environment_b):
        email_queue(
            to=[
                user.email
                for user in partnership_side_contacts(partnership=partnership, environment_id=environment.pk)
            ],
            template="billing/email/cost_allocation_returned",
            context={
                "organisations": organisations,
                "environment_name": environment.name,
                "billing_url": absolute_url("billing:billing"),
            },
        )
    return len(open_allocations)
