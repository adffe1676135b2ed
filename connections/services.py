"""Every write about software connections and their keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from connections.credentials import app_key_new, secret_new
from connections.models import ConnectionKey, ConnectionStatus, SoftwareConnection, SoftwarePackage
from environments.models import Environment, Organisation, OrganisationMembership
from partners.models import Partnership

# last_used_at is bookkeeping: written at most once a minute per key, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedKey:
    """A key just issued, with its secret: the only moment the secret exists outside a hash."""

    key: ConnectionKey
    secret: str


def _other_environment(*, organisation: Organisation, user: User | None) -> Environment | None:
    if user is None or user.environment_id in (None, organisation.environment_id):
        return None
    return user.environment


def connection_create(
    *, organisation: Organisation, acting_user: User, package: str, label: str = ""
) -> SoftwareConnection:
    """Link a software package to the organisation; it awaits a key until one is retrieved."""
    if package not in SoftwarePackage.values:
        raise ValidationError({"package": _("Choose a software package from the list.")})
    label = label.strip()
    with transaction.atomic():
        duplicate = (
            SoftwareConnection.objects.filter(organisation=organisation, package=package, label=label)
            .exclude(status=ConnectionStatus.REVOKED)
            .exists()
        )
        if duplicate:
            raise ValidationError(
                {
                    "package": _(
                        "This package is already connected. Give the new connection a different label."
                    )
                }
            )
        connection = SoftwareConnection(
            organisation=organisation, package=package, label=label, created_by=acting_user
        )
        try:
            with transaction.atomic():
                connection.save()
        except IntegrityError as error:
            raise ValidationError({"package": _("This package is already connected.")}) from error
        audit_record(
            actor=acting_user,
            action="connection.created",
            environment=organisation.environment,
            other_environment=_other_environment(organisation=organisation, user=acting_user),
            organisation=organisation,
            target=connection,
            data={"package": connection.get_package_display(), "label": label},
        )
        return connection


def _partnership_of_issuer(*, organisation: Organisation, user: User) -> Partnership | None:
    """The partnership through which ``user`` reaches the organisation; None for its own
    environment's users. A partner user's partnership must still be active."""
    membership = (
        OrganisationMembership.objects.select_related("partnership")
        .filter(user=user, organisation=organisation)
        .first()
    )
    if membership is None or membership.partnership is None:
        return None
    partnership = Partnership.objects.select_for_update().get(pk=membership.partnership.pk)
    if not partnership.is_active:
        raise ValidationError(_("The partnership through which you reach this organisation has ended."))
    return partnership


def _revoke_key(
    *, key: ConnectionKey, acting_user: User | None, reason: str, organisation: Organisation
) -> None:
    key.revoked_at = timezone.now()
    key.revoked_by = acting_user
    key.revoke_reason = reason
    key.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    other = None
    if key.partnership is not None:
        other_id = key.partnership.other_environment_id(organisation.environment_id)
        other = Environment.objects.get(pk=other_id)
    audit_record(
        actor=acting_user,
        action="connection_key.revoked",
        environment=organisation.environment,
        other_environment=other,
        organisation=organisation,
        target=key,
        data={"app_key": key.app_key, "connection": str(key.connection), "reason": reason},
    )


def connection_key_issue(*, connection: SoftwareConnection, acting_user: User) -> IssuedKey:
    """Issue a new key for the connection and return its secret, once.

    Any live key is revoked in the same transaction (regenerate: the old secret stops working at
    once). The key records who retrieved it and, for a partner user, the partnership, so that
    ending the partnership revokes it. The connection row is locked: two retrievals at once
    leave exactly one live key.
    """
    with transaction.atomic():
        locked = (
            SoftwareConnection.objects.select_for_update(of=("self",))
            .select_related("organisation__environment")
            .get(pk=connection.pk)
        )
        if locked.is_revoked:
            raise ValidationError(_("This connection has been revoked. Connect the package again."))
        organisation = locked.organisation
        partnership = _partnership_of_issuer(organisation=organisation, user=acting_user)
        for live in ConnectionKey.objects.select_related("partnership").filter(
            connection=locked, revoked_at__isnull=True
        ):
            live.connection = locked
            _revoke_key(key=live, acting_user=acting_user, reason="regenerated", organisation=organisation)
        secret, secret_hash = secret_new()
        key = ConnectionKey.objects.create(
            connection=locked,
            app_key=app_key_new(),
            secret_hash=secret_hash,
            issued_by=acting_user,
            partnership=partnership,
        )
        locked.status = ConnectionStatus.ACTIVE
        locked.save(update_fields=["status"])
        audit_record(
            actor=acting_user,
            action="connection_key.issued",
            environment=organisation.environment,
            other_environment=_other_environment(organisation=organisation, user=acting_user),
            organisation=organisation,
            target=key,
            data={
                "app_key": key.app_key,
                "connection": str(locked),
                "partnership": partnership.pk if partnership else None,
            },
        )
        return IssuedKey(key=key, secret=secret)


def connection_revoke(*, connection: SoftwareConnection, acting_user: User) -> SoftwareConnection:
    """End the connection: its live key stops working at once. Revoking twice changes nothing."""
    with transaction.atomic():
        locked = (
            SoftwareConnection.objects.select_for_update(of=("self",))
            .select_related("organisation__environment")
            .get(pk=connection.pk)
        )
        if locked.is_revoked:
            return locked
        organisation = locked.organisation
        for live in ConnectionKey.objects.select_related("partnership").filter(
            connection=locked, revoked_at__isnull=True
        ):
            live.connection = locked
            _revoke_key(
                key=live, acting_user=acting_user, reason="connection revoked", organisation=organisation
            )
        locked.status = ConnectionStatus.REVOKED
        locked.revoked_at = timezone.now()
        locked.revoked_by = acting_user
        locked.save(update_fields=["status", "revoked_at", "revoked_by"])
        audit_record(
            actor=acting_user,
            action="connection.revoked",
            environment=organisation.environment,
            other_environment=_other_environment(organisation=organisation, user=acting_user),
            organisation=organisation,
            target=locked,
            data={"package": locked.get_package_display(), "label": locked.label},
        )
        return locked


def connection_keys_revoke_for_partnership(*, partnership: Partnership, acting_user: User | None) -> int:
    """Revoke every live key issued under ``partnership``; their connections await a new key.
    Runs inside the partnership-ending transaction (see connections.receivers)."""
    with transaction.atomic():
        keys = list(
            ConnectionKey.objects.select_for_update(of=("self",))
            .select_related("connection__organisation__environment", "partnership")
            .filter(partnership=partnership, revoked_at__isnull=True)
            .order_by("pk")
        )
        for key in keys:
            _revoke_key(
                key=key,
                acting_user=acting_user,
                reason="partnership ended",
                organisation=key.connection.organisation,
            )
        SoftwareConnection.objects.filter(
            pk__in=[key.connection_id for key in keys], status=ConnectionStatus.ACTIVE
        ).update(status=ConnectionStatus.AWAITING_KEY)
        return len(keys)


def connection_key_record_use(*, key: ConnectionKey) -> None:
    """Remember when the key was last used (at most one write a minute per key)."""
    now = timezone.now()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_RESOLUTION:
        return
    ConnectionKey.objects.filter(pk=key.pk).update(last_used_at=now)
    SoftwareConnection.objects.filter(pk=key.connection_id).update(last_used_at=now)
    key.last_used_at = now
