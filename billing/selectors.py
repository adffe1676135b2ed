from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Q, QuerySet, Subquery

from billing.models import CostAllocation
from environments.models import Environment, Organisation


def organisations_paid_by(*, environment: Environment) -> QuerySet[Organisation]:
    """Organisation connections this environment pays for: its own, unless another environment
    took the cost on, and its clients' whose cost it took on."""
    open_allocations = CostAllocation.objects.filter(ended_at__isnull=True)
    paid_by_others = open_allocations.exclude(payer=environment).values("organisation_id")
    paid_by_us = open_allocations.filter(payer=environment).values("organisation_id")
    allocation = open_allocations.filter(organisation=OuterRef("pk"))
    return (
        Organisation.objects.filter(
            (Q(environment=environment) & ~Q(pk__in=paid_by_others)) | Q(pk__in=paid_by_us)
        )
        .select_related("environment")
        .annotate(
            paid_since=Subquery(allocation.values("started_at")[:1]),
            allocation_partnership_id=Subquery(allocation.values("partnership_id")[:1]),
        )
        .order_by("environment__name", "name", "id")
    )


@dataclass(frozen=True)
class BillingSummary:
    plan_name: str
    plan_price: Decimal
    price_per_connection: Decimal
    own_connections: int
    client_connections: int

    @property
    def connections(self) -> int:
        return self.own_connections + self.client_connections

    @property
    def connections_amount(self) -> Decimal:
        return self.price_per_connection * self.connections

    @property
    def total(self) -> Decimal:
        return self.plan_price + self.connections_amount


def billing_summary(*, environment: Environment) -> BillingSummary:
    paid = organisations_paid_by(environment=environment)
    own = paid.filter(environment=environment).count()
    clients = paid.exclude(environment=environment).count()
    plan = environment.plan
    return BillingSummary(
        plan_name=plan.name,
        plan_price=plan.monthly_price,
        price_per_connection=plan.price_per_connection,
        own_connections=own,
        client_connections=clients,
    )


def cost_allocation_history(*, environment: Environment) -> QuerySet[CostAllocation]:
    return (
        CostAllocation.objects.filter(Q(payer=environment) | Q(organisation__environment=environment))
        .select_related("organisation__environment", "payer", "created_by")
        .order_by("-started_at", "-id")
    )
