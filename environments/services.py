"""Every write about environments, organisations, plans and organisation memberships."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import EnvironmentRole, User
from audit.services import audit_event_build, audit_record, audit_record_many
from environments.models import (
    ORGANISATION_ROLE_PERMISSIONS,
    Environment,
    Organisation,
    OrganisationMembership,
    OrganisationRole,
    OrganisationUserObjectPermission,
    Plan,
    SubscriptionChange,
)
from environments.plans import plan_require_organisation_capacity
from partners.models import Partnership
from partners.selectors import partnership_active_between


def default_plan() -> Plan:
    plan = Plan.objects.filter(is_default=True).first()
    if plan is None:
        raise ValidationError(_("No default plan is configured. Run the seed_plans migration."))
    return plan


def environment_create(*, name: str, kvk_number: str = "", plan: Plan | None = None) -> Environment:
    return Environment.objects.create(name=name.strip(), kvk_number=kvk_number, plan=plan or default_plan())


def environment_update_settings(
    *, environment: Environment, acting_user: User, listed_in_directory: bool, name: str | None = None
) -> Environment:
    """Change the environment's name (when given) and whether it is listed in the partner directory."""
    with transaction.atomic():
        locked = Environment.objects.select_for_update().get(pk=environment.pk)
        changed: dict[str, object] = {}
        if name is not None and name.strip() and name.strip() != locked.name:
            changed["name"] = name.strip()
        if listed_in_directory != locked.listed_in_directory:
            changed["listed_in_directory"] = listed_in_directory
        if not changed:
            return locked
        for field, value in changed.items():
            setattr(locked, field, value)
            setattr(environment, field, value)
        locked.full_clean()
        locked.save(update_fields=sorted(changed))
        audit_record(
            actor=acting_user,
            action="environment.settings_changed",
            environment=locked,
            target=locked,
            data=changed,
        )
        return locked


def subscription_change_plan(
    *, environment: Environment, plan: Plan, acting_user: User
) -> SubscriptionChange | None:
    """Move the environment to ``plan`` and record who did it.

    A downgrade is refused when the environment has more organisations than the new plan allows.
    It never ends partnerships: the plan checks stop new requests being sent or accepted.
    """
    with transaction.atomic():
        locked = (
            Environment.objects.select_for_update(of=("self",)).select_related("plan").get(pk=environment.pk)
        )
        if locked.plan_id == plan.pk:
            return None
        organisation_count = locked.organisations.count()
        if plan.max_organisations is not None and organisation_count > plan.max_organisations:
            raise ValidationError(
                _(
                    "%(plan)s allows at most %(limit)d organisations and this environment has %(count)d. "
                    "Remove organisations first or choose a larger plan."
                )
                % {"plan": plan.name, "limit": plan.max_organisations, "count": organisation_count}
            )
        user_count = locked.users.filter(is_active=True).count()
        if plan.max_users is not None and user_count > plan.max_users:
            raise ValidationError(
                _(
                    "%(plan)s allows at most %(limit)d users and this environment has %(count)d active "
                    "users. Deactivate users first or choose a larger plan."
                )
                % {"plan": plan.name, "limit": plan.max_users, "count": user_count}
            )
        change = SubscriptionChange.objects.create(
            environment=locked, from_plan=locked.plan, to_plan=plan, changed_by=acting_user
        )
        old_plan_name = locked.plan.name
        locked.plan = plan
        locked.save(update_fields=["plan"])
        environment.plan = plan
        audit_record(
            actor=acting_user,
            action="subscription.plan_changed",
            environment=locked,
            target=locked,
            data={"from": old_plan_name, "to": plan.name},
        )
        return change


def default_peppol_id(kvk_number: str) -> str:
    return f"0106:{kvk_number}"


