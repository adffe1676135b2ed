from __future__ import annotations

import hashlib
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection as db_connection
from django.db import transaction

from audit.models import AuditEvent
from connections.models import ConnectionKey, ConnectionStatus
from connections.selectors import connection_key_for_credentials
from connections.services import connection_create, connection_key_issue, connection_revoke
from environments.models import OrganisationRole
from partners.signals import partnership_ended, partnership_ending_preview
from tests.actors import World, grant
from tests.connections.factories import issued_key, software_connection
from tests.factories import AdministratorFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_a_key_stores_only_the_sha256_hash_of_its_secret(world: World) -> None:
    issued = issued_key(world.org, world["admin"])

    stored = ConnectionKey.objects.get(pk=issued.key.pk)
    assert stored.secret_hash == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert issued.secret not in {getattr(stored, field.attname) for field in ConnectionKey._meta.fields}
    assert len(issued.secret) >= 43  # 256 bits, base64url
    assert connection_key_for_credentials(app_key=stored.app_key, secret=issued.secret) == stored


def test_a_wrong_secret_or_unknown_app_key_authenticates_nothing(world: World) -> None:
    issued = issued_key(world.org, world["admin"])

    assert connection_key_for_credentials(app_key=issued.key.app_key, secret=issued.secret + "x") is None
    assert connection_key_for_credentials(app_key="pk_unknown", secret=issued.secret) is None


def test_regenerating_invalidates_the_old_secret_at_once(world: World) -> None:
    first = issued_key(world.org, world["admin"])

    second = connection_key_issue(connection=first.key.connection, acting_user=world["org_admin"])

    assert connection_key_for_credentials(app_key=first.key.app_key, secret=first.secret) is None
    assert connection_key_for_credentials(app_key=second.key.app_key, secret=second.secret) == second.key
    assert ConnectionKey.objects.get(pk=first.key.pk).revoke_reason == "regenerated"
    assert list(AuditEvent.objects.filter(organisation=world.org).values_list("action", flat=True)[:3]) == [
        "connection_key.issued",
        "connection_key.revoked",
        "connection_key.issued",
    ]


def test_revoking_ends_the_connection_and_its_key(world: World) -> None:
    issued = issued_key(world.org, world["admin"])

    connection_revoke(connection=issued.key.connection, acting_user=world["org_admin"])

    issued.key.connection.refresh_from_db()
    assert issued.key.connection.status == ConnectionStatus.REVOKED
    assert connection_key_for_credentials(app_key=issued.key.app_key, secret=issued.secret) is None
    with pytest.raises(ValidationError, match="revoked"):
        connection_key_issue(connection=issued.key.connection, acting_user=world["admin"])
    assert AuditEvent.objects.filter(action="connection.revoked", organisation=world.org).count() == 1


def test_a_key_records_who_retrieved_it_and_the_partnership_of_a_partner_user(world: World) -> None:
    partner_admin = world["partner_member"]
    grant(world.org, partner_admin, OrganisationRole.ADMINISTRATOR)
    own = issued_key(world.org, world["org_admin"], label="own")
    partner = issued_key(world.org, partner_admin, label="partner")

    assert (own.key.issued_by, own.key.partnership) == (world["org_admin"], None)
    assert (partner.key.issued_by, partner.key.partnership) == (partner_admin, world.partnership)
    event = AuditEvent.objects.get(action="connection_key.issued", target_id=str(partner.key.pk))
    assert (event.actor, event.other_environment) == (partner_admin, world.partner_env)


def test_the_same_package_cannot_be_connected_twice_without_a_different_label(world: World) -> None:
    software_connection(world.org, world["admin"])

    with pytest.raises(ValidationError):
        connection_create(organisation=world.org, acting_user=world["admin"], package="exact_online")

    assert connection_create(
        organisation=world.org,
        acting_user=world["admin"],
        package="exact_online",
        label="second administration",
    )


def test_an_unknown_package_is_refused(world: World) -> None:
    with pytest.raises(ValidationError):
        connection_create(organisation=world.org, acting_user=world["admin"], package="quickbooks")


# Ending a partnership (partners.signals): the partners app sends the signals; we send them here.


def _partner_setup(world: World):  # type: ignore[no-untyped-def]
    grant(world.org, world["partner_member"], OrganisationRole.ADMINISTRATOR)
    partner_key = issued_key(world.org, world["partner_member"], label="partner")
    own_key = issued_key(world.org, world["org_admin"], label="own")
    return partner_key, own_key


def test_the_ending_preview_counts_the_live_keys_issued_under_the_partnership(world: World) -> None:
    _partner_setup(world)

    responses = partnership_ending_preview.send(sender=None, partnership=world.partnership)

    assert [("connection keys", 1)] in [response for _receiver, response in responses]


def test_ending_the_partnership_revokes_its_keys_and_only_those(world: World) -> None:
    partner_key, own_key = _partner_setup(world)

    with transaction.atomic():
        partnership_ended.send(sender=None, partnership=world.partnership, acting_user=world["admin"])

    assert connection_key_for_credentials(app_key=partner_key.key.app_key, secret=partner_key.secret) is None
    assert connection_key_for_credentials(app_key=own_key.key.app_key, secret=own_key.secret) == own_key.key
    revoked = ConnectionKey.objects.get(pk=partner_key.key.pk)
    assert (revoked.revoke_reason, revoked.revoked_by) == ("partnership ended", world["admin"])
    assert revoked.connection.status == ConnectionStatus.AWAITING_KEY
    event = AuditEvent.objects.get(action="connection_key.revoked", target_id=str(revoked.pk))
    assert (event.environment, event.other_environment) == (world.env, world.partner_env)
    assert partnership_ending_preview.send(sender=None, partnership=world.partnership)[0][1] == [
        ("connection keys", 0)
    ]


def test_the_revocation_rolls_back_with_the_ending_transaction(world: World) -> None:
    partner_key, _own_key = _partner_setup(world)

    with pytest.raises(RuntimeError), transaction.atomic():
        partnership_ended.send(sender=None, partnership=world.partnership, acting_user=world["admin"])
        raise RuntimeError("another part of the ending failed")

    assert (
        connection_key_for_credentials(app_key=partner_key.key.app_key, secret=partner_key.secret) is not None
    )


def test_a_key_whose_partnership_ended_stops_working_even_before_revocation(world: World) -> None:
    partner_key, _own_key = _partner_setup(world)

    world.partnership.status = "ended"
    world.partnership.save(update_fields=["status"])

    assert connection_key_for_credentials(app_key=partner_key.key.app_key, secret=partner_key.secret) is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_retrievals_at_once_leave_exactly_one_live_key() -> None:
    organisation = OrganisationFactory()
    user = AdministratorFactory(environment=organisation.environment)
    connection = software_connection(organisation, user)
    barrier = threading.Barrier(2)
    secrets: list[str] = []

    def retrieve() -> None:
        try:
            barrier.wait()
            secrets.append(connection_key_issue(connection=connection, acting_user=user).secret)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=retrieve) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    live = ConnectionKey.objects.filter(connection=connection, revoked_at__isnull=True)
    assert len(secrets) == 2
    assert live.count() == 1
    assert (
        sum(
            connection_key_for_credentials(app_key=key.app_key, secret=secret) is not None
            for key in ConnectionKey.objects.filter(connection=connection)
            for secret in secrets
        )
        == 1
    )
