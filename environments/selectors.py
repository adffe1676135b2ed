from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from accounts.models import EnvironmentRole, User
from environments.models import (
    Environment,
    Organisation,
    OrganisationMembership,
    OrganisationUserObjectPermission,
    Plan,
    SubscriptionChange,
)


def organisations_visible_to(*, user: User) -> QuerySet[Organisation]:
    """Every organisation the user may view: all of their environment's if they administer it,
    plus those where a membership gave them the guardian view permission (their own or a
    partner's)."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    granted = OrganisationUserObjectPermission.objects.filter(
        user=user, permission__codename="view_organisation"
    ).values("content_object_id")
    visible = Q(pk__in=granted)
    if user.is_environment_administrator:
        visible |= Q(environment_id=user.environment_id)
    return Organisation.objects.filter(visible).select_related("environment")


def organisations_list(*, user: User, search: str = "") -> QuerySet[Organisation]:
    organisations = organisations_visible_to(user=user).annotate(member_count=Count("memberships"))
    if search:
        organisations = organisations.filter(
            Q(name__icontains=search)
            | Q(kvk_number__startswith=search)
            | Q(environment__name__icontains=search)
        )
    return organisations.order_by("name", "id")


def organisation_memberships(*, organisation: Organisation) -> QuerySet[OrganisationMembership]:
    return (
        OrganisationMembership.objects.filter(organisation=organisation)
        .select_related("user", "user__environment", "granted_by", "partnership")
        .order_by("user__email")
    )


def subscription_history(*, environment: Environment) -> QuerySet[SubscriptionChange]:
    return (
        SubscriptionChange.objects.filter(environment=environment)
        .select_related("from_plan", "to_plan", "changed_by")
        .order_by("-changed_at", "-id")
    )


def plans_for_comparison() -> QuerySet[Plan]:
    return Plan.objects.order_by("sort_order", "name")


def environment_usage(*, environment: Environment) -> dict[str, int]:
    """What the plan's limits are measured against."""
    return {
        "organisations": Organisation.objects.filter(environment=environment).count(),
        "users": User.objects.filter(environment=environment, is_active=True).count(),
    }


def organisations_administered_by(*, user: User) -> QuerySet[Organisation]:
    """The user's own environment's organisations they may give others access to: all of them
    for its administrators, otherwise those where they hold the administrator organisation role."""
    if user.environment_id is None:
        return Organisation.objects.none()
    own = Organisation.objects.filter(environment_id=user.environment_id)
    if user.is_environment_administrator:
        return own
    granted = OrganisationUserObjectPermission.objects.filter(
        user=user, permission__codename="manage_members"
    ).values("content_object_id")
    return own.filter(pk__in=granted)


def membership_candidates(*, organisation: Organisation, acting_user: User) -> QuerySet[User]:
    """Who ``acting_user`` may add to the organisation: users of its environment, and advanced
    users and administrators of environments in an active partnership with it. A partner user who
    administers the organisation picks from their own environment. Existing members are left out."""
    from partners.selectors import partnerships_of

    home_id = organisation.environment_id
    if acting_user.environment_id != home_id:
        pool = Q(environment_id=acting_user.environment_id, role__gte=EnvironmentRole.ADVANCED_USER)
    else:
        partner_environment_ids = [
            partnership.other_environment_id(home_id)
            for partnership in partnerships_of(environment_id=home_id).filter(status="active")
        ]
        pool = Q(environment_id=home_id) | Q(
            environment_id__in=partner_environment_ids, role__gte=EnvironmentRole.ADVANCED_USER
        )
    return (
        User.objects.filter(pool, is_active=True)
        .exclude(memberships__organisation=organisation)
        .select_related("environment")
        .order_by("environment__name", "email")
    )