def organisation_create(
    *,
    environment: Environment,
    acting_user: User | None,
    name: str,
    kvk_number: str,
    vat_number: str = "",
    peppol_id: str = "",
) -> Organisation:
    """Create an organisation, within the plan's organisation limit and with a KvK number that is
    unique in the environment. The environment row is locked so two creations cannot both slip
    under the limit."""
    with transaction.atomic():
        locked = (
            Environment.objects.select_for_update(of=("self",)).select_related("plan").get(pk=environment.pk)
        )
        plan_require_organisation_capacity(locked, current_count=locked.organisations.count())
        if locked.organisations.filter(kvk_number=kvk_number).exists():
            raise ValidationError(
                {"kvk_number": _("This environment already has an organisation with this KvK number.")}
            )
        organisation = Organisation(
            environment=locked,
            name=name.strip(),
            kvk_number=kvk_number,
            vat_number=vat_number,
            peppol_id=peppol_id or default_peppol_id(kvk_number),
        )
        organisation.full_clean()
        try:
            with transaction.atomic():
                organisation.save()
        except IntegrityError as error:
            raise ValidationError(
                {"kvk_number": _("This environment already has an organisation with this KvK number.")}
            ) from error
        audit_record(
            actor=acting_user,
            action="organisation.created",
            environment=locked,
            organisation=organisation,
            target=organisation,
        )
        return organisation


def organisation_update(
    *,
    organisation: Organisation,
    acting_user: User,
    name: str,
    kvk_number: str,
    vat_number: str,
    peppol_id: str,
) -> Organisation:
    with transaction.atomic():
        duplicate = (
            Organisation.objects.filter(environment_id=organisation.environment_id, kvk_number=kvk_number)
            .exclude(pk=organisation.pk)
            .exists()
        )
        if duplicate:
            raise ValidationError(
                {"kvk_number": _("This environment already has an organisation with this KvK number.")}
            )
        changed = {
            field: value
            for field, value in {
                "name": name.strip(),
                "kvk_number": kvk_number,
                "vat_number": vat_number,
                "peppol_id": peppol_id or default_peppol_id(kvk_number),
            }.items()
            if getattr(organisation, field) != value
        }
        for field, value in changed.items():
            setattr(organisation, field, value)
        organisation.full_clean()
        organisation.save()
        audit_record(
            actor=acting_user,
            action="organisation.updated",
            environment=organisation.environment,
            organisation=organisation,
            target=organisation,
            data={"changed": sorted(changed)},
        )
        return organisation


def _organisation_permissions(codenames: tuple[str, ...]) -> list[Permission]:
    content_type = ContentType.objects.get_for_model(Organisation)
    return list(Permission.objects.filter(content_type=content_type, codename__in=codenames))


def _set_organisation_permissions(*, user: User, organisation: Organisation, role: int) -> None:
    """Make the user's guardian permissions on the organisation exactly those of ``role``."""
    wanted = _organisation_permissions(ORGANISATION_ROLE_PERMISSIONS[role])
    OrganisationUserObjectPermission.objects.filter(user=user, content_object=organisation).exclude(
        permission__in=wanted
    ).delete()
    existing = set(
        OrganisationUserObjectPermission.objects.filter(user=user, content_object=organisation).values_list(
            "permission_id", flat=True
        )
    )
    OrganisationUserObjectPermission.objects.bulk_create(
        [
            OrganisationUserObjectPermission(user=user, content_object=organisation, permission=permission)
            for permission in wanted
            if permission.pk not in existing
        ]
    )


def _partnership_for_grant(*, organisation: Organisation, user: User) -> Partnership | None:
    """None for a user of the organisation's own environment; the active partnership for a
    partner user. Anyone else cannot be given access."""
    if user.environment_id == organisation.environment_id:
        return None
    if user.environment_id is None:
        raise ValidationError(_("This user does not belong to an environment."))
    partnership = partnership_active_between(
        environment_id=organisation.environment_id, other_environment_id=user.environment_id
    )
    if partnership is None:
        raise ValidationError(
            _("Users of another environment can only be added while a partnership is active.")
        )
    if user.role < EnvironmentRole.ADVANCED_USER:
        raise ValidationError(
            _("Only advanced users and administrators of a partner environment can be added.")
        )
    return partnership


