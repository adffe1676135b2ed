from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from connections.models import ConnectionKey, ConnectionStatus, SoftwareConnection, SoftwarePackage
from connections.selectors import connection_key_for_credentials
from connections.services import connection_key_issue
from tests.actors import World
from tests.connections.factories import software_connection
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User | None], Client]


def _secret_page(client: Client, connection: SoftwareConnection) -> tuple[str, str, str]:
    response = client.post(reverse("connections:connection_key_issue", kwargs={"pk": connection.pk}))
    content = response.content.decode()
    app_key = re.search(r'id="app-key">([^<]+)<', content)
    secret = re.search(r'id="secret">([^<]+)<', content)
    assert response.status_code == 200 and app_key and secret
    assert "no-store" in response["Cache-Control"]
    return app_key.group(1), secret.group(1), content


def test_connecting_a_package_from_the_catalogue(world: World, client_for: ClientFor) -> None:
    response = client_for(world["org_admin"]).post(
        reverse("connections:connection_create", kwargs={"pk": world.org.pk}), {"package": "moneybird"}
    )

    connection = SoftwareConnection.objects.get(organisation=world.org)
    assert response["Location"] == reverse("connections:connection_detail", kwargs={"pk": connection.pk})
    assert (connection.package, connection.status, connection.created_by) == (
        SoftwarePackage.MONEYBIRD,
        ConnectionStatus.AWAITING_KEY,
        world["org_admin"],
    )


def test_connecting_an_unknown_package_is_a_form_error(world: World, client_for: ClientFor) -> None:
    response = client_for(world["org_admin"]).post(
        reverse("connections:connection_create", kwargs={"pk": world.org.pk}), {"package": "nonsense"}
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not SoftwareConnection.objects.exists()


def test_the_secret_is_shown_once_with_a_copy_button_and_works(world: World, client_for: ClientFor) -> None:
    connection = software_connection(world.org, world["admin"])
    client = client_for(world["org_admin"])

    app_key, secret, content = _secret_page(client, connection)
    detail = client.get(
        reverse("connections:connection_detail", kwargs={"pk": connection.pk})
    ).content.decode()

    assert 'data-copy="secret"' in content
    assert connection_key_for_credentials(app_key=app_key, secret=secret) is not None
    assert app_key in detail
    assert secret not in detail


def test_getting_the_key_page_only_asks_for_confirmation(world: World, client_for: ClientFor) -> None:
    connection = software_connection(world.org, world["admin"])

    response = client_for(world["org_admin"]).get(
        reverse("connections:connection_key_issue", kwargs={"pk": connection.pk})
    )

    assert response.status_code == 200
    assert not ConnectionKey.objects.exists()


def test_regenerating_through_the_portal_stops_the_old_secret(world: World, client_for: ClientFor) -> None:
    connection = software_connection(world.org, world["admin"])
    client = client_for(world["admin"])
    old_app_key, old_secret, _content = _secret_page(client, connection)

    confirmation = client.get(reverse("connections:connection_key_issue", kwargs={"pk": connection.pk}))
    new_app_key, new_secret, _content = _secret_page(client, connection)

    assert "stops working at once" in confirmation.content.decode()
    assert connection_key_for_credentials(app_key=old_app_key, secret=old_secret) is None
    assert connection_key_for_credentials(app_key=new_app_key, secret=new_secret) is not None


def test_revoking_asks_first_then_ends_the_connection(world: World, client_for: ClientFor) -> None:
    connection = software_connection(world.org, world["admin"])
    issued = connection_key_issue(connection=connection, acting_user=world["admin"])
    client = client_for(world["org_admin"])
    url = reverse("connections:connection_revoke", kwargs={"pk": connection.pk})

    confirmation = client.get(url)
    connection.refresh_from_db()
    still_live = connection.status
    client.post(url)

    connection.refresh_from_db()
    assert confirmation.status_code == 200 and still_live == ConnectionStatus.ACTIVE
    assert connection.status == ConnectionStatus.REVOKED
    assert connection_key_for_credentials(app_key=issued.key.app_key, secret=issued.secret) is None


def test_connections_page_has_a_constant_query_count(world: World, client_for: ClientFor) -> None:
    def grow_to(total: int) -> None:
        while (index := world.org.software_connections.count()) < total:
            connection = software_connection(world.org, world["admin"], label=f"administration {index}")
            connection_key_issue(connection=connection, acting_user=world["org_admin"])

    count = assert_constant_queries(
        client_for(world["org_admin"]),
        reverse("connections:connection_list", kwargs={"pk": world.org.pk}),
        grow_to=grow_to,
    )

    assert count == 11
