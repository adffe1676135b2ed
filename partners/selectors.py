"""Reads about partnerships, relationship requests and relationship managers, tenant filter built in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import EnvironmentRole, User
from environments.models import Environment, OrganisationMembership
from partners.models import (
    Partnership,
    PartnershipStatus,
    RelationshipManagerLink,
    RelationshipRequest,
    RelationshipRequestStatus,
)
from partners.signals import partnership_ending_preview


def canonical_pair(environment_id: int, other_environment_id: int) -> tuple[int, int]:
    """The (a, b) order in which a partnership between two environments is stored."""
    return (min(environment_id, other_environment_id), max(environment_id, other_environment_id))


def partnership_active_between(*, environment_id: int, other_environment_id: int) -> Partnership | None:
    a, b = canonical_pair(environment_id, other_environment_id)
    return Partnership.objects.filter(
        environment_a_id=a, environment_b_id=b, status=PartnershipStatus.ACTIVE
    ).first()


def partnerships_of(*, environment_id: int) -> QuerySet[Partnership]:
    return Partnership.objects.filter(Q(environment_a_id=environment_id) | Q(environment_b_id=environment_id))


def environment_has_partnerships(*, environment_id: int) -> bool:
    return partnerships_of(environment_id=environment_id).exists()


# --- Who hears about what -------------------------------------------------------------------


def environment_contacts(*, environment_id: int) -> list[User]:
    """Who receives an environment's partner emails: its relationship managers, or its
    administrators where it has none."""
    active = User.objects.filter(environment_id=environment_id, is_active=True).order_by("email")
    managers = list(active.filter(is_relationship_manager=True, role__gte=EnvironmentRole.ADVANCED_USER))
    return managers or list(active.filter(role=EnvironmentRole.ADMINISTRATOR))


def connected_managers_qs() -> QuerySet[RelationshipManagerLink]:
    """Open links whose user still is an active relationship manager."""
    return RelationshipManagerLink.objects.filter(
        disconnected_at__isnull=True, user__is_active=True, user__is_relationship_manager=True
    ).select_related("user")


def partnership_connected_managers(*, partnership: Partnership, environment_id: int) -> list[User]:
    return [
        link.user
        for link in connected_managers_qs()
        .filter(partnership=partnership, user__environment_id=environment_id)
        .order_by("user__email")
    ]


def partnership_side_contacts(*, partnership: Partnership, environment_id: int) -> list[User]:
    """Who receives a partnership's emails on one side: the relationship managers connected to
    it there, else the environment's relationship managers, else its administrators."""
    return partnership_connected_managers(
        partnership=partnership, environment_id=environment_id
    ) or environment_contacts(environment_id=environment_id)


# --- Find partners --------------------------------------------------------------------------


def directory_search(*, environment: Environment, search: str = "") -> QuerySet[Environment]:
    """Environments listed in the directory (the user's own excluded), by name or KvK number,
    annotated with how they stand towards ``environment`` so each row needs no extra query."""
    now = timezone.now()
    own = environment.pk
    active_partnership = Partnership.objects.filter(status=PartnershipStatus.ACTIVE).filter(
        Q(environment_a_id=own, environment_b_id=OuterRef("pk"))
        | Q(environment_b_id=own, environment_a_id=OuterRef("pk"))
    )
    pending = RelationshipRequest.objects.filter(status=RelationshipRequestStatus.PENDING, expires_at__gt=now)
    outgoing = pending.filter(from_environment_id=own, to_environment_id=OuterRef("pk"))
    incoming = pending.filter(from_environment_id=OuterRef("pk"), to_environment_id=own)
    environments = (
        Environment.objects.filter(listed_in_directory=True)
        .exclude(pk=own)
        .select_related("plan")
        .annotate(
            partnership_pk=Subquery(active_partnership.values("pk")[:1]),
            outgoing_request_pk=Subquery(outgoing.values("pk")[:1]),
            incoming_request_pk=Subquery(incoming.values("pk")[:1]),
        )
    )
    search = search.strip()
    if search:
        compact = search.replace(" ", "")
        match = Q(name__icontains=search)
        if compact.isdigit():
            match |= Q(kvk_number__startswith=compact)
        environments = environments.filter(match)
    return environments.order_by("name", "pk")


def directory_environment(*, environment: Environment, pk: int) -> Environment | None:
    return (
        Environment.objects.filter(pk=pk, listed_in_directory=True)
        .exclude(pk=environment.pk)
        .select_related("plan")
        .first()
    )


