"""Connections and keys made the way the portal makes them: through connections.services."""

from __future__ import annotations

from accounts.models import User
from connections.models import SoftwareConnection, SoftwarePackage
from connections.services import IssuedKey, connection_create, connection_key_issue
from environments.models import Organisation


def software_connection(
    organisation: Organisation, user: User, package: str = SoftwarePackage.EXACT_ONLINE, label: str = ""
) -> SoftwareConnection:
    return connection_create(organisation=organisation, acting_user=user, package=package, label=label)


def issued_key(organisation: Organisation, user: User, **kwargs: str) -> IssuedKey:
    return connection_key_issue(
        connection=software_connection(organisation, user, **kwargs), acting_user=user
    )
