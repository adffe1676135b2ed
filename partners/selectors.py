from __future__ import annotations

from django.db.models import Q, QuerySet

from partners.models import Partnership, PartnershipStatus


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