# --- Partnerships ---------------------------------------------------------------------------


@dataclass
class PartnershipRow:
    partnership: Partnership
    partner: Environment
    our_managers: list[User]
    their_managers: list[User]
    opened_by_us: int
    opened_to_us: int


def _managers_by_side(partnership: Partnership, environment_id: int) -> tuple[list[User], list[User]]:
    links: list[RelationshipManagerLink] = getattr(partnership, "open_manager_links", [])
    ours = [link.user for link in links if link.user.environment_id == environment_id]
    theirs = [link.user for link in links if link.user.environment_id != environment_id]
    return ours, theirs


def partnerships_list(
    *, environment: Environment, search: str = "", ended: bool = False
) -> QuerySet[Partnership]:
    """The environment's active (or ended) partnerships with the partner, the relationship
    managers of both sides and how many organisations each side opened to the other."""
    own = environment.pk
    partnerships = (
        partnerships_of(environment_id=own)
        .filter(status=PartnershipStatus.ENDED if ended else PartnershipStatus.ACTIVE)
        .select_related("environment_a", "environment_b", "created_by", "ended_by")
        .annotate(
            opened_by_us=Count(
                "memberships__organisation",
                filter=Q(memberships__organisation__environment_id=own),
                distinct=True,
            ),
            opened_to_us=Count(
                "memberships__organisation",
                filter=~Q(memberships__organisation__environment_id=own),
                distinct=True,
            ),
        )
        .prefetch_related(
            Prefetch(
                "relationship_manager_links",
                queryset=connected_managers_qs().order_by("user__email"),
                to_attr="open_manager_links",
            )
        )
    )
    search = search.strip()
    if search:
        match = Q(environment_a_id=own, environment_b__name__icontains=search) | Q(
            environment_b_id=own, environment_a__name__icontains=search
        )
        if search.isdigit():
            match |= Q(environment_a_id=own, environment_b__kvk_number__startswith=search) | Q(
                environment_b_id=own, environment_a__kvk_number__startswith=search
            )
        partnerships = partnerships.filter(match)
    return partnerships.order_by("-ended_at" if ended else "-created_at", "-pk")


def partnership_rows(partnerships: list[Partnership], *, environment_id: int) -> list[PartnershipRow]:
    rows = []
    for partnership in partnerships:
        ours, theirs = _managers_by_side(partnership, environment_id)
        partner = (
            partnership.environment_b
            if partnership.environment_a_id == environment_id
            else partnership.environment_a
        )
        rows.append(
            PartnershipRow(
                partnership=partnership,
                partner=partner,
                our_managers=ours,
                their_managers=theirs,
                opened_by_us=getattr(partnership, "opened_by_us", 0),
                opened_to_us=getattr(partnership, "opened_to_us", 0),
            )
        )
    return rows


def partnership_access(*, partnership: Partnership) -> QuerySet[OrganisationMembership]:
    """Every membership granted across the partnership's two environments, both directions."""
    a, b = partnership.environment_a_id, partnership.environment_b_id
    return (
        OrganisationMembership.objects.filter(
            Q(partnership=partnership)
            | Q(organisation__environment_id=a, user__environment_id=b)
            | Q(organisation__environment_id=b, user__environment_id=a)
        )
        .select_related("organisation__environment", "user__environment", "granted_by")
        .order_by("organisation__environment__name", "organisation__name", "user__email")
    )


def pending_requests_between(
    *, environment_id: int, other_environment_id: int
) -> QuerySet[RelationshipRequest]:
    return RelationshipRequest.objects.filter(status=RelationshipRequestStatus.PENDING).filter(
        Q(from_environment_id=environment_id, to_environment_id=other_environment_id)
        | Q(from_environment_id=other_environment_id, to_environment_id=environment_id)
    )


def partnership_ending_summary(*, partnership: Partnership) -> dict[str, int]:
    """What partnership_end will stop, counted by partners itself."""
    access = partnership_access(partnership=partnership)
    return {
        "memberships": access.count(),
        "organisations": access.values("organisation_id").distinct().count(),
        "pending_requests": pending_requests_between(
            environment_id=partnership.environment_a_id, other_environment_id=partnership.environment_b_id
        ).count(),
        "manager_links": RelationshipManagerLink.objects.filter(
            partnership=partnership, disconnected_at__isnull=True
        ).count(),
    }


