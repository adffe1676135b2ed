from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest

from accounts.models import User
from connections.models import ConnectionKey, ConnectionStatus, SoftwareConnection
from documents.models import OPEN_STATUSES, Invoice
from environments.models import (
    Environment,
    Organisation,
    OrganisationMembership,
    OrganisationUserObjectPermission,
)
from environments.selectors import organisations_visible_to


@dataclass(frozen=True)
class InvoiceFilters:
    direction: str = ""
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None
    counterparty: str = ""
    number: str = ""
    organisation: str = ""


def _filtered(invoices: QuerySet[Invoice], filters: InvoiceFilters) -> QuerySet[Invoice]:
    if filters.direction:
        invoices = invoices.filter(direction=filters.direction)
    if filters.status:
        invoices = invoices.filter(status=filters.status)
    if filters.date_from:
        invoices = invoices.filter(issue_date__gte=filters.date_from)
    if filters.date_to:
        invoices = invoices.filter(issue_date__lte=filters.date_to)
    if filters.counterparty:
        invoices = invoices.filter(
            Q(counterparty_name__icontains=filters.counterparty)
            | Q(counterparty_peppol_id__icontains=filters.counterparty)
        )
    if filters.number:
        invoices = invoices.filter(number__icontains=filters.number)
    if filters.organisation:
        invoices = invoices.filter(
            Q(organisation__name__icontains=filters.organisation)
            | Q(organisation__kvk_number__startswith=filters.organisation)
        )
    return invoices.order_by("-issue_date", "-id")


def organisation_invoices(*, organisation: Organisation, filters: InvoiceFilters) -> QuerySet[Invoice]:
    return _filtered(Invoice.objects.filter(organisation=organisation), filters)


def organisations_with_documents_access(*, user: User) -> QuerySet[Organisation]:
    """Organisations whose documents the user may work with: those the user can see
    (environments.selectors) where they hold manage_documents or administer the environment."""
    granted = OrganisationUserObjectPermission.objects.filter(
        user=user, permission__codename="manage_documents"
    ).values("content_object_id")
    allowed = Q(pk__in=granted)
    if user.is_environment_administrator:
        allowed |= Q(environment_id=user.environment_id)
    return organisations_visible_to(user=user).filter(allowed)


def invoices_visible_to(*, user: User, filters: InvoiceFilters) -> QuerySet[Invoice]:
    """Every invoice of every organisation the user may work with (the All documents list)."""
    organisation_ids = organisations_with_documents_access(user=user).values("pk")
    invoices = Invoice.objects.filter(organisation_id__in=organisation_ids).select_related(
        "organisation__environment"
    )
    return _filtered(invoices, filters)


def invoice_with_lines(*, invoice: Invoice) -> Invoice:
    """The invoice again with its lines prefetched and its organisation attached."""
    loaded = (
        Invoice.objects.select_related("source_invoice", "created_by")
        .prefetch_related("lines")
        .get(pk=invoice.pk)
    )
    loaded.organisation = invoice.organisation
    return loaded


# The Clients page -----------------------------------------------------------------------------


class ClientConnectionState:
    CONNECTED = "connected"
    AWAITING_KEY = "awaiting_key"
    NONE = "none"


class ClientKeyState:
    ACTIVE = "active"
    REVOKED = "revoked"
    NONE = "none"


@dataclass(frozen=True)
class ClientFilters:
    search: str = ""
    environment_id: int | None = None
    connection: str = ""
    key: str = ""


def _count(queryset: QuerySet, field: str = "organisation") -> Coalesce:  # type: ignore[type-arg]
    counted = queryset.order_by().values(field).annotate(total=Count("pk")).values("total")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _latest(queryset: QuerySet, column: str, field: str = "organisation") -> Subquery:  # type: ignore[type-arg]
    return Subquery(queryset.order_by().values(field).annotate(latest=Max(column)).values("latest"))


def clients_of(*, user: User, filters: ClientFilters) -> QuerySet[Organisation]:
    """Every organisation of another environment the user can reach, with the user's role, the
    state of its software connections and keys, its last activity and open invoices: all
    annotated in one query, whatever the number of clients."""
    connections = SoftwareConnection.objects.filter(organisation=OuterRef("pk"))
    keys = ConnectionKey.objects.filter(connection__organisation=OuterRef("pk"))
    invoices = Invoice.objects.filter(organisation=OuterRef("pk"))
    role = OrganisationMembership.objects.filter(user=user, organisation=OuterRef("pk")).values("role")[:1]
    delegated = (
        connections.filter(delegated_to=user).exclude(status=ConnectionStatus.REVOKED).values("pk")[:1]
    )
    clients = (
        organisations_visible_to(user=user)
        .exclude(environment_id=user.home.pk)
        .annotate(
            user_role=Subquery(role, output_field=IntegerField()),
            delegated_connection_id=Subquery(delegated, output_field=IntegerField()),
            live_connections=_count(connections.exclude(status=ConnectionStatus.REVOKED)),
            live_keys=_count(keys.filter(revoked_at__isnull=True), "connection__organisation"),
            all_keys=_count(keys, "connection__organisation"),
            open_invoices=_count(invoices.filter(status__in=OPEN_STATUSES)),
            last_invoice_at=_latest(invoices, "updated_at"),
            last_key_use_at=_latest(keys, "last_used_at", "connection__organisation"),
        )
        .annotate(last_activity=Greatest("last_invoice_at", "last_key_use_at"))
    )
    if filters.search:
        clients = clients.filter(
            Q(name__icontains=filters.search)
            | Q(kvk_number__startswith=filters.search)
            | Q(peppol_id__icontains=filters.search)
        )
    if filters.environment_id:
        clients = clients.filter(environment_id=filters.environment_id)
    if filters.connection == ClientConnectionState.CONNECTED:
        clients = clients.filter(live_keys__gt=0)
    elif filters.connection == ClientConnectionState.AWAITING_KEY:
        clients = clients.filter(live_connections__gt=0, live_keys=0)
    elif filters.connection == ClientConnectionState.NONE:
        clients = clients.filter(live_connections=0)
    if filters.key == ClientKeyState.ACTIVE:
        clients = clients.filter(live_keys__gt=0)
    elif filters.key == ClientKeyState.REVOKED:
        clients = clients.filter(live_keys=0, all_keys__gt=0)
    elif filters.key == ClientKeyState.NONE:
        clients = clients.filter(all_keys=0)
    return clients.order_by("environment__name", "name", "id")


def client_environments(*, user: User) -> QuerySet[Environment]:
    """The other environments whose organisations the user can reach (the Clients filter)."""
    reachable = organisations_visible_to(user=user).exclude(environment_id=user.home.pk)
    return Environment.objects.filter(pk__in=reachable.values("environment_id")).order_by("name")
