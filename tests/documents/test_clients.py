from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from connections.services import connection_revoke
from environments.models import OrganisationRole
from tests.actors import World, grant
from tests.connections.factories import issued_key, software_connection
from tests.documents.factories import delivered_invoice, draft_invoice
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User | None], Client]


def _rows(client: Client, **query: str) -> dict[str, dict]:  # type: ignore[type-arg]
    response = client.get(reverse("documents:client_list"), query)
    assert response.status_code == 200
    return {row["organisation"].name: row for row in response.context["rows"]}


def test_clients_are_the_reachable_organisations_of_other_environments(
    world: World, client_for: ClientFor
) -> None:
    OrganisationFactory(environment=world.partner_env, name="Partner's own B.V.")

    partner_rows = _rows(client_for(world["partner_member"]))
    admin_rows = _rows(client_for(world["admin"]))

    assert list(partner_rows) == ["Home organisation"]
    assert partner_rows["Home organisation"]["organisation"].environment.name == "Home environment"
    assert admin_rows == {}


def test_clients_show_role_connection_key_activity_and_open_invoices(
    world: World, client_for: ClientFor
) -> None:
    user = world["partner_member"]
    connected = OrganisationFactory(environment=world.env, name="Connected B.V.")
    grant(connected, user, OrganisationRole.ADMINISTRATOR)
    issued_key(connected, user)
    draft_invoice(connected)
    delivered_invoice(world.foreign_org, connected)
    awaiting = OrganisationFactory(environment=world.env, name="Awaiting B.V.")
    grant(awaiting, user, OrganisationRole.ADMINISTRATOR)
    software_connection(awaiting, user)
    revoked = OrganisationFactory(environment=world.env, name="Revoked B.V.")
    grant(revoked, user, OrganisationRole.ADMINISTRATOR)
    connection_revoke(connection=issued_key(revoked, user).key.connection, acting_user=user)

    rows = _rows(client_for(user))

    home, connected_row = rows["Home organisation"], rows["Connected B.V."]
    assert (home["role"], home["can_documents"], home["can_connections"]) == ("Member", True, False)
    assert (connected_row["role"], connected_row["can_connections"]) == ("Administrator", True)
    assert (connected_row["organisation"].live_keys, connected_row["organisation"].open_invoices) == (1, 2)
    assert connected_row["organisation"].last_activity is not None
    assert (
        rows["Awaiting B.V."]["organisation"].live_connections,
        rows["Awaiting B.V."]["organisation"].live_keys,
    ) == (
        1,
        0,
    )
    assert (
        rows["Revoked B.V."]["organisation"].all_keys,
        rows["Revoked B.V."]["organisation"].live_keys,
    ) == (1, 0)
    assert home["organisation"].last_activity is None


def test_clients_filter_by_connection_key_environment_and_search(world: World, client_for: ClientFor) -> None:
    user = world["partner_member"]
    connected = OrganisationFactory(environment=world.env, name="Connected B.V.", kvk_number="44440000")
    grant(connected, user, OrganisationRole.ADMINISTRATOR)
    issued_key(connected, user)
    client = client_for(user)

    assert list(_rows(client, connection="connected")) == ["Connected B.V."]
    assert list(_rows(client, connection="none")) == ["Home organisation"]
    assert list(_rows(client, key="none")) == ["Home organisation"]
    assert list(_rows(client, q="4444")) == ["Connected B.V."]
    assert sorted(_rows(client, environment=str(world.env.pk))) == ["Connected B.V.", "Home organisation"]
    assert list(_rows(client, environment="999999")) == ["Connected B.V.", "Home organisation"]