# --- Relationship requests ------------------------------------------------------------------


def relationship_requests_list(
    *, environment: Environment, incoming: bool, status: str = ""
) -> QuerySet[RelationshipRequest]:
    requests = RelationshipRequest.objects.select_related(
        "from_environment", "to_environment", "sent_by", "decided_by"
    )
    if incoming:
        requests = requests.filter(to_environment=environment)
    else:
        requests = requests.filter(from_environment=environment)
    now = timezone.now()
    if status == RelationshipRequestStatus.PENDING:
        requests = requests.filter(status=RelationshipRequestStatus.PENDING, expires_at__gt=now)
    elif status == RelationshipRequestStatus.EXPIRED:
        requests = requests.filter(
            Q(status=RelationshipRequestStatus.EXPIRED)
            | Q(status=RelationshipRequestStatus.PENDING, expires_at__lte=now)
        )
    elif status in RelationshipRequestStatus.values:
        requests = requests.filter(status=status)
    return requests.order_by("-created_at", "-pk")


def relationship_requests_pending_count(*, environment: Environment) -> int:
    return RelationshipRequest.objects.filter(
        to_environment=environment, status=RelationshipRequestStatus.PENDING, expires_at__gt=timezone.now()
    ).count()


def reverse_pending_request(
    *, from_environment_id: int, to_environment_id: int, now: datetime | None = None
) -> RelationshipRequest | None:
    """The open request going the other way, if any (offered to accept instead of sending)."""
    return (
        RelationshipRequest.objects.filter(
            from_environment_id=to_environment_id,
            to_environment_id=from_environment_id,
            status=RelationshipRequestStatus.PENDING,
            expires_at__gt=now or timezone.now(),
        )
        .select_related("from_environment", "to_environment", "sent_by")
        .first()
    )


# --- Relationship managers ------------------------------------------------------------------


def relationship_managers_of(*, environment: Environment) -> QuerySet[User]:
    """The environment's relationship managers, each with how many active partnerships they
    are connected to."""
    return (
        User.objects.filter(
            environment=environment,
            is_active=True,
            is_relationship_manager=True,
            role__gte=EnvironmentRole.ADVANCED_USER,
        )
        .annotate(
            connected_count=Count(
                "relationship_manager_links",
                filter=Q(
                    relationship_manager_links__disconnected_at__isnull=True,
                    relationship_manager_links__partnership__status=PartnershipStatus.ACTIVE,
                ),
            )
        )
        .order_by("email")
    )


def partnerships_for_managers(*, environment: Environment, search: str = "") -> QuerySet[Partnership]:
    """Active partnerships with their open relationship-manager links (both sides)."""
    own = environment.pk
    partnerships = (
        partnerships_of(environment_id=own)
        .filter(status=PartnershipStatus.ACTIVE)
        .select_related("environment_a", "environment_b")
        .prefetch_related(
            Prefetch(
                "relationship_manager_links",
                queryset=connected_managers_qs().order_by("user__email"),
                to_attr="open_manager_links",
            )
        )
    )
    search = search.strip()
    if search:
        partnerships = partnerships.filter(
            Q(environment_a_id=own, environment_b__name__icontains=search)
            | Q(environment_b_id=own, environment_a__name__icontains=search)
        )
    return partnerships.order_by("-created_at", "-pk")


def open_manager_links_of_partnership(*, partnership: Partnership) -> list[RelationshipManagerLink]:
    return list(connected_managers_qs().filter(partnership=partnership).order_by("user__email"))


def partnership_ending_items(*, partnership: Partnership, acting_user: User) -> list[tuple[str, int]]:
    """What ending the partnership will stop, as (label, count): partners' own items and those
    other apps report through ``partnership_ending_preview`` (connection keys, cost allocations)."""
    summary = partnership_ending_summary(partnership=partnership)
    items: list[tuple[str, int]] = [
        (_("memberships of users across the two environments"), summary["memberships"]),
        (_("organisations opened to the other side"), summary["organisations"]),
        (_("pending relationship requests between you"), summary["pending_requests"]),
        (_("relationship-manager links"), summary["manager_links"]),
    ]
    for _receiver, response in partnership_ending_preview.send(
        sender=Partnership, partnership=partnership, acting_user=acting_user
    ):
        reported = cast("list[tuple[str, int]]", response or [])
        items.extend((str(label), int(count)) for label, count in reported)
    return items