def membership_grant(
    *,
    organisation: Organisation,
    user: User,
    role: int,
    acting_user: User | None,
    ends_at: datetime | None = None,
) -> OrganisationMembership:
    """Give ``user`` ``role`` on ``organisation`` (or change it), with the matching guardian
    permissions, in one transaction.

    A partner user is accepted only while the partnership is active, and the membership records
    that partnership so ending it removes the access. The partnership row is locked so that a
    grant cannot interleave with the partnership being ended.
    """
    if role not in OrganisationRole.values:
        raise ValidationError(_("Choose member or administrator."))
    if not user.is_active:
        raise ValidationError(_("This user is deactivated."))
    if ends_at is not None and ends_at <= timezone.now():
        raise ValidationError({"ends_at": _("The end date must be in the future.")})
    with transaction.atomic():
        partnership = _partnership_for_grant(organisation=organisation, user=user)
        if partnership is not None:
            partnership = Partnership.objects.select_for_update().get(pk=partnership.pk)
            if not partnership.is_active:
                raise ValidationError(
                    _("Users of another environment can only be added while a partnership is active.")
                )
        membership, created = OrganisationMembership.objects.select_for_update().get_or_create(
            user=user,
            organisation=organisation,
            defaults={
                "role": role,
                "granted_by": acting_user,
                "partnership": partnership,
                "ends_at": ends_at,
            },
        )
        if not created:
            previous_role = membership.role
            membership.role = role
            membership.ends_at = ends_at
            membership.partnership = partnership
            membership.save(update_fields=["role", "ends_at", "partnership"])
        _set_organisation_permissions(user=user, organisation=organisation, role=role)
        audit_record(
            actor=acting_user,
            action="membership.granted" if created else "membership.role_changed",
            environment=organisation.environment,
            other_environment=user.environment if partnership is not None else None,
            organisation=organisation,
            target=membership,
            data={
                "user": user.email,
                "role": OrganisationRole(role).label,
                **({} if created else {"previous_role": OrganisationRole(previous_role).label}),
            },
        )
        if partnership is not None:
            from partners.services import partner_access_changed_notify

            partner_access_changed_notify(
                membership=membership,
                change="granted" if created else "role_changed",
                acting_user=acting_user,
            )
        return membership


def membership_revoke(
    *, membership: OrganisationMembership, acting_user: User | None, reason: str = ""
) -> None:
    """Remove the membership and every guardian permission it gave, in one transaction."""
    with transaction.atomic():
        organisation = membership.organisation
        user = membership.user
        OrganisationUserObjectPermission.objects.filter(user=user, content_object=organisation).delete()
        audit_record(
            actor=acting_user,
            action="membership.revoked",
            environment=organisation.environment,
            other_environment=user.environment if membership.partnership_id else None,
            organisation=organisation,
            target=membership,
            data={"user": user.email, "role": membership.get_role_display(), "reason": reason},
        )
        if membership.partnership_id is not None:
            from partners.services import partner_access_changed_notify

            partner_access_changed_notify(membership=membership, change="revoked", acting_user=acting_user)
        membership.delete()


def memberships_revoke_all(
    *, memberships: QuerySet[OrganisationMembership], acting_user: User | None, reason: str
) -> int:
    """Remove many memberships and every guardian permission they gave, in one transaction and
    a constant number of queries (ending a partnership removes thousands at once). Writes one
    audit event per membership; sends no per-membership email (the caller tells people once)."""
    with transaction.atomic():
        rows = list(
            memberships.select_related("organisation__environment", "user__environment")
            .select_for_update(of=("self",))
            .order_by("pk")
        )
        if not rows:
            return 0
        ids = [membership.pk for membership in rows]
        OrganisationUserObjectPermission.objects.filter(
            Exists(
                OrganisationMembership.objects.filter(
                    pk__in=ids, user_id=OuterRef("user_id"), organisation_id=OuterRef("content_object_id")
                )
            )
        ).delete()
        audit_record_many(
            [
                audit_event_build(
                    actor=acting_user,
                    action="membership.revoked",
                    environment=membership.organisation.environment,
                    other_environment=membership.user.environment if membership.partnership_id else None,
                    organisation=membership.organisation,
                    target=membership,
                    data={
                        "user": membership.user.email,
                        "role": membership.get_role_display(),
                        "reason": reason,
                    },
                )
                for membership in rows
            ]
        )
        OrganisationMembership.objects.filter(pk__in=ids).delete()
        return len(rows)


def memberships_expire(*, now: datetime | None = None) -> int:
    """Revoke every membership whose end date has passed. Idempotent: a second run finds none."""
    moment = now or timezone.now()
    expired = OrganisationMembership.objects.filter(ends_at__lte=moment).select_related(
        "organisation__environment", "user__environment"
    )
    count = 0
    for membership in expired:
        membership_revoke(membership=membership, acting_user=None, reason="end date reached")
        count += 1
    return count
